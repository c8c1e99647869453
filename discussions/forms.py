from django import forms

from core import uploads as files
from core.attachments import AttachmentsField
from core.forms import checked_upload
from core.patient_data import PatientDataGuardMixin
from discussions.models import Discussion

MARKDOWN_HINT = (
    "You can use Markdown: **bold**, *italic*, lists with -. Type @ and a name to mention "
    "a member of this community. Never write anything that could identify a patient."
)
# Marks the textareas the mentions script enhances (static/js/mentions.js).
MENTIONS = "data-mentions"


def _body(label, required_message, rows=8):
    return forms.CharField(
        label=label,
        max_length=20000,
        help_text=MARKDOWN_HINT,
        widget=forms.Textarea(attrs={"rows": rows, MENTIONS: ""}),
        error_messages={"required": required_message},
    )


class DiscussionForm(PatientDataGuardMixin, forms.ModelForm):
    guarded_fields = ("title", "body")

    body = _body("What do you want to discuss?", "Write what you want to discuss")
    attachment = forms.FileField(
        label="A document for comments (optional)",
        required=False,
        help_text=f"{files.ACCEPTED_LABEL}. Members of the community can download it.",
    )

    class Meta:
        model = Discussion
        fields = ["kind", "title", "body", "attachment", "is_safe_space", "author_hidden"]
        labels = {
            "kind": "What kind of discussion is it?",
            "is_safe_space": "This is about learning from harm (a safe-space discussion)",
            "author_hidden": "Don't show my name to members",
        }
        help_texts = {
            "is_safe_space": (
                "Its page shows the community's ground rules, and it never leaves the "
                "community: not in digests, exports or notifications' text."
            ),
            "author_hidden": (
                "Only in a safe-space discussion. Members see “A member”; the conveners and "
                "the site's staff still see your name: it is not anonymous."
            ),
        }
        error_messages = {
            "title": {"required": "Give the discussion a title"},
            "kind": {"required": "Choose what kind of discussion it is"},
        }
        widgets = {"kind": forms.RadioSelect}

    def clean_attachment(self):
        return checked_upload(self.cleaned_data.get("attachment"))

    def clean(self):
        data = super().clean()
        if data.get("author_hidden") and not data.get("is_safe_space"):
            self.add_error(
                "author_hidden",
                "Your name can be hidden only in a safe-space discussion: tick the box above, "
                "or untick this one",
            )
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "body": data["body"],
            "is_safe_space": data["is_safe_space"],
            "author_hidden": data["author_hidden"],
            "attachment": data.get("attachment"),
        }


class DiscussionEditForm(PatientDataGuardMixin, forms.Form):
    guarded_fields = ("title", "body")

    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Give the discussion a title"}
    )
    body = _body("Text", "Write what you want to discuss")


class ReplyForm(PatientDataGuardMixin, forms.Form):
    body = _body("Your reply", "Write your reply", rows=5)
    attachments = AttachmentsField()
    author_hidden = forms.BooleanField(
        label="Don't show my name to members",
        required=False,
        help_text="Members see “A member”; the conveners and staff still see your name.",
    )

    def __init__(self, *args, safe_space=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not safe_space:
            del self.fields["author_hidden"]


class ReplyEditForm(PatientDataGuardMixin, forms.Form):
    body = _body("Your reply", "Write your reply", rows=5)


class GroundRulesForm(forms.Form):
    text = forms.CharField(
        label="Ground rules",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Shown on every safe-space discussion of the community. Markdown allowed.",
        error_messages={"required": "Write the ground rules"},
    )


class MoveForm(forms.Form):
    community = forms.ModelChoiceField(
        label="Move it to",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the community to move it to"},
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = targets.order_by("name")


class ListFilterForm(forms.Form):
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "All discussions"), ("unanswered", "Unanswered questions")],
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search discussions",
        help_text="Words from a title, a question or a reply",
        required=False,
        max_length=200,
    )
