"""One-click unsubscribe: no sign-in, exactly one preference, idempotent, tamper-proof."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.outbox.preferences import unsubscribe_token
from core.models import AuditEntry
from tests.conftest import soup

pytestmark = pytest.mark.django_db


def url(user, preference):
    return reverse(
        "accounts:unsubscribe", args=[unsubscribe_token(user=user, preference=preference)]
    )


def test_get_asks_and_changes_nothing(client, user):
    page = soup(client.get(url(user, "digest")))
    assert page.find("h1").get_text(strip=True) == "Unsubscribe from digest e-mails"
    user.refresh_from_db()
    assert user.digest_frequency == "weekly"


@pytest.mark.parametrize(
    ("preference", "field", "off", "other_field", "other_value"),
    [
        ("digest", "digest_frequency", "never", "meeting_reminders", True),
        ("meeting_reminders", "meeting_reminders", False, "digest_frequency", "weekly"),
    ],
)
def test_post_without_sign_in_changes_exactly_that_preference_twice_in_a_row(
    client, user, preference, field, off, other_field, other_value
):
    link = url(user, preference)
    for _ in range(2):
        response = client.post(link)
        assert response.status_code == 200
        assert "You are unsubscribed" in soup(response).get_text()
    user.refresh_from_db()
    assert getattr(user, field) == off
    assert getattr(user, other_field) == other_value
    assert AuditEntry.objects.filter(action="preferences.unsubscribe").count() == 1


def test_rfc8058_one_click_post_from_a_mail_client(client, user):
    """Mail clients POST List-Unsubscribe=One-Click with no cookie and no CSRF token."""
    client.handler.enforce_csrf_checks = True
    response = client.post(
        url(user, "digest"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.digest_frequency == "never"


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_gets_a_clear_error_page(client, user, method):
    good = unsubscribe_token(user=user, preference="digest")
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    response = getattr(client, method)(reverse("accounts:unsubscribe", args=[tampered]))
    assert response.status_code == 400
    assert soup(response).find("h1").get_text(strip=True) == "This unsubscribe link does not work"
    user.refresh_from_db()
    assert user.digest_frequency == "weekly"


def test_token_for_a_deleted_account(client, user):
    link = url(user, "digest")
    user.delete()
    assert client.post(link).status_code == 400


@pytest.mark.parametrize("prefix", ["/", "/cop/"])
def test_the_address_in_each_message_is_the_one_reverse_writes(settings, request, prefix):
    """unsubscribe_url splices each token into a path reversed once: the address is the one
    reverse() writes, for every preference and person, under the site's script prefix."""
    from django.urls import set_script_prefix

    from accounts.outbox.preferences import PREFERENCES, unsubscribe_url
    from tests.factories import UserFactory

    set_script_prefix(prefix)
    request.addfinalizer(lambda: set_script_prefix("/"))
    clock = time_machine.travel(timezone.now(), tick=False)  # a token carries its second
    clock.start()
    request.addfinalizer(clock.stop)
    for person in UserFactory.create_batch(3):
        for preference in PREFERENCES:
            written = unsubscribe_url(user=person, preference=preference)
            assert written == settings.SITE_URL + url(person, preference)
            assert written.startswith(f"{settings.SITE_URL}{prefix}unsubscribe/")


def test_tokens_are_those_of_a_compressed_payload(request):
    """Tokens are signed uncompressed: zlib never shortens so small a payload, so links
    already sent (signed with compress=True) and new ones are the same for every person
    and preference, the longest ids included."""
    from django.core import signing

    from accounts.outbox.preferences import PREFERENCES, UNSUBSCRIBE_SALT

    clock = time_machine.travel(timezone.now(), tick=False)
    clock.start()
    request.addfinalizer(clock.stop)
    for pk in (1, 98_765, 2**63 - 1):
        for preference in PREFERENCES:
            person = type("Person", (), {"pk": pk})
            payload = {"u": pk, "p": preference}
            assert unsubscribe_token(user=person, preference=preference) == signing.dumps(
                payload, salt=UNSUBSCRIBE_SALT, compress=True
            )
