from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from taggit.forms import TagField

from accounts.models import Organisation, Profession, Region
from accounts.selectors import organisation_choices
from communities.models import CharterVersion, Community, Membership, Network
from core.forms import SuggestingInput, suggest


class CommunityForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Where its members work. Leave empty if it is not tied to a region.",
    )
    topics = TagField(
        required=False, help_text="Separated by commas, for example: polypharmacy, care homes"
    )

    class Meta:
        model = Community
        fields = [
            "name",
            "slug",
            "network",
            "domain",
            "practice",
            "who_we_are",
            "topics",
            "regions",
            "visibility",
            "join_policy",
            "approved_email_domains",
            "cadence",
        ]
        labels = {"slug": "Short web address", "approved_email_domains": "Approved e-mail domains"}
        help_texts = {
            "slug": "Letters, numbers and hyphens; it appears in the community's address.",
            "domain": "The field you care about and the purpose that brings people together.",
            "practice": "Methods, tools, stories: how you address recurring problems together.",
            "who_we_are": "The professions, organisations and people who take part.",
            "approved_email_domains": "Separated by commas, for example: example.nhs.uk. "
            "Holders of these addresses join without approval.",
        }
        widgets = {
            "domain": forms.Textarea(attrs={"rows": 4}),
            "practice": forms.Textarea(attrs={"rows": 4}),
            "who_we_are": forms.Textarea(attrs={"rows": 4}),
            "visibility": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
        }
        error_messages = {
            "name": {"unique": "A community with this name already exists: choose another name"},
            "slug": {"unique": "This web address is taken: choose another one"},
            "domain": {"required": "Say what the community cares about"},
            "visibility": {"required": "Choose who can see the community"},
            "join_policy": {"required": "Choose how people join the community"},
            "cadence": {"required": "Choose how often the community meets"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        networks = Network.objects.all() if user.is_staff else Network.objects.filter(managers=user)
        if self.instance.network_id:
            networks = networks | Network.objects.filter(pk=self.instance.network_id)
        self.fields["network"].queryset = networks.distinct()
        self.fields["network"].empty_label = "Not part of a network"
        self.fields["network"].help_text = "Programme managers add communities to their networks."
        self.fields["name"].error_messages["required"] = "Enter the community's name"
        self.fields["slug"].error_messages["required"] = "Enter a short web address"
        if self.instance.pk:
            self.initial["regions"] = list(self.instance.regions.values_list("region", flat=True))

    def clean_approved_email_domains(self):
        raw = self.cleaned_data["approved_email_domains"]
        domains = [d.strip().lower().lstrip("@") for d in raw.split(",") if d.strip()]
        for domain in domains:
            if "." not in domain or " " in domain:
                raise ValidationError(f"“{domain}” is not an e-mail domain, like example.nhs.uk")
        return ", ".join(domains)

    def service_kwargs(self):
        data = {f: self.cleaned_data[f] for f in self.Meta.fields if f not in ("topics", "regions")}
        return {
            **data,
            "topics": self.cleaned_data["topics"],
            "regions": self.cleaned_data["regions"],
        }


class JoinForm(forms.Form):
    note = forms.CharField(
        label="A short note to the conveners (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who you are and why you would like to join.",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your answer",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or decline"},
    )
    message = forms.CharField(
        label="A message to the person (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        error_messages={"required": "Choose a role"},
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label="Reason for removing this member",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Give a reason: the member and the other conveners will see it"
        },
    )


def _wish_fields(question, topics_label, examples):
    """A need or an offer: the text, and its topics (what the board matches on)."""
    text = forms.CharField(
        label=question, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    topics = forms.CharField(
        label=topics_label,
        required=False,
        max_length=300,
        help_text=f"Separated by commas, for example: {examples}",
        widget=SuggestingInput,
    )
    return text, topics


class NeedsOffersForm(forms.Form):
    needs, needs_topics = _wish_fields(
        "What do you need from the community?", "Topics of your needs", "deprescribing, falls"
    )
    offers, offers_topics = _wish_fields(
        "What can you offer?", "Topics of your offers", "medication review, audit"
    )

    def __init__(self, *args, topics=(), **kwargs):
        """topics: existing topics to suggest (selectors.topic_suggestions)."""
        super().__init__(*args, **kwargs)
        suggest(self, ["needs_topics", "offers_topics"], topics)


class InviteForm(forms.Form):
    emails = forms.CharField(
        label="E-mail addresses",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line, or separated by commas.",
        error_messages={"required": "Enter at least one e-mail address"},
    )
    message = forms.CharField(
        label="A message with the invitation (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_emails(self):
        raw = self.cleaned_data["emails"].replace(",", "\n").replace(";", "\n")
        emails = [e.strip() for e in raw.splitlines() if e.strip()]
        bad = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise ValidationError(
                "Check these addresses, they are not in the correct format (like name@example.org): "
                + ", ".join(bad)
            )
        if len(emails) > 50:
            raise ValidationError("Invite at most 50 people at a time")
        return emails


class CharterForm(forms.ModelForm):
    class Meta:
        model = CharterVersion
        fields = [
            "trying_to_do",
            "how_to_do_it",
            "who_needs_to",
            "how_we_know",
            "problem_statement",
            "priorities",
        ]
        widgets = {f: forms.Textarea(attrs={"rows": 4}) for f in fields}

    def clean(self):
        cleaned = super().clean()
        if not any((cleaned.get(f) or "").strip() for f in self.Meta.fields):
            raise ValidationError("Answer at least one question before saving the charter")
        return cleaned


class PhaseForm(forms.Form):
    to_phase = forms.ChoiceField(
        label="New phase",
        choices=Community.Phase.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the new phase"},
    )
    note = forms.CharField(
        label="What has changed?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="This note appears in the community's timeline.",
        error_messages={"required": "Say why the community is moving to this phase"},
    )


class ArchiveForm(forms.Form):
    note = forms.CharField(
        label="What becomes of the community, and where is its legacy kept?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the archived community's page and in its timeline, and sent to "
        "its members.",
        error_messages={"required": "Say what becomes of the community"},
    )


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        label="Community to merge into",
        queryset=Community.objects.none(),
        empty_label="Choose a community",
        help_text="Communities you convene.",
        error_messages={
            "required": "Choose the community to merge into",
            "invalid_choice": "Choose one of the communities you convene",
        },
    )
    note = forms.CharField(
        label="A note for the timeline and the e-mail to members (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = targets


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}, {obj.organisation}" if obj.organisation_id else obj.name


class SplitForm(forms.Form):
    new_name = forms.CharField(
        label="Name of the new community",
        max_length=200,
        error_messages={"required": "Enter the new community's name"},
    )
    new_slug = forms.SlugField(
        label="Short web address of the new community",
        max_length=200,
        help_text="Letters, numbers and hyphens, for example sepsis-care-homes.",
        error_messages={
            "required": "Enter the new community's web address",
            "invalid": "Use only letters, numbers and hyphens in the web address",
        },
    )
    new_domain = forms.CharField(
        label="What will the new community care about?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what the new community will care about"},
    )
    note = forms.CharField(
        label="A message for the members you invite (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    members = MemberChoiceField(
        label="Members to invite",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each gets an invitation to the new community and chooses whether to join. "
        "They stay members of this one.",
    )

    def __init__(self, *args, members, holdings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        # What the apps above let a split take (future meetings, resources), as checkboxes.
        for holding, choices in holdings:
            self.fields[holding.key] = forms.TypedMultipleChoiceField(
                label=f"{holding.label.capitalize()} to move to the new community",
                choices=choices,
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def clean_new_name(self):
        name = self.cleaned_data["new_name"].strip()
        if Community.objects.filter(name__iexact=name).exists():
            raise ValidationError("A community with this name already exists: choose another name")
        return name

    def clean_new_slug(self):
        slug = self.cleaned_data["new_slug"]
        if Community.objects.filter(slug=slug).exists():
            raise ValidationError("This web address is taken: choose another one")
        return slug


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    topic = forms.CharField(label="Topic", required=False, max_length=100, widget=SuggestingInput)
    region = forms.ChoiceField(
        label="Region", required=False, choices=[("", "Any region"), *Region.choices]
    )
    phase = forms.ChoiceField(
        label="Phase", required=False, choices=[("", "Any phase"), *Community.Phase.choices]
    )
    network = forms.ModelChoiceField(
        label="Network",
        required=False,
        queryset=Network.objects.all(),
        to_field_name="slug",
        empty_label="Any network",
    )
    archived = forms.BooleanField(label="Include archived communities", required=False)

    def __init__(self, *args, topics=(), **kwargs):
        """topics: existing topics to suggest (selectors.topic_suggestions)."""
        super().__init__(*args, **kwargs)
        suggest(self, ["topic"], topics)


class _NameChoiceIterator(forms.models.ModelChoiceIterator):
    """The options from (pk, name) rows: no model instance per option (the members of a
    large community come from hundreds of organisations). The same values and labels as
    ModelChoiceIterator for models whose str() is their name."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class _NameChoiceField(forms.ModelChoiceField):
    iterator = _NameChoiceIterator


class MemberFilterForm(forms.Form):
    organisation = _NameChoiceField(
        label="Organisation",
        required=False,
        queryset=Organisation.objects.none(),
        empty_label="Any organisation",
    )
    profession = _NameChoiceField(
        label="Profession",
        required=False,
        queryset=Profession.objects.none(),
        empty_label="Any profession",
    )
    region = forms.ChoiceField(
        label="Region", required=False, choices=[("", "Any region"), *Region.choices]
    )

    def __init__(self, *args, figures, **kwargs):
        """figures: the community's, from selectors.community_figures. The options are the
        organisations and professions of its active members, found by primary key: no pass
        over every member."""
        super().__init__(*args, **kwargs)
        # Confirmed organisations only: a name a member typed waits for staff.
        self.fields["organisation"].queryset = organisation_choices().filter(
            pk__in=figures["organisation_ids"]
        )
        self.fields["profession"].queryset = Profession.objects.filter(
            pk__in=figures["profession_ids"]
        )
