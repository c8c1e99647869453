"""Every e-mail allauth can send goes through our adapter with everything its templates
read, in the site's voice: the recipient's address, the site's name, links built from
SITE_URL (never from the request's host), and no empty placeholder."""

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import allauth
import pytest
import time_machine
from allauth.account.adapter import get_adapter
from allauth.account.internal import flows
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.core.context import request_context
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from accounts.adapter import AccountAdapter
from accounts.models import EmailDelivery
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.eager_tasks]

SITE_NAME = "Example Care Network"
SITE_URL = "https://cop.example.org"
MISSING = "MISSING-PLACEHOLDER"
OWNER = "jo.owner@example.nhs.uk"

# Every message allauth sends, by template prefix, with its subject in our voice.
SUBJECTS = {
    "account/email/email_confirmation_signup": (
        f"Confirm your e-mail address to finish joining {SITE_NAME}"
    ),
    "account/email/email_confirmation": f"Confirm your e-mail address for {SITE_NAME}",
    "account/email/account_already_exists": (
        f"Someone tried to create an account with your address on {SITE_NAME}"
    ),
    "account/email/unknown_account": f"There is no account with this address on {SITE_NAME}",
    "account/email/password_reset_key": f"Reset your password for {SITE_NAME}",
    "account/email/password_reset_code": f"Your code to reset your password for {SITE_NAME}",
    "account/email/login_code": f"Your sign-in code for {SITE_NAME}",
    "account/email/password_changed": f"Your password for {SITE_NAME} was changed",
    "account/email/password_set": f"A password was set for your account on {SITE_NAME}",
    "account/email/password_reset": f"Your password for {SITE_NAME} was reset",
    "account/email/email_changed": (
        f"The e-mail address of your account on {SITE_NAME} was changed"
    ),
    "account/email/email_deleted": (
        f"An e-mail address was removed from your account on {SITE_NAME}"
    ),
    "mfa/email/totp_activated": (
        f"Two-factor authentication is on for your account on {SITE_NAME}"
    ),
    "mfa/email/totp_deactivated": (
        f"Two-factor authentication was turned off for your account on {SITE_NAME}"
    ),
    "mfa/email/recovery_codes_generated": f"New recovery codes for your account on {SITE_NAME}",
    "mfa/email/webauthn_added": f"A security key was added to your account on {SITE_NAME}",
    "mfa/email/webauthn_removed": (f"A security key was removed from your account on {SITE_NAME}"),
    "socialaccount/email/account_connected": (
        f"Sign-in with Example Trust was connected to your account on {SITE_NAME}"
    ),
    "socialaccount/email/account_disconnected": (
        f"Sign-in with Example Trust was removed from your account on {SITE_NAME}"
    ),
}
# allauth ships these templates but no code of it sends them any more.
NEVER_SENT = {"account/email/email_confirm"}

# The notices of a change to how a person signs in (allauth's send_notification_mail).
NOTICES = sorted(
    p
    for p in SUBJECTS
    if not p.endswith(
        ("_code", "confirmation", "confirmation_signup", "already_exists", "unknown_account")
    )
    and not p.endswith("password_reset_key")
)
NOTIFICATION_CONTEXT = {
    "account/email/email_changed": {"from_email": OWNER, "to_email": "jo.new@example.org"},
    "account/email/email_deleted": {"deleted_email": "jo.old@example.org"},
    "socialaccount/email/account_connected": {"provider": SimpleNamespace(name="Example Trust")},
    "socialaccount/email/account_disconnected": {"provider": SimpleNamespace(name="Example Trust")},
}


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_NAME = SITE_NAME
    settings.SITE_URL = SITE_URL
    # A placeholder that a template reads and the context lacks writes this instead of "".
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": MISSING},
        }
    ]


def a_request(rf, user=None):
    """A request from a browser, on the test server's host (not the site's)."""
    request = rf.post("/", HTTP_USER_AGENT="Example Browser/1.0", REMOTE_ADDR="192.0.2.7")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    return request


def send(prefix, rf, owner):
    """Have allauth send the message `prefix` as its own code does (its flows where they
    can be called alone, its adapter's methods otherwise), through our adapter."""
    request = a_request(rf, owner)
    with request_context(request):
        adapter = get_adapter()
        assert isinstance(adapter, AccountAdapter)
        if prefix.startswith("account/email/email_confirmation"):
            address = EmailAddress.objects.get(user=owner)
            adapter.send_confirmation_mail(
                request, EmailConfirmationHMAC(address), signup=prefix.endswith("_signup")
            )
        elif prefix == "account/email/account_already_exists":
            adapter.send_account_already_exists_mail(owner.email)
        elif prefix == "account/email/unknown_account":
            flows.signup.send_unknown_account_mail(request, "nobody@example.org")
        elif prefix == "account/email/password_reset_key":
            flows.password_reset.request_password_reset(request, owner.email, [owner], None)
        elif prefix in ("account/email/login_code", "account/email/password_reset_code"):
            adapter.send_mail(prefix, owner.email, {"request": request, "code": "K7Q2XM"})
        else:
            adapter.send_notification_mail(prefix, owner, NOTIFICATION_CONTEXT.get(prefix))


def visible_links(text, html):
    return re.findall(r"https?://\S+", text) + [
        a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")
    ]


def test_every_message_allauth_sends_is_listed():
    shipped = Path(allauth.__file__).parent / "templates"
    prefixes = {
        str(path.relative_to(shipped)).removesuffix("_subject.txt")
        for path in shipped.glob("*/email/*_subject.txt")
    }
    assert prefixes - NEVER_SENT == set(SUBJECTS)


@pytest.mark.parametrize("prefix", sorted(SUBJECTS))
def test_message_has_its_context_and_our_voice(
    prefix, rf, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    owner = UserFactory(email=OWNER, name="Jo Owner", timezone="Europe/London")
    with django_capture_on_commit_callbacks(execute=True):
        send(prefix, rf, owner)
    (message,) = mailoutbox
    to = "nobody@example.org" if prefix.endswith("unknown_account") else OWNER
    assert message.to == [to]
    for body in (message.body, *(content for content, _ in message.alternatives)):
        assert MISSING not in body
        assert not re.search(r"\b(on|to|at|from) [.,:]", body), body  # "on ." and the like
    assert message.subject == SUBJECTS[prefix]
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    for body in (message.body, html):
        assert to in body
        assert SITE_NAME in body
        assert SITE_URL in body
        assert "testserver" not in body and "example.com" not in body
    # Greeted by name when the address has an account.
    greeting = "Hello," if to != OWNER else "Hello Jo,"
    assert message.body.startswith(greeting)
    assert BeautifulSoup(html, "html.parser").find("p").get_text(strip=True) == greeting
    # Every link goes to the site, as SITE_URL names it.
    links = visible_links(message.body, html)
    assert links and all(link.startswith(SITE_URL + "/") or link == SITE_URL for link in links)
    # Our own templates drew it, each part of it.
    ours = Path(django_settings.BASE_DIR) / "templates"
    for part in ("_subject.txt", "_message.txt", "_message.html"):
        origin = Path(get_template(prefix + part).origin.name)
        assert origin.is_relative_to(ours), origin
    delivery = EmailDelivery.objects.get()
    assert delivery.recipient == (owner if to == OWNER else None)


@pytest.mark.parametrize("prefix", NOTICES)
def test_notices_say_when_from_where_and_what_to_do(
    prefix, rf, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    owner = UserFactory(email=OWNER, name="Jo Owner", timezone="America/New_York")
    moment = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    with (
        time_machine.travel(moment, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send(prefix, rf, owner)
    body = mailoutbox[0].body
    # In the owner's own time zone, as the pages show times.
    assert "When: Wednesday 15 January 2025, 07:00" in body
    assert "Browser: Example Browser/1.0" in body
    assert "Internet address: 192.0.2.7" in body
    assert f"Choose a new password straight away:\n{SITE_URL}/accounts/password/reset/" in body
    assert f"Then sign out everywhere else:\n{SITE_URL}{reverse('usersessions_list')}" in body


# --- as a person meets them --------------------------------------------------------------


def test_password_reset_link_is_the_sites_and_works(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = UserFactory(email=OWNER, name="Jo Owner")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "Jo.Owner@example.nhs.uk"})
    (message,) = mailoutbox
    assert message.subject == f"Reset your password for {SITE_NAME}"
    assert "Hello Jo," in message.body and OWNER in message.body
    link = re.search(rf"{re.escape(SITE_URL)}(/accounts/password/reset/key/\S+/)", message.body)
    # The path works on the site: it leads to the form for a new password.
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    assert "password1" in response.content.decode()
    assert EmailDelivery.objects.get().recipient == owner


def test_password_reset_for_an_unknown_address_says_so_to_that_address(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    (message,) = mailoutbox
    assert message.to == ["nobody@example.org"]
    assert message.subject == f"There is no account with this address on {SITE_NAME}"
    assert f"{SITE_URL}/accounts/signup/" in message.body
    assert MISSING not in message.body + message.alternatives[0][0]


def test_changing_the_password_tells_the_owner_when_and_from_where(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    owner = UserFactory(email=OWNER, name="Jo Owner")
    browser = Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Example Browser/2.0")
    browser.post(reverse("account_login"), {"login": OWNER, "password": PASSWORD})
    browser.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "a quiet harbour at dusk",
                "password2": "a quiet harbour at dusk",
            },
        )
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == [OWNER]
    assert message.subject == f"Your password for {SITE_NAME} was changed"
    assert "Browser: Example Browser/2.0" in message.body
    assert "Internet address: 198.51.100.23" in message.body
    assert EmailDelivery.objects.get().recipient == owner
