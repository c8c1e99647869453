"""allauth hooks: sign-up stores our profile fields, and its e-mails go through our outbox."""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, zone_of
from accounts.outbox.delivery import email_queue_rendered, one_off_purpose
from accounts.services import organisation_get_or_create
from accounts.sso import SSO_EXISTING_ACCOUNT
from core.access import client_ip
from core.ratelimits import sign_in_attempt, sign_in_limits_clear
from core.services import audit_log


@dataclass(frozen=True)
class MailSite:
    """The site as allauth's templates read it (`current_site.name`, `.domain`), taken from
    our settings: a request's Host header never decides what an e-mail says or links to."""

    name: str
    domain: str


def absolute_url(path):
    return settings.SITE_URL + path


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # One transaction: a failure leaves no half-created account or organisation.
        with transaction.atomic():
            data = form.cleaned_data
            user.name = data["name"].strip()
            user.profession = data["profession"]
            user.region = data["region"]
            user.organisation = data.get("organisation") or organisation_get_or_create(
                name=data["organisation_name"]
            )
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                audit_log(actor=user, action="account.signup", target=user)
        return user

    def get_client_ip(self, request):
        # The address the audit log and our own limits use (AUDIT_CLIENT_IP_HEADER behind a
        # proxy): allauth's limits then count each client, not the proxy.
        return client_ip(request) or super().get_client_ip(request)

    def pre_authenticate(self, request, **credentials):
        # Failed sign-ins limited per account, per account and address, and per address
        # (core.ratelimits); allauth takes the count back when the password is right.
        login = credentials.get("email", credentials.get("username", ""))
        account_key = self._get_login_attempts_cache_key(request, **credentials)
        self._login_failed_rl_usage = sign_in_attempt(request, account_key=account_key, login=login)

    def _delete_login_attempts_cached_email(self, request, **credentials):
        # After a password reset (allauth's hook): the account's sign-in limits start again.
        super()._delete_login_attempts_cached_email(request, **credentials)
        account_key = self._get_login_attempts_cache_key(request, **credentials)
        sign_in_limits_clear(request, account_key=account_key)

    def get_email_confirmation_url(self, request, emailconfirmation):
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # allauth does not pass on whose account changed: our templates greet them.
        context = {"user": user, **(context or {})}
        super().send_notification_mail(template_prefix, user, context, email)

    def add_message(self, request, level, message_template=None, message_context=None, **kw):
        # allauth adds "We have sent an e-mail to ..." only when it sent one, and it sends
        # none to an address it wrote to a few minutes before (its confirm_email limit).
        # After a sign-up that notice would tell a taken address, recently written to, from
        # a new one; the page after sign-up says the same thing whatever happened.
        if message_template == "account/messages/email_confirmation_sent.txt" and (
            message_context or {}
        ).get("signup"):
            return
        super().add_message(request, level, message_template, message_context, **kw)

    def mail_context(self, email, context, *, recipient):
        """What every account e-mail reads: what allauth's own send_mail adds (request,
        email, current_site), what our e-mails read (recipient, site_name, site_url), the
        links an account message may offer, and then what the caller passed."""
        return {
            "request": allauth_context.request,
            "email": email,
            "current_site": MailSite(settings.SITE_NAME, urlsplit(settings.SITE_URL).netloc),
            "recipient": recipient,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "links": {
                "sign_in": absolute_url(reverse("account_login")),
                "sign_up": absolute_url(reverse("account_signup")),
                "reset_password": absolute_url(reverse("account_reset_password")),
                "sessions": absolute_url(reverse("usersessions_list")),
                "account": absolute_url(reverse("accounts:overview")),
            },
            **context,
        }

    def send_mail(self, template_prefix, email, context):
        recipient = context.get("user")
        if not isinstance(recipient, User):
            recipient = User.objects.filter(email__iexact=email).first()
        # Times (when a change was made) in the person's own time zone, as the pages show them.
        with timezone.override(zone_of(recipient)):
            message = self.render_mail(
                template_prefix, email, self.mail_context(email, context, recipient=recipient)
            )
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        # Account-security messages a person asked for: transactional, no unsubscribe.
        email_queue_rendered(
            to_address=email,
            recipient=recipient,
            purpose=one_off_purpose(f"account:{template_prefix.rsplit('/', 1)[-1]}"),
            subject=message.subject,
            text=message.body,
            html=html,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on (OpenID Connect): a person new to the site is asked once for their
    profile; a person who already has an account connects the sign-in to it themselves,
    signed in, unless the operator trusts the provider to vouch for addresses."""

    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "email_taken": (
            "An account with this e-mail address already exists. Sign in with your password "
            "first, then connect your %s sign-in from your account page"
        ),
        "no_password": (  # nosec B105  # an error message, not a password
            "This is the only way you can sign in: set a password first (Change your "
            "password, on your account page), then remove it"
        ),
        "no_verified_email": (
            "Your e-mail address is not confirmed yet: confirm it first, then remove this sign-in"
        ),
        "connected_other": "This sign-in is already connected to another account on this site",
    }

    def get_connect_redirect_url(self, request, socialaccount):
        return reverse("accounts:overview")

    def is_auto_signup_allowed(self, request, sociallogin):
        # Never: the sign-up form (SocialSignupForm) asks what our sign-up asks.
        return False

    def can_authenticate_by_email(self, login, email):
        # A verified address of the provider signs into the account with that address only
        # where the operator says the provider vouches for addresses (OIDC_TRUST_EMAIL).
        return settings.OIDC_TRUST_EMAIL or super().can_authenticate_by_email(login, email)

    def pre_social_login(self, request, sociallogin):
        """A sign-in that is neither connected to an account nor trusted to sign into one, by
        someone whose address already has an account: they are told to sign in first and
        connect, instead of meeting a sign-up that cannot work. Nothing is connected."""
        if sociallogin.is_existing or sociallogin.state.get("process") not in (
            None,
            AuthProcess.LOGIN,
        ):
            return
        # Only an address the provider verified: its holder may learn that it has an
        # account. Any other goes on to the sign-up form, which answers as sign-up does.
        addresses = [a.email for a in sociallogin.email_addresses if a.email and a.verified]
        if not addresses or not User.objects.filter(email__iexact=addresses[0]).exists():
            return
        request.session[SSO_EXISTING_ACCOUNT] = {
            "email": addresses[0],
            "provider": sociallogin.provider.name,
        }
        raise ImmediateHttpResponse(redirect("accounts:sso_existing_account"))

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        full = data.get("name") or " ".join(
            p for p in (data.get("first_name"), data.get("last_name")) if p
        )
        user.name = full or (user.email or "").split("@")[0]
        return user
