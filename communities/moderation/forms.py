from django import forms


def reason_field(*, label, help_text, required_message, rows=4):
    """The reason asked of whoever reports or hides something: up to 1,000 characters, and
    the help text says who will read it."""
    return forms.CharField(
        label=label,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": required_message},
    )


class ReportForm(forms.Form):
    reason = reason_field(
        label="What is wrong with it?",
        help_text="The community's conveners read this, not the author.",
        required_message="Say what is wrong: the conveners will read it",
    )


class HideForm(forms.Form):
    reason = reason_field(
        label="Reason",
        help_text="The author will see it on the page and receive it by e-mail.",
        required_message="Give a reason: the author will see it",
        rows=3,
    )
