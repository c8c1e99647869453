from django import forms

from core.patient_data import PatientDataGuardMixin


class HeldReplyForm(PatientDataGuardMixin, forms.Form):
    body = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "Write your reply"},
    )


class DiscardForm(forms.Form):
    """A confirmation button: nothing to fill in."""
