"""Single sign-on connections of a person (allauth's SocialAccount rows), read for the pages
that show them."""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from django.core.exceptions import ImproperlyConfigured

# The session key of the address an SSO sign-in brought that already has an account.
SSO_EXISTING_ACCOUNT = "sso_existing_account"


def sign_in_parts(account, request=None):
    """(provider, who): the provider's name as the site knows it now, and the address or
    user name it gave (its user id if it gave neither)."""
    try:
        provider = account.get_provider(request).name
    except (SocialApp.DoesNotExist, ImproperlyConfigured):  # a provider no longer configured
        provider = account.provider
    data = account.extra_data or {}
    claims = data.get("userinfo") or data.get("id_token") or data
    who = claims.get("email") or claims.get("preferred_username") or account.uid
    return provider, who


def sign_in_label(account, request=None):
    """ "Example Trust (robin@example.nhs.uk)" """
    provider, who = sign_in_parts(account, request)
    return f"{provider} ({who})"


def sign_in_list(*, user, request=None):
    """[(account, provider, who)] of the sign-ins connected to this person's account, oldest
    first."""
    accounts = SocialAccount.objects.filter(user=user).order_by("date_joined", "pk")
    return [(account, *sign_in_parts(account, request)) for account in accounts]


def sign_in_offers(*, request, connected, next_url):
    """[(provider name, URL to POST to)] for each configured provider this person has not
    connected yet: the URL starts connecting it to the signed-in account."""
    providers = [p for p in get_adapter().list_providers(request) if p.app is not None]
    taken = {account.provider for account in connected}
    return [
        (p.name, p.get_login_url(request, process=AuthProcess.CONNECT, next=next_url))
        for p in providers
        if p.app.provider_id not in taken
    ]
