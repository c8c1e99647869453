from django import forms

from communities.moderation.forms import reason_field
from core.attachments import AttachmentsField
from core.patient_data import PatientDataGuardMixin

MAX_LENGTH = 5000


class MessageForm(PatientDataGuardMixin, forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Only the two of you can read it. Do not include patient-identifiable details.",
        error_messages={"required": "Write your message"},
    )
    attachments = AttachmentsField()


class ReportForm(forms.Form):
    reason = reason_field(
        label="What is wrong?",
        help_text="The site's staff read this and the conversation, not the other person.",
        required_message="Say what is wrong: the site's staff will read it",
    )


class ContactPreferenceForm(forms.Form):
    met_only = forms.BooleanField(
        label="Only people I have met in a meeting can start a conversation with me",
        required=False,
        help_text=(
            "Met means you were both recorded as attending the same meeting. Conversations "
            "you already have carry on."
        ),
    )
