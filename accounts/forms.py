from allauth.account import forms as allauth_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.socialaccount.forms import DisconnectForm
from allauth.socialaccount.forms import SignupForm as SocialSignupBase
from django import forms
from django.contrib.auth.hashers import make_password

from accounts.models import Profession, Region, User, timezone_choices
from accounts.notifications.models import Channel
from accounts.notifications.registry import KINDS
from accounts.selectors import organisation_choices
from accounts.services import organisation_get_or_create
from accounts.sso import sign_in_label

ORGANISATION_HELP = (
    "If your organisation is not in the list, leave it empty and type its name below."
)


EMAIL_FORMAT = "Enter an e-mail address in the correct format, like name@example.org"


def _reword(field, label, required, invalid=None):
    """Our label and error messages on one of allauth's fields, without its placeholder."""
    field.label = label
    field.widget.attrs.pop("placeholder", None)
    field.error_messages["required"] = required
    if invalid:
        field.error_messages["invalid"] = invalid


# Where a person works, in the order the forms ask it.
PLACE_FIELDS = ("organisation", "organisation_name", "profession", "region")


class OrganisationFieldsMixin:
    """What sign-up asks to place a person: their name, an organisation chosen from the
    list (or typed when it is not listed yet), their profession and region."""

    def _place_fields(self, *, name=None):
        """The name (`name`: what it starts with), organisation, profession and region."""
        self.fields["name"] = forms.CharField(
            label="Full name",
            max_length=150,
            initial=name,
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

    def _organisation_fields(self, *, keep=None):
        # Only confirmed organisations are listed; a typed one waits for staff. `keep`: the
        # person's own organisation, listed for them even while it waits.
        self.fields["organisation"] = forms.ModelChoiceField(
            queryset=organisation_choices(keep=keep),
            required=False,
            empty_label="Choose your organisation",
            help_text=ORGANISATION_HELP,
        )
        self.fields["organisation_name"] = forms.CharField(
            label="Organisation not in the list",
            max_length=200,
            required=False,
            help_text=(
                "For example, Riverside Care Home. It is kept on your profile at once and"
                " added to the list for others once staff have checked it."
            ),
            widget=forms.TextInput(attrs={"autocomplete": "organization"}),
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

    field_order = ["name", "email", "password1", "password2", *PLACE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._place_fields()
        _reword(self.fields["email"], "E-mail address", "Enter your e-mail address", EMAIL_FORMAT)
        _reword(self.fields["password1"], "Password", "Enter a password")
        _reword(self.fields["password2"], "Password again", "Enter the password again")
        self.order_fields(self.field_order)

    def try_save(self, request):
        # A taken address gets the answer a new one gets (allauth creates nothing and
        # e-mails the owner instead). What creating the account would have done that anyone
        # can notice is done anyway: the password hashed (the slowest step, which would
        # otherwise show in the time the answer takes) and a typed organisation stored
        # (waiting for staff), whose spelling a later sign-up typing the same name gets.
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])
            if not self.cleaned_data.get("organisation"):
                organisation_get_or_create(name=self.cleaned_data["organisation_name"])
        return super().try_save(request)

    def clean(self):
        return self._clean_organisation(super().clean())


CODE_REQUIRED = "Enter the 6-digit code from your authenticator app"


class FieldMessagesMixin:
    """allauth's forms with the site's error messages, each naming its field: "This field
    is required." twice in an error summary tells no one which field to fix."""

    field_messages = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, messages in self.field_messages.items():
            if name in self.fields:
                self.fields[name].error_messages.update(messages)


class LoginForm(FieldMessagesMixin, allauth_forms.LoginForm):
    field_messages = {
        "login": {"required": "Enter your e-mail address", "invalid": EMAIL_FORMAT},
        "password": {"required": "Enter your password"},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The page has its own "Forgotten your password?" link, beside the button.
        self.fields["password"].help_text = ""


class ResetPasswordForm(FieldMessagesMixin, allauth_forms.ResetPasswordForm):
    field_messages = {"email": {"required": "Enter your e-mail address", "invalid": EMAIL_FORMAT}}


class AddEmailForm(FieldMessagesMixin, allauth_forms.AddEmailForm):
    field_messages = {"email": {"required": "Enter the e-mail address", "invalid": EMAIL_FORMAT}}


NEW_PASSWORD = {
    "password1": {"required": "Enter a new password"},
    "password2": {"required": "Enter the new password again"},
}


class ResetPasswordKeyForm(FieldMessagesMixin, allauth_forms.ResetPasswordKeyForm):
    field_messages = NEW_PASSWORD


class SetPasswordForm(FieldMessagesMixin, allauth_forms.SetPasswordForm):
    field_messages = NEW_PASSWORD


class ChangePasswordForm(FieldMessagesMixin, allauth_forms.ChangePasswordForm):
    field_messages = {"oldpassword": {"required": "Enter your current password"}, **NEW_PASSWORD}


class ReauthenticateForm(FieldMessagesMixin, allauth_forms.ReauthenticateForm):
    field_messages = {"password": {"required": "Enter your password"}}


class MFAAuthenticateForm(FieldMessagesMixin, mfa_forms.AuthenticateForm):
    field_messages = {"code": {"required": CODE_REQUIRED}}


class MFAReauthenticateForm(FieldMessagesMixin, mfa_forms.ReauthenticateForm):
    field_messages = {"code": {"required": CODE_REQUIRED}}


class ActivateTOTPForm(FieldMessagesMixin, totp_forms.ActivateTOTPForm):
    field_messages = {"code": {"required": CODE_REQUIRED}}


class ProfileForm(OrganisationFieldsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "job_title", "organisation", "profession", "region", "bio", "timezone"]
        labels = {"name": "Full name", "bio": "Short bio"}
        help_texts = {
            "bio": "What you work on and what you can help others with. Up to 1,000 characters.",
            "timezone": "Meeting times are shown in this time zone.",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    field_order = ["name", "job_title", *PLACE_FIELDS, "bio", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._organisation_fields(keep=self.instance.organisation_id)
        self.fields["profession"].queryset = Profession.objects.filter(active=True)
        self.fields["profession"].empty_label = "Choose your profession"
        self.fields["region"].choices = [("", "Choose your region"), *Region.choices]
        self.fields["timezone"] = forms.ChoiceField(
            label="Time zone",
            choices=timezone_choices(),
            help_text=ProfileForm.Meta.help_texts["timezone"],
            error_messages={"required": "Choose your time zone"},
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
        error_messages={"required": "Choose how often you want a digest"},
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

    NOTIFY_PREFIX = "notify_"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One choice per registered kind of notification that has e-mails of its own (drawn
        # in its own fieldset). A kind shown in the centre only is e-mailed, if at all, under
        # one of the switches above.
        for key, kind in KINDS.items():
            if not kind.email_template:
                continue
            # Not required: a post without it (an older page) keeps what is saved.
            self.fields[f"{self.NOTIFY_PREFIX}{key}"] = forms.ChoiceField(
                label=kind.label,
                choices=Channel.choices,
                widget=forms.RadioSelect,
                required=False,
                error_messages={
                    "invalid_choice": f"Choose how you hear that: {kind.label.lower()}"
                },
            )

    def email_fields(self):
        return [f for f in self if not f.name.startswith(self.NOTIFY_PREFIX)]

    def notification_fields(self):
        return [f for f in self if f.name.startswith(self.NOTIFY_PREFIX)]

    def split(self):
        """(the User fields, {kind key: channel}) of the cleaned data."""
        fields, channels = {}, {}
        for name, value in self.cleaned_data.items():
            if name.startswith(self.NOTIFY_PREFIX):
                if value:
                    channels[name.removeprefix(self.NOTIFY_PREFIX)] = value
            else:
                fields[name] = value
        return fields, channels


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


class SocialSignupForm(OrganisationFieldsMixin, SocialSignupBase):
    """The first sign-in with an organisation's single sign-on: what sign-up asks (name,
    organisation, profession, region), asked once before the account is made. The address
    is the one the provider gave, when it gave one."""

    field_order = ["name", "email", *PLACE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        _reword(email, "E-mail address", "Enter your e-mail address", EMAIL_FORMAT)
        if self.initial.get("email"):
            # The provider's address: it cannot be changed here (an address of one's own
            # choosing is what the ordinary sign-up, with its confirmation e-mail, is for).
            email.disabled = True
            email.help_text = "The address your organisation's sign-in gave us."
        self._place_fields(name=self.sociallogin.user.name)
        self.order_fields(self.field_order)

    # An address the provider did not verify that already has an account gets sign-up's
    # answer (allauth's: "confirm your address", and the owner is e-mailed): a verified one
    # never gets here (SocialAccountAdapter.pre_social_login).

    def clean(self):
        return self._clean_organisation(super().clean())


class SignInRemoveForm(DisconnectForm):
    """Which connected sign-in to remove. allauth's checks stay: not the last way to sign in
    of an account with no password, nor of one with no confirmed address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        field.label = "Which sign-in do you want to remove?"
        field.empty_label = None
        field.error_messages["required"] = "Choose the sign-in to remove"
        field.error_messages["invalid_choice"] = "Choose the sign-in to remove"
        field.label_from_instance = sign_in_label
