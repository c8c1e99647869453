from django import forms


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with it?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The community's conveners read this, not the author.",
        error_messages={"required": "Say what is wrong: the conveners will read it"},
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The author will see it on the page and receive it by e-mail.",
        error_messages={"required": "Give a reason: the author will see it"},
    )
