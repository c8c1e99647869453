from django import forms

from core.attachments import AttachmentsField
from core.patient_data import PatientDataGuardMixin


class HeldReplyForm(PatientDataGuardMixin, forms.Form):
    body = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "Write your reply"},
    )
    # The e-mail's files were not kept while the text waited: they are attached here.
    attachments = AttachmentsField()

    def __init__(self, *args, takes_files=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not takes_files:
            del self.fields["attachments"]


class DiscardForm(forms.Form):
    """A confirmation button: nothing to fill in."""
