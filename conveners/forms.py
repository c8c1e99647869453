from django import forms

from accounts.models import Profession, Region
from accounts.selectors import organisation_choices
from communities.models import Community
from conveners.models import Application, LeadershipProgramme, ProgrammeSession
from conveners.services import APPLICATION_FIELDS
from core.forms import DateInput, DateTimeInput, check_end_after_start
from core.patient_data import CONFIRM_LABEL, PatientDataGuardMixin

DATE = DateInput()
DATETIME = DateTimeInput()


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = LeadershipProgramme
        fields = [
            "network",
            "name",
            "slug",
            "description",
            "cohort_size",
            "applications_open",
            "applications_close",
            "starts_on",
            "ends_on",
            "meeting_commitment",
            "criteria",
            "balance_threshold",
        ]
        widgets = dict.fromkeys(
            ["applications_open", "applications_close", "starts_on", "ends_on"], DATE
        ) | {
            "description": forms.Textarea(attrs={"rows": 4}),
            "criteria": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"slug": "Short web address", "balance_threshold": "Balance warning threshold (%)"}
        error_messages = {
            "network": {"required": "Choose the network that runs the programme"},
            "name": {"required": "Enter the programme's name"},
            "slug": {"required": "Enter a short web address"},
            "description": {"required": "Describe the programme"},
            "cohort_size": {
                "required": "Enter the number of places in the cohort",
                "min_value": "The number of places cannot be negative",
            },
            "applications_open": {
                "required": "Enter the date applications open",
                "invalid": "Enter a real date",
            },
            "applications_close": {
                "required": "Enter the date applications close",
                "invalid": "Enter a real date",
            },
            "starts_on": {
                "required": "Enter the date the programme starts",
                "invalid": "Enter a real date",
            },
            "ends_on": {
                "required": "Enter the date the programme ends",
                "invalid": "Enter a real date",
            },
            "meeting_commitment": {
                "required": "Enter how many meetings each participant commits to convene",
                "min_value": "The number of meetings cannot be negative",
            },
            "criteria": {"required": "Enter the selection criteria, one per line"},
            "balance_threshold": {
                "required": "Enter the balance warning threshold",
                "min_value": "The balance warning threshold cannot be negative",
            },
        }

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("applications_open")
            and cleaned.get("applications_close")
            and cleaned["applications_close"] < cleaned["applications_open"]
        ):
            self.add_error("applications_close", "Applications must close after they open")
        if (
            cleaned.get("starts_on")
            and cleaned.get("ends_on")
            and cleaned["ends_on"] < cleaned["starts_on"]
        ):
            self.add_error("ends_on", "The programme must end after it starts")
        return cleaned


class SessionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ProgrammeSession.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of session"},
    )
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    starts_at = forms.DateTimeField(
        label="Starts",
        widget=DATETIME,
        error_messages={
            "required": "Enter when it starts",
            "invalid": "Enter a real date and time",
        },
    )
    ends_at = forms.DateTimeField(
        label="Ends",
        widget=DATETIME,
        error_messages={"required": "Enter when it ends", "invalid": "Enter a real date and time"},
    )
    venue = forms.CharField(required=False, max_length=300)
    joining_link = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=500,
        error_messages={"invalid": "Enter a full web address, starting with https://"},
    )

    def clean(self):
        cleaned = super().clean()
        check_end_after_start(self, cleaned)
        return cleaned


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = list(APPLICATION_FIELDS)
        widgets = {
            f: forms.Textarea(attrs={"rows": 4}) for f in ["proposed_domain", "motivation", "hopes"]
        }
        labels = {
            "community": "The community you convene",
            "sponsor_name": "Sponsor's name",
            "sponsor_role": "Sponsor's role",
            "sponsor_email": "Sponsor's e-mail address",
        }
        help_texts = {
            "sponsor_email": "Someone at your employer who supports your taking part. We e-mail them a link to confirm."
        }

    def __init__(self, *args, user, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(
            memberships__user=user,
            memberships__status="active",
            memberships__role__in=["convener", "co-convener"],
        ).distinct()
        self.fields["community"].empty_label = "I want to start a new community"
        self.fields["region"].choices = [("", "Choose your region"), *Region.choices]
        self.fields["profession"].queryset = Profession.objects.filter(active=True)
        # The applicant's own organisation is listed even while it waits for staff.
        self.fields["organisation"].queryset = organisation_choices(keep=user.organisation_id)
        self.fields[
            "commitment"
        ].label = f"I commit to convene at least {programme.meeting_commitment} face-to-face community meetings during the programme"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("shortlist", "Shortlist"),
            ("offer", "Offer a place"),
            ("waitlist", "Put on the waiting list"),
            ("reject", "Do not select"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision"},
    )


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for index, criterion in enumerate(criteria):
            self.fields[f"c{index}"] = forms.TypedChoiceField(
                label=criterion,
                coerce=int,
                choices=[(i, str(i)) for i in range(1, 6)],
                widget=forms.RadioSelect,
                error_messages={"required": "Score this criterion from 1 to 5"},
            )

    def scores(self):
        return {c: self.cleaned_data[f"c{i}"] for i, c in enumerate(self.criteria)}


class JournalForm(PatientDataGuardMixin, forms.Form):
    """A new entry: private, unless shared with the programme managers, and then checked
    for patient data (core.patient_data) like everything else that is posted."""

    guarded_fields = ("title", "body")
    title = forms.CharField(max_length=200, error_messages={"required": "Give the entry a title"})
    body = forms.CharField(
        label="Reflection",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write your reflection"},
    )
    shared_with_managers = forms.BooleanField(
        label="Share this entry with the programme managers", required=False
    )

    def patient_data_texts(self):
        if not self.cleaned_data.get("shared_with_managers"):
            return {}
        return super().patient_data_texts()


class CompletionForm(forms.Form):
    completed = forms.TypedChoiceField(
        label="Did they complete the programme?",
        coerce=lambda v: v == "yes",
        choices=[("yes", "Completed"), ("no", "Did not complete")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they completed the programme"},
    )
    trains_others = forms.BooleanField(
        label="Goes on to train others (train the trainer)", required=False
    )


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status")] + [c for c in Application.Status.choices if c[0] != "draft"],
    )
    region = forms.ChoiceField(required=False, choices=[("", "Any region"), *Region.choices])
    profession = forms.ModelChoiceField(
        required=False, queryset=Profession.objects.all(), empty_label="Any profession"
    )
    sort = forms.ChoiceField(
        required=False, choices=[("submitted", "Date submitted"), ("score", "Average score")]
    )


class JournalEntryForm(PatientDataGuardMixin, forms.Form):
    """Share an entry with the programme managers or publish it as a story: the entry's
    text leaves the private journal, so it is checked for patient data then (and only
    then: an entry already shared was checked when it was)."""

    guarded_fields = ()
    patient_data_advice = (
        f"Keep the entry private, or tick “{CONFIRM_LABEL}” if it is not about a real person"
    )
    shared_with_managers = forms.BooleanField(
        label="Share this entry with the programme managers", required=False
    )
    publish_to = forms.ModelChoiceField(
        label="Publish it as a story in a community's library (optional)",
        required=False,
        queryset=Community.objects.none(),
        empty_label="Do not publish",
        help_text="Members of that community will be able to read it.",
    )

    def __init__(self, *args, user, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.fields["publish_to"].queryset = Community.objects.filter(
            memberships__user=user, memberships__status="active", status="active"
        ).distinct()

    def _sharing_field(self):
        if self.cleaned_data.get("publish_to"):
            return "publish_to"
        if self.cleaned_data.get("shared_with_managers") and not self.entry.shared_with_managers:
            return "shared_with_managers"
        return None

    def patient_data_texts(self):
        if self._sharing_field() is None:
            return {}
        return {"title": self.entry.title, "body": self.entry.body}

    def patient_data_error_field(self, name):
        return self._sharing_field()
