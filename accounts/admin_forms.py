"""Forms of the people admin: what staff confirm before releasing or erasing a person's data
on a request received by post, and which organisation a duplicate is merged into."""

from django import forms

from accounts.selectors import organisation_choices


class ExportReleaseForm(forms.Form):
    """Before staff download someone's data for them: how the requester's identity was
    checked, and to whom and how the archive goes. Both are recorded with the release."""

    IDENTITY_CHECKS = [
        ("account-email", "They confirmed the request from the address on the account"),
        ("id-document", "An identity document, checked against the name on the account"),
        ("organisation", "Their organisation's information governance confirmed who they are"),
        ("other", "Another way (describe it below)"),
    ]

    identity_check = forms.ChoiceField(
        label="How did you check the requester's identity?",
        choices=IDENTITY_CHECKS,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how you checked the requester's identity"},
    )
    note = forms.CharField(
        label="Details of the check",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    released_to = forms.CharField(
        label="Who receives the archive, and how",
        max_length=300,
        help_text="For example: the person, by encrypted e-mail to the address on the account.",
        error_messages={"required": "Say who receives the archive, and how"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("identity_check") == "other" and not cleaned.get("note"):
            self.add_error("note", "Describe how you checked the requester's identity")
        return cleaned


class EraseChoiceForm(forms.Form):
    """Before staff close accounts: keep or remove what the people contributed, as the
    person would choose on their own closing page, and whether a legal hold applies."""

    contributions = forms.ChoiceField(
        label="What they contributed (resources, stories, comments)",
        choices=[
            ("keep", 'Keep it for the communities, attributed to "Former member"'),
            ("remove", "Remove it, with the files they uploaded"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to keep or remove their contributions"},
    )
    audit_hold = forms.BooleanField(
        label="A legal hold applies: keep the audit trail as it is",
        required=False,
        help_text="Only when told to by the organisation's legal or information governance team.",
    )


class OrganisationMergeForm(forms.Form):
    """Which listed organisation the chosen ones are the same as."""

    into = forms.ModelChoiceField(
        label="Merge into",
        queryset=None,
        empty_label="Choose the organisation they are the same as",
        help_text="Only confirmed organisations are offered.",
        error_messages={
            "required": "Choose the organisation to merge them into",
            "invalid_choice": "Choose a confirmed organisation that is not being merged",
        },
    )

    def __init__(self, *args, merging, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = organisation_choices().exclude(
            pk__in=[o.pk for o in merging]
        )
