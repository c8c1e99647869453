from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth.hashers import make_password

from accounts.models import Organisation, Profession, Region, User, timezone_choices
from accounts.services import organisation_get_or_create

ORGANISATION_HELP = (
    "If your organisation is not in the list, leave it empty and type its name below."
)


class OrganisationFieldsMixin:
    """An organisation chosen from the list, or typed when it is not listed yet."""

    def _organisation_fields(self):
        self.fields["organisation"] = forms.ModelChoiceField(
            queryset=Organisation.objects.order_by("name"),
            required=False,
            empty_label="Choose your organisation",
            help_text=ORGANISATION_HELP,
        )
        self.fields["organisation_name"] = forms.CharField(
            label="Organisation not in the list",
            max_length=200,
            required=False,
            help_text="For example, Riverside Care Home",
        )

    def _clean_organisation(self, cleaned):
        if not cleaned.get("organisation") and not (cleaned.get("organisation_name") or "").strip():
            self.add_error(
                "organisation",
                "Choose your organisation, or type its name if it is not in the list",
            )
        return cleaned


class SignupForm(OrganisationFieldsMixin, allauth_forms.SignupForm):
    """allauth's sign-up (e-mail, password) with the profile we need to place a person."""

    field_order = [
        "name",
        "email",
        "password1",
        "password2",
        "organisation",
        "organisation_name",
        "profession",
        "region",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"] = forms.CharField(
            label="Full name",
            max_length=150,
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
            error_messages={"required": "Enter your full name"},
        )
        self._organisation_fields()
        self.fields["profession"] = forms.ModelChoiceField(
            queryset=Profession.objects.filter(active=True),
            empty_label="Choose your profession",
            error_messages={"required": "Choose your profession"},
        )
        self.fields["region"] = forms.ChoiceField(
            choices=[("", "Choose your region"), *Region.choices],
            error_messages={"required": "Choose your region"},
        )
        messages = {
            "email": (
                "E-mail address",
                "Enter your e-mail address",
                "Enter an e-mail address in the correct format, like name@example.org",
            ),
            "password1": ("Password", "Enter a password", None),
            "password2": ("Password again", "Enter the password again", None),
        }
        for name, (label, required, invalid) in messages.items():
            field = self.fields[name]
            field.label = label
            field.widget.attrs.pop("placeholder", None)
            field.error_messages["required"] = required
            if invalid:
                field.error_messages["invalid"] = invalid
        self.order_fields(self.field_order)

    def try_save(self, request):
        # A taken address gets the answer a new one gets (allauth creates nothing and
        # e-mails the owner instead). What creating the account would have done that anyone
        # can notice is done anyway: the password hashed (the slowest step, which would
        # otherwise show in the time the answer takes) and a typed organisation added to
        # the list that this page shows to everyone.
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])
            if not self.cleaned_data.get("organisation"):
                organisation_get_or_create(name=self.cleaned_data["organisation_name"])
        return super().try_save(request)

    def clean(self):
        return self._clean_organisation(super().clean())


class ProfileForm(OrganisationFieldsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "job_title", "organisation", "profession", "region", "bio", "timezone"]
        labels = {"name": "Full name", "bio": "Short bio"}
        help_texts = {
            "bio": "What you work on and what you can help others with. Up to 1,000 characters.",
            "timezone": "Meeting times are shown in this time zone.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    field_order = [
        "name",
        "job_title",
        "organisation",
        "organisation_name",
        "profession",
        "region",
        "bio",
        "timezone",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._organisation_fields()
        self.fields["profession"].queryset = Profession.objects.filter(active=True)
        self.fields["profession"].empty_label = "Choose your profession"
        self.fields["region"].choices = [("", "Choose your region"), *Region.choices]
        self.fields["timezone"] = forms.ChoiceField(
            label="Time zone",
            choices=timezone_choices(),
            help_text=ProfileForm.Meta.help_texts["timezone"],
        )
        self.fields["name"].error_messages["required"] = "Enter your full name"
        self.order_fields(self.field_order)

    def clean(self):
        return self._clean_organisation(super().clean())

    def service_kwargs(self):
        data = {f: self.cleaned_data[f] for f in ProfileForm.Meta.fields}
        data["organisation_name"] = (
            "" if data["organisation"] else self.cleaned_data["organisation_name"]
        )
        return data


class PreferencesForm(forms.Form):
    digest_frequency = forms.ChoiceField(
        label="How often do you want a digest of what is new in your communities?",
        choices=User.Digest.choices,
        widget=forms.RadioSelect,
    )
    meeting_reminders = forms.BooleanField(
        label="Send me a reminder before meetings I have registered for", required=False
    )
    meeting_announcements = forms.BooleanField(
        label="Tell me about new meetings in my communities", required=False
    )
    minutes_emails = forms.BooleanField(
        label="Send me the minutes of my communities' meetings", required=False
    )
    resource_notices = forms.BooleanField(
        label="Tell me when a resource I own is due for review, or is commented on", required=False
    )
    membership_notices = forms.BooleanField(
        label="Tell me about join requests to answer and about answers to my own requests",
        required=False,
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to confirm"},
    )
    remove_contributions = forms.BooleanField(
        label="Also remove the resources, stories and comments I contributed",
        required=False,
        help_text='If you leave this unticked, they stay for the communities, attributed to "Former member".',
    )
    confirm = forms.BooleanField(
        label="I understand that my account will be closed and cannot be restored",
        error_messages={"required": "Tick to confirm that you want to close your account"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not correct")
        return password
