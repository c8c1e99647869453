from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from accounts.models import User
from core import uploads
from core.forms import DateInput, DateTimeInput, HttpsURLField, check_end_after_start
from core.patient_data import PatientDataGuardMixin
from meetings.models import MAX_REMINDER_HOURS, Meeting

DATETIME = DateTimeInput()
MINUTES_TYPES = (".pdf", ".docx")
MINUTES_MAX_BYTES = 20 * 1024 * 1024
# What a meeting is and when, the same whether it is to come or already happened.
WHAT_AND_WHEN = ["title", "kind", "agenda", "starts_at", "ends_at", "format", "venue"]


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = [*WHAT_AND_WHEN, "joining_link", "capacity", "visibility", "reminder_hours"]
        labels = {
            "starts_at": "Starts",
            "ends_at": "Ends",
            "joining_link": "Joining link (for online or hybrid)",
            "capacity": "Capacity (optional)",
            "reminder_hours": "Send the reminder this many hours before",
            "visibility": "Who may see it",
        }
        help_texts = {
            "agenda": "Markdown: use - for a list, ** for bold.",
            "starts_at": "Times are in your time zone (Europe/London unless you chose another).",
            "capacity": "People beyond it join a waiting list and get a place when someone cancels.",
            "joining_link": "Shown only to people who registered, and to conveners.",
            "reminder_hours": f"From 1 to {MAX_REMINDER_HOURS} (four weeks): 24 is a day "
            "before, 168 a week before.",
        }
        field_classes = {"joining_link": HttpsURLField}
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "agenda": forms.Textarea(attrs={"rows": 6}),
            "format": forms.RadioSelect,
            "visibility": forms.RadioSelect,
        }
        error_messages = {
            "title": {"required": "Enter a title"},
            "starts_at": {
                "required": "Enter when it starts",
                "invalid": "Enter a real date and time",
            },
            "ends_at": {"required": "Enter when it ends", "invalid": "Enter a real date and time"},
            "joining_link": {"invalid": "Enter a full web address, starting with https://"},
            "kind": {"required": "Choose the kind of meeting"},
            "format": {"required": "Choose how people take part"},
            "visibility": {"required": "Choose who may see it"},
            "capacity": {"min_value": "Enter a capacity of 0 or more, or leave it empty"},
            "reminder_hours": {
                "required": "Enter how many hours before the meeting to send the reminder",
                "min_value": "Enter 1 hour or more",
                "max_value": f"Enter at most {MAX_REMINDER_HOURS} hours (four weeks)",
            },
        }

    def __init__(self, *args, network_event=False, **kwargs):
        super().__init__(*args, **kwargs)
        if network_event:
            self.fields["visibility"].choices = [
                (Meeting.Visibility.MEMBERS, "Members of the network's communities"),
                (Meeting.Visibility.PUBLIC, "Public: anyone"),
            ]
        else:
            self.fields["kind"].initial = Meeting.Kind.MEETING

    def clean(self):
        cleaned = super().clean()
        check_end_after_start(self, cleaned)
        if cleaned.get("format") in (
            Meeting.Format.ONLINE,
            Meeting.Format.HYBRID,
        ) and not cleaned.get("joining_link"):
            self.add_error("joining_link", "Enter the joining link for an online or hybrid meeting")
        return cleaned


class PastMeetingForm(forms.ModelForm):
    """The record of a meeting that has already happened, with who came."""

    attended = forms.ModelMultipleChoiceField(
        label="Who attended",
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the members who came. Others with an account, and guests without "
        "one, can be added afterwards on the meeting's attendance page.",
    )

    class Meta:
        model = Meeting
        fields = [*WHAT_AND_WHEN, "visibility"]
        labels = {**MeetingForm.Meta.labels, "agenda": "Agenda (optional)"}
        help_texts = {
            "agenda": MeetingForm.Meta.help_texts["agenda"],
            "starts_at": "When it started: a date and time that has passed.",
        }
        widgets = {**MeetingForm.Meta.widgets, "agenda": forms.Textarea(attrs={"rows": 4})}
        error_messages = MeetingForm.Meta.error_messages

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = Meeting.Kind.MEETING
        self.fields["attended"].queryset = members
        self.fields["attended"].label_from_instance = lambda user: user.name

    def clean(self):
        cleaned = super().clean()
        check_end_after_start(self, cleaned)
        return cleaned

    def service_kwargs(self):
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return {**fields, "attendees": list(self.cleaned_data["attended"])}


SERIES_MESSAGES = {
    "start_time": {"required": "Enter the start time", "invalid": "Enter a real time, like 14:30"},
    "end_time": {"required": "Enter the end time", "invalid": "Enter a real time, like 15:30"},
    "first_date": {
        "required": "Enter the date of the first meeting",
        "invalid": "Enter a real date",
    },
    "until": {"required": "Enter the date of the last meeting", "invalid": "Enter a real date"},
}


class SeriesForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    frequency = forms.ChoiceField(
        label="How often",
        choices=[("monthly", "Monthly"), ("weekly", "Weekly")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often the meetings are held"},
    )
    ordinal = forms.TypedChoiceField(
        label="Which week of the month (monthly only)",
        coerce=int,
        choices=[(1, "First"), (2, "Second"), (3, "Third"), (4, "Fourth"), (-1, "Last")],
        error_messages={"required": "Choose which week of the month"},
    )
    weekday = forms.TypedChoiceField(
        label="Day",
        coerce=int,
        choices=list(
            enumerate(
                ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
            )
        ),
        error_messages={"required": "Choose the day"},
    )
    start_time = forms.TimeField(
        label="Start time",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages=SERIES_MESSAGES["start_time"],
    )
    end_time = forms.TimeField(
        label="End time",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages=SERIES_MESSAGES["end_time"],
    )
    first_date = forms.DateField(
        label="From", widget=DateInput(), error_messages=SERIES_MESSAGES["first_date"]
    )
    until = forms.DateField(
        label="Until", widget=DateInput(), error_messages=SERIES_MESSAGES["until"]
    )
    format = forms.ChoiceField(
        choices=Meeting.Format.choices,
        widget=forms.RadioSelect,
        initial=Meeting.Format.IN_PERSON,
        error_messages={"required": "Choose how people take part"},
    )
    venue = forms.CharField(max_length=300, required=False)
    joining_link = forms.URLField(
        assume_scheme="https",
        label="Joining link",
        required=False,
        max_length=500,
        error_messages={"invalid": "Enter a full web address, starting with https://"},
    )
    capacity = forms.IntegerField(
        label="Capacity (optional)",
        required=False,
        min_value=1,
        error_messages={"min_value": "Enter a capacity of 1 or more, or leave it empty"},
    )
    visibility = forms.ChoiceField(
        label="Who may see them",
        choices=Meeting.Visibility.choices,
        widget=forms.RadioSelect,
        initial=Meeting.Visibility.MEMBERS,
        error_messages={"required": "Choose who may see them"},
    )
    agenda = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        cleaned = super().clean()
        check_end_after_start(self, cleaned, "start_time", "end_time")
        if (
            cleaned.get("first_date")
            and cleaned.get("until")
            and cleaned["until"] < cleaned["first_date"]
        ):
            self.add_error("until", "The end date must be on or after the first date")
        return cleaned

    def describe(self):
        d = self.cleaned_data
        day = dict(self.fields["weekday"].choices)[d["weekday"]]
        if d["frequency"] == "weekly":
            rule = f"every {day}"
        else:
            rule = (
                f"{dict(self.fields['ordinal'].choices)[d['ordinal']].lower()} {day} of every month"
            )
        return f"{rule}, {d['start_time']:%H:%M} to {d['end_time']:%H:%M}, until {d['until']:%-d %B %Y}"


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is it cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why the meeting is cancelled: registered people will read it"
        },
    )


class AttendanceForm(forms.Form):
    attended = forms.MultipleChoiceField(
        label="Who attended", required=False, widget=forms.CheckboxSelectMultiple
    )
    members = forms.ModelMultipleChoiceField(
        label="Members who came without registering",
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Members of the community who are not registered for this meeting.",
    )
    walk_ins = forms.CharField(
        label="Others with an account (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E-mail addresses of people with an account who came without registering, "
        "one per line. Someone without an account is recorded as a guest.",
    )

    def __init__(self, *args, registrations, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(r.pk, r.user.name) for r in registrations]
        self.fields["attended"].initial = [r.pk for r in registrations if r.attended]
        if members is None:  # a network event: its audience is too wide to list
            del self.fields["members"]
        else:
            self.fields["members"].queryset = members
            self.fields["members"].label_from_instance = lambda user: user.name

    def clean_walk_ins(self):
        emails = [
            e.strip().lower()
            for e in self.cleaned_data["walk_ins"].replace(",", "\n").splitlines()
            if e.strip()
        ]
        users = list(User.objects.filter(email__in=emails))
        unknown = sorted(set(emails) - {u.email for u in users})
        if unknown:
            raise ValidationError(
                "No account has these addresses: "
                + ", ".join(unknown)
                + ". Record each person as a guest instead, with their name and organisation"
            )
        return users

    def clean(self):
        cleaned = super().clean()
        cleaned["walk_in_users"] = [
            *cleaned.get("members", ()),
            *cleaned.get("walk_ins", ()),
        ]
        return cleaned


class GuestForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": "Enter the guest's name",
            "max_length": "Enter a name of 200 characters or fewer",
        },
    )
    organisation = forms.CharField(
        label="Organisation (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": "Enter an organisation of 200 characters or fewer"},
    )
    email = forms.EmailField(
        label="E-mail address (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="If they create an account with this address later, this attendance "
        "becomes part of their record.",
        error_messages={
            "invalid": "Enter an e-mail address in the correct format, like name@example.org"
        },
    )


class MinutesForm(PatientDataGuardMixin, forms.Form):
    guarded_fields = ("notes", "decisions", "new_action")
    notes = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown",
    )
    decisions = forms.CharField(
        label="Decisions, one per line", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    document = forms.FileField(
        label="Minutes document (optional)",
        required=False,
        help_text="A PDF or Word (.docx) file, up to 20 MB.",
    )
    remove_document = forms.BooleanField(label="Remove the minutes document", required=False)
    previous_minutes_agreed = forms.BooleanField(
        label="The minutes of the previous meeting were agreed", required=False
    )
    closed = forms.MultipleChoiceField(
        label="Open actions from earlier meetings that are now done",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_action = forms.CharField(
        label="New action point (optional)", required=False, max_length=500
    )
    new_action_owner = forms.ModelChoiceField(
        label="Owner", required=False, queryset=User.objects.none(), empty_label="No owner yet"
    )
    new_action_due = forms.DateField(label="Due date", required=False, widget=DateInput())

    def __init__(self, *args, members, open_actions, current_document="", **kwargs):
        super().__init__(*args, **kwargs)
        if current_document:
            self.fields["document"].label = "Replace the minutes document (optional)"
            # Help text is rendered as HTML: the name is escaped.
            self.fields["document"].help_text = format_html(
                "The current document is {}. {}",
                current_document,
                self.fields["document"].help_text,
            )
        else:
            del self.fields["remove_document"]
        self.fields["new_action_owner"].queryset = members
        self.open_actions = {a.pk: a for a in open_actions}
        self.fields["closed"].choices = [(a.pk, a.description) for a in open_actions]

    def clean_document(self):
        """A PDF or a Word file by its content, through the same checks as every upload
        (core.uploads: the archive limits of a .docx, the virus scan if one is
        configured), before anything is stored."""
        document = self.cleaned_data.get("document")
        if not document:
            return None
        if document.size > MINUTES_MAX_BYTES:
            raise ValidationError("The file is larger than 20 MB")
        wrong_type = "The minutes document must be a PDF or a Word (.docx) file"
        name = document.name.lower()
        suffix = next((s for s in MINUTES_TYPES if name.endswith(s)), None)
        if suffix is None:
            raise ValidationError(wrong_type)
        try:
            checked = uploads.check_upload(document)
        except uploads.UploadRefused as exc:
            if exc.code in ("type", "markup"):
                raise ValidationError(wrong_type) from exc
            raise ValidationError(exc.messages) from exc
        finally:
            document.seek(0)
        if f".{checked.extension}" != suffix:
            raise ValidationError(wrong_type)
        return document

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove_document") and cleaned.get("document"):
            self.add_error(
                "remove_document", "Choose a new document or remove the current one, not both"
            )
        if (cleaned.get("new_action_owner") or cleaned.get("new_action_due")) and not cleaned.get(
            "new_action"
        ):
            self.add_error("new_action", "Describe the action point")
        return cleaned

    def service_kwargs(self):
        d = self.cleaned_data
        actions = []
        if d["new_action"]:
            actions.append(
                {
                    "description": d["new_action"],
                    "owner": d["new_action_owner"],
                    "due_date": d["new_action_due"],
                }
            )
        return {
            "notes": d["notes"],
            "decisions": d["decisions"],
            "document": d["document"],
            "remove_document": d.get("remove_document", False),
            "previous_minutes_agreed": d["previous_minutes_agreed"],
            "actions": actions,
            "closed": [self.open_actions[int(pk)] for pk in d["closed"]],
        }


class FeedSettingsForm(forms.Form):
    include_community_meetings = forms.BooleanField(
        label="Also show every meeting of my communities, not only those I registered for",
        required=False,
    )
