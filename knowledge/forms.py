from datetime import timedelta

from django import forms
from django.utils import timezone
from taggit.forms import TagField

from core import uploads as files
from core.forms import DateInput, HttpsURLField, SuggestingInput, checked_upload, suggest
from core.patient_data import PatientDataGuardMixin
from knowledge.models import Resource, Story
from knowledge.permissions import (
    communities_to_post_in,
    community_resources_visible_to,
    networks_to_post_in,
    resources_visible_to,
)
from knowledge.selectors import SORTS


class ResourceForm(PatientDataGuardMixin, forms.ModelForm):
    guarded_fields = ("title", "summary", "body")
    upload = forms.FileField(
        label="File (optional if you give a link)",
        required=False,
        help_text=f"{files.ACCEPTED_LABEL}.",
    )
    topics = TagField(
        required=False, help_text="Separated by commas, for example: falls, care homes"
    )

    class Meta:
        field_classes = {"external_url": HttpsURLField}
        model = Resource
        fields = [
            "title",
            "summary",
            "body",
            "kind",
            "upload",
            "external_url",
            "topics",
            "visibility",
            "licence",
            "review_date",
        ]
        labels = {
            "body": "Description (optional)",
            "kind": "Kind of resource",
            "external_url": "Link (optional if you upload a file)",
            "licence": "Licence (optional)",
            "review_date": "Review date",
        }
        help_texts = {
            "body": "Markdown: **bold**, *italic*, lists with -, links as [text](https://…).",
            "external_url": "A web address starting with https://",
            "licence": "For example: Open Government Licence v3.0, CC BY 4.0",
            "review_date": "When the owner should check it is still current. We e-mail them then.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 8}),
            "visibility": forms.RadioSelect,
            "review_date": DateInput,
        }
        error_messages = {
            "title": {"required": "Enter a title"},
            "summary": {"required": "Write a short summary"},
            "external_url": {"invalid": "Enter a web address, like https://example.org/guide"},
            "review_date": {"invalid": "Enter a real date, like 31 March 2027"},
            "kind": {"required": "Choose the kind of resource"},
            "visibility": {"required": "Choose who can see the resource"},
        }

    def __init__(self, *args, user, destination=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["review_date"].required = True
        self.fields["review_date"].error_messages["required"] = "Enter a review date"
        if not self.instance.pk:
            self.initial.setdefault(
                "review_date", (timezone.localdate() + timedelta(days=365)).isoformat()
            )
            choices = [(f"c:{c.slug}", c.name) for c in communities_to_post_in(user)]
            choices += [
                (f"n:{n.slug}", f"{n.name} (the whole network)") for n in networks_to_post_in(user)
            ]
            self.fields = {
                "destination": forms.ChoiceField(
                    label="Share it with",
                    choices=[("", "Choose a community")] + choices,
                    error_messages={"required": "Choose where to share the resource"},
                ),
                **self.fields,
            }
            if destination:
                self.initial["destination"] = destination
            self.destinations = {value for value, _ in choices}
        else:
            self.fields["upload"].label = "File"
            self.fields["upload"].help_text = "Upload a new version from the resource's page."
            del self.fields["upload"]
            same_place = resources_visible_to(user).exclude(pk=self.instance.pk)
            same_place = (
                same_place.filter(community=self.instance.community)
                if self.instance.community_id
                else same_place.filter(network=self.instance.network)
            )
            self.fields["superseded_by"] = forms.ModelChoiceField(
                label="Superseded by (optional)",
                queryset=same_place.order_by("title"),
                required=False,
                empty_label="Not superseded",
                help_text="If a newer resource replaces this one, readers see a banner pointing to it.",
            )
            self.initial["superseded_by"] = self.instance.superseded_by_id

    def clean_upload(self):
        return checked_upload(self.cleaned_data.get("upload"))

    def clean(self):
        data = super().clean()
        if (
            not self.instance.pk
            and not data.get("upload")
            and not data.get("external_url")
            and "upload" not in self.errors
            and "external_url" not in self.errors
        ):
            self.add_error("upload", "Choose a file to upload, or give a link, or both")
        return data

    def service_kwargs(self):
        names = [f for f in self.Meta.fields if f not in ("topics", "upload")]
        kwargs = {f: self.cleaned_data[f] for f in names}
        kwargs["topics"] = self.cleaned_data["topics"]
        if "superseded_by" in self.fields:
            kwargs["superseded_by"] = self.cleaned_data["superseded_by"]
        return kwargs


class VersionForm(forms.Form):
    upload = forms.FileField(
        label="New version of the file",
        help_text=f"{files.ACCEPTED_LABEL}.",
        error_messages={"required": "Choose the file to upload"},
    )
    change_note = forms.CharField(
        label="What changed?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what changed in this version"},
    )

    def clean_upload(self):
        return checked_upload(self.cleaned_data.get("upload"))


class AdoptionForm(forms.Form):
    organisation_name = forms.CharField(
        label="Organisation that adopted it",
        required=False,
        max_length=200,
        help_text="Leave empty if you record it for a community only.",
    )
    community = forms.ModelChoiceField(
        label="Community that adopted it (optional)",
        queryset=None,
        required=False,
        empty_label="No community",
    )
    note = forms.CharField(
        label="How do you use it?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One line, for example: adapted for our discharge letters to care homes.",
        error_messages={"required": "Say in a line how you use it"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_to_post_in(user)
        if user.organisation_id:
            self.initial.setdefault("organisation_name", user.organisation.name)

    def clean(self):
        data = super().clean()
        if not data.get("organisation_name", "").strip() and not data.get("community"):
            self.add_error(
                "organisation_name", "Name the organisation that adopted it, or choose a community"
            )
        return data


class CommentForm(PatientDataGuardMixin, forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write your comment"},
    )


class StoryForm(PatientDataGuardMixin, forms.ModelForm):
    guarded_fields = ("title", *Story.CYCLE_FIELDS)
    resources = forms.ModelMultipleChoiceField(
        label="Resources it grew from (optional)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Story
        fields = ["title", *Story.CYCLE_FIELDS, "visibility", "resources"]
        widgets = {
            "what_happened": forms.Textarea(attrs={"rows": 4}),
            "new_knowledge": forms.Textarea(attrs={"rows": 3}),
            "how_applied": forms.Textarea(attrs={"rows": 3}),
            "difference_made": forms.Textarea(attrs={"rows": 3}),
            "reframed_success": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "what_happened": "The immediate value: the conversation, the shared tip, the meeting.",
            "new_knowledge": "The potential value: an insight, a tool, a contact.",
            "how_applied": "The applied value: what you did differently.",
            "difference_made": "The realised value: for patients, residents, staff or services.",
            "reframed_success": "The reframed value: what you now measure or aim for.",
        }
        error_messages = {
            "title": {"required": "Give the story a title"},
            "what_happened": {"required": "Say what happened"},
            "visibility": {"required": "Choose who can see the story"},
        }

    def __init__(self, *args, user, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resources"].queryset = community_resources_visible_to(
            user, community
        ).order_by("title")

    def service_kwargs(self):
        data = {f: self.cleaned_data[f] for f in self.Meta.fields if f != "resources"}
        return {**data, "resources": list(self.cleaned_data["resources"])}


class ManyOptionsSelect(forms.Select):
    """A select of hundreds of options (every community a person may see): the site's select
    template, given the options without Django's per-option normalising and its dictionary of
    a dozen keys per option (about ten times faster for five hundred options). Flat choices
    of strings only."""

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        # Kept as given: Django's setter normalises each option, on every request.
        self._choices = list(value)

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value}
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            # Like Django's Select: only the first option whose value was chosen is selected.
            selected = option_value in chosen
            if selected:
                chosen = set()
            options.append(
                {
                    "value": option_value,
                    "label": label,
                    "attrs": {"selected": True} if selected else {},
                }
            )
        return [(None, options, 0)]


class ManyChoicesField(forms.ChoiceField):
    """A ChoiceField for a long, flat list of (value, label) pairs of strings: the choices
    are kept as given (Django normalises each one, a cost per option on every request) and
    a value is checked against a set."""

    widget = ManyOptionsSelect

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = self.widget.choices = list(value)
        self._values = {v for v, _ in self._choices}

    def valid_value(self, value):
        return str(value) in self._values


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label="Search the library", required=False, max_length=200)
    topic = forms.CharField(label="Topic", required=False, max_length=100, widget=SuggestingInput)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *Resource.Kind.choices]
    )
    since = forms.DateField(
        label="Shared on or after",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a real date"},
    )
    until = forms.DateField(
        label="Shared on or before",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a real date"},
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=list(SORTS.items()))

    def __init__(self, *args, communities=None, networks=None, topics=(), **kwargs):
        """communities, networks: (slug, name, ...) rows to choose from, or None for no such
        filter (the library of one community). topics: existing topics to suggest."""
        super().__init__(*args, **kwargs)
        suggest(self, ["topic"], topics)
        if communities is not None:
            self.fields["community"] = ManyChoicesField(
                label="Community",
                required=False,
                choices=[("", "Any community"), *[(row[0], row[1]) for row in communities]],
            )
        if networks is not None:
            self.fields["network"] = ManyChoicesField(
                label="Network",
                required=False,
                choices=[("", "Any network"), *[(row[0], row[1]) for row in networks]],
            )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date must be on or after the start date")
        return data
