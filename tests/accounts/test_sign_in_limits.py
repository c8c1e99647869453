"""Failed sign-ins are limited per account, per account and address, and per address, through
the sign-in form: one account under attack is refused while everyone else behind the same
address (an NHS trust's staff share one) still signs in."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from tests.conftest import link_in, soup
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TRUST = "198.51.100.20"  # a trust's shared exit address
ELSEWHERE = "203.0.113.5"
WRONG = "not the password"


def sign_in(email, password, address, client=None, **headers):
    client = client or Client()
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(response, person):
    return response.status_code == 302 and response.wsgi_request.user == person


def problem(response):
    """The text of the error summary of a sign-in page."""
    summary = soup(response).find(class_="nhsuk-error-summary")
    return " ".join(summary.get_text(" ").split()) if summary else ""


def refusals():
    return AuditEntry.objects.filter(action="auth.sign_in_limited")


def test_a_hammered_account_does_not_lock_out_its_address():
    victim, colleague = UserFactory(), UserFactory()
    for _ in range(12):  # more than the old rule's 10 a minute from one address
        sign_in(victim.email, WRONG, TRUST)
    assert signed_in(sign_in(colleague.email, PASSWORD, TRUST), colleague)


def test_the_hammered_account_is_refused_with_429_and_the_time_to_wait():
    victim = UserFactory()
    answers = [sign_in(victim.email, WRONG, TRUST).status_code for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3  # 5 failures in 5 minutes from one address
    # Even the right password: the limit is checked before the password.
    refused = sign_in(victim.email, PASSWORD, TRUST)
    assert refused.status_code == 429
    assert 240 < int(refused["Retry-After"]) <= 300
    assert problem(refused) == (
        "There is a problem Too many failed sign-ins to this account. "
        "Wait 5 minutes before you try again, or reset your password."
    )
    page = soup(refused)
    assert page.find(id="id_login") is not None and len(page.find_all("h1")) == 1
    # One audit row for the refusal, not one per refused attempt.
    entry = refusals().get()
    assert entry.ip_address == TRUST and entry.actor is None
    assert entry.data["limit"] == "account_address" and entry.data["login"] == victim.email
    assert 240 < entry.data["wait"] <= 300


def test_an_account_is_limited_from_every_address_together():
    victim, colleague = UserFactory(), UserFactory()
    for n in range(10):  # one failure from each of ten addresses
        assert sign_in(victim.email, WRONG, f"192.0.2.{n + 1}").status_code == 200
    refused = sign_in(victim.email, PASSWORD, ELSEWHERE)
    assert refused.status_code == 429
    assert 840 < int(refused["Retry-After"]) <= 900
    assert "Wait 15 minutes" in problem(refused)
    assert refusals().get().data["limit"] == "account"
    # Nobody else is affected, from any of those addresses.
    assert signed_in(sign_in(colleague.email, PASSWORD, "192.0.2.1"), colleague)


def test_the_ceiling_per_address_stops_password_spraying(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_address": "20/10m/ip",
    }
    people = UserFactory.create_batch(3)
    sprayed = [p.email for p in people] + [f"guess{n}@example.nhs.uk" for n in range(17)]
    for email in sprayed:  # one common password tried once on each of many accounts
        assert sign_in(email, "Winter2026!", TRUST).status_code == 200
    refused = sign_in("guess-next@example.nhs.uk", "Winter2026!", TRUST)
    assert refused.status_code == 429
    assert 540 < int(refused["Retry-After"]) <= 600
    assert "Too many failed sign-ins from your network. Wait 10 minutes" in problem(refused)
    # Past the ceiling the address waits, right passwords too; other addresses do not.
    assert sign_in(people[0].email, PASSWORD, TRUST).status_code == 429
    assert signed_in(sign_in(people[0].email, PASSWORD, ELSEWHERE), people[0])
    entry = refusals().get()
    assert entry.data["limit"] == "address" and entry.ip_address == TRUST


def test_the_default_ceiling_lets_a_trust_get_its_passwords_wrong(settings):
    """Many people behind one address each mistyping: far more failures than the old ten a
    minute, and the next person still signs in."""
    assert settings.ACCOUNT_RATE_LIMITS["login_failed_address"] == "300/10m/ip"
    staff = UserFactory.create_batch(41)
    for person in staff[:40]:
        assert sign_in(person.email, WRONG, TRUST).status_code == 200
    assert signed_in(sign_in(staff[40].email, PASSWORD, TRUST), staff[40])
    assert not refusals().exists()


def test_successful_sign_ins_are_not_counted(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_address": "3/10m/ip",
    }
    # More than allauth's default of 30 sign-in forms a minute from one address, too.
    for person in UserFactory.create_batch(35):
        assert signed_in(sign_in(person.email, PASSWORD, TRUST), person)
    answers = [sign_in(f"x{n}@example.org", WRONG, TRUST).status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]


def test_behind_a_proxy_each_client_is_counted_on_its_own(settings):
    """Every request comes from the proxy's address; the client's is in the header the proxy
    sets (AUDIT_CLIENT_IP_HEADER), and allauth's limits use it too."""
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_address": "3/10m/ip",
    }
    proxy, person = "10.0.0.2", UserFactory()
    for n in range(3):
        sign_in(f"y{n}@example.org", WRONG, proxy, HTTP_X_REAL_IP=TRUST)
    assert sign_in("y@example.org", WRONG, proxy, HTTP_X_REAL_IP=TRUST).status_code == 429
    assert signed_in(sign_in(person.email, PASSWORD, proxy, HTTP_X_REAL_IP=ELSEWHERE), person)
    assert refusals().get().ip_address == TRUST


@pytest.mark.eager_tasks
def test_a_password_reset_lifts_the_accounts_limits(mailoutbox, django_capture_on_commit_callbacks):
    person = UserFactory()
    for _ in range(10):
        sign_in(person.email, WRONG, TRUST)
    assert sign_in(person.email, PASSWORD, TRUST).status_code == 429

    client = Client(REMOTE_ADDR=TRUST)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": person.email})
    link = link_in(mailoutbox[-1], "/accounts/password/reset/key/")
    form_url = client.get(link).url  # the key moves to the session
    new_password = "Vq8#mZr2!tLw5xKp"  # like no name or address: always accepted
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    assert signed_in(sign_in(person.email, new_password, TRUST), person)


# Counters live in the cache, which outlives a test (Redis in CI outlives the run): each test
# has a namespace of its own (tests/conftest.py). These two run in this order.


def test_counters_of_one_test_are_its_own_1():
    for _ in range(6):
        sign_in("same.person@example.org", WRONG, TRUST)
    assert sign_in("same.person@example.org", WRONG, TRUST).status_code == 429


def test_counters_of_one_test_are_its_own_2():
    assert sign_in("same.person@example.org", WRONG, TRUST).status_code == 200
