"""Single sign-on with an OpenID Connect provider, at the level of HTTP: the site through
Django's test client, the provider a real process (tests/oidc) that the site talks to over
loopback, as it would to an organisation's. The journeys in Chromium are in
tests/browser/test_sso.py."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from requests import Session as requests_session

from accounts.models import EmailDelivery, Organisation, Profession, Region, User
from core.models import AuditEntry
from tests.conftest import soup
from tests.factories import PASSWORD, UserFactory
from tests.oidc import PROVIDER_ID, sign_in_at_provider, start_provider

pytestmark = pytest.mark.django_db

HOME = reverse("home")
OVERVIEW = reverse("accounts:overview")


@pytest.fixture
def oidc(settings, tmp_path):
    provider = start_provider(settings, site_url="http://testserver", workdir=tmp_path)
    yield provider
    provider.stop()


@pytest.fixture
def trusted_oidc(settings, tmp_path):
    provider = start_provider(
        settings, site_url="http://testserver", workdir=tmp_path, trust_email=True
    )
    yield provider
    provider.stop()


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def profile_data(**overrides):
    return {
        "name": "Sam New",
        "organisation": "",
        "organisation_name": "Example Community Trust",
        "profession": Profession.objects.get_or_create(name="Pharmacist")[0].pk,
        "region": Region.SOUTH_WEST,
        **overrides,
    }


def field_error(page, field):
    """The error shown next to a field (the design system's error message)."""
    group = page.find(id=f"id_{field}").find_parent(class_="nhsuk-form-group")
    message = group.find(class_="nhsuk-error-message")
    return message.get_text(" ", strip=True) if message else ""


def connected(user):
    return SocialAccount.objects.filter(user=user, provider=PROVIDER_ID)


# --- (a) someone new ---------------------------------------------------------------------


def test_new_person_is_asked_once_for_their_profile_then_is_signed_in(client, oidc):
    oidc.add_account(sub="sam-1", email="sam.new@example.nhs.uk", name="Sam New")
    response = sign_in_at_provider(client, oidc, email="sam.new@example.nhs.uk")
    assert response.url == reverse("socialaccount_signup")
    assert signed_in_user(client) is None

    page = soup(client.get(response.url))
    # The provider's address, not to be changed here; the name it gave, to correct.
    assert page.find(id="id_email")["value"] == "sam.new@example.nhs.uk"
    assert page.find(id="id_email").has_attr("disabled")
    assert page.find(id="id_name")["value"] == "Sam New"

    # A missing answer is said next to its field, and nothing is made yet.
    page = soup(client.post(response.url, profile_data(organisation_name="", region="")))
    assert "Choose your organisation" in field_error(page, "organisation")
    assert "Choose your region" in field_error(page, "region")
    assert not User.objects.filter(email="sam.new@example.nhs.uk").exists()

    # A changed address in the request is ignored: the field is the provider's.
    response = client.post(response.url, profile_data(email="someone.else@example.org"))
    assert response.status_code == 302 and response.url == HOME
    person = signed_in_user(client)
    assert person.email == "sam.new@example.nhs.uk"
    assert (person.organisation.name, person.profession.name, person.region) == (
        "Example Community Trust",
        "Pharmacist",
        Region.SOUTH_WEST,
    )
    # A typed organisation waits for staff before anyone else is offered it.
    assert person.organisation.status == Organisation.Status.PENDING
    assert not person.has_usable_password()
    assert EmailAddress.objects.get(user=person).verified  # the provider vouched for it
    assert connected(person).get().uid == "sam-1"
    assert not EmailDelivery.objects.exists()  # no "confirm your address" to wait for

    # Asked once: the next sign-in goes straight in.
    client.logout()
    response = sign_in_at_provider(client, oidc, email="sam.new@example.nhs.uk")
    assert response.url == HOME
    assert signed_in_user(client) == person


def test_an_address_the_provider_did_not_verify_gets_the_answer_sign_up_gives(client, oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    oidc.add_account(sub="not-robin", email=robin.email, name="Not Robin", email_verified=False)
    response = sign_in_at_provider(client, oidc, email=robin.email)
    # Not told that the address has an account: the sign-up form, as for anyone new...
    assert response.url == reverse("socialaccount_signup")
    response = client.post(response.url, profile_data())
    # ...and sign-up's answer: confirm your address (the owner is e-mailed that someone
    # tried). Nothing is made, linked or signed in.
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert list(EmailDelivery.objects.values_list("to_address", flat=True)) == [robin.email]


# --- (b) someone who already has an account -----------------------------------------------


def test_existing_person_is_not_linked_and_is_told_to_sign_in_first(client, oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    oidc.add_account(sub="robin-1", email="Robin@example.nhs.uk", name="Robin Example")
    response = sign_in_at_provider(client, oidc, email="robin@example.nhs.uk")

    assert response.url == reverse("accounts:sso_existing_account")
    assert signed_in_user(client) is None
    assert not connected(robin).exists()
    assert robin.has_usable_password()
    assert not EmailDelivery.objects.exists()  # no "confirmation sent" that never comes

    page = soup(client.get(response.url))
    text = page.find("main").get_text(" ", strip=True)
    assert "robin@example.nhs.uk" in text and "Example Trust" in text
    sign_in = page.find("a", string="Sign in with your password")
    assert sign_in["href"] == f"{reverse('account_login')}?next={OVERVIEW}"
    # Opened again, it still says what to do, without the address.
    page = soup(client.get(response.url))
    assert "robin@example.nhs.uk" not in page.get_text()
    assert page.find("a", string="Sign in with your password")


def test_existing_person_connects_after_signing_in_then_signs_in_directly(client, oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    oidc.add_account(sub="robin-1", email="robin@example.nhs.uk", name="Robin Example")
    provider_browser = requests_session()
    sign_in_at_provider(client, oidc, email="robin@example.nhs.uk", session=provider_browser)

    client.post(reverse("account_login"), {"login": robin.email, "password": PASSWORD})
    page = soup(client.get(OVERVIEW))
    button = page.find("button", string="Connect your Example Trust sign-in")
    assert button is not None
    assert "process=connect" in button.find_parent("form")["action"]

    response = sign_in_at_provider(
        client,
        oidc,
        email=robin.email,
        session=provider_browser,
        process="connect",
        next_url=OVERVIEW,
    )
    # Connecting a new way into the account asks for the password again first.
    assert response.url == reverse("account_reauthenticate")
    assert not connected(robin).exists()
    response = client.post(response.url, {"password": PASSWORD})
    assert response.url == OVERVIEW
    assert connected(robin).get().uid == "robin-1"
    assert AuditEntry.objects.filter(action="auth.sso_connected", actor=robin).exists()
    page = soup(client.get(OVERVIEW))
    rows = page.select(".nhsuk-summary-list__row")
    assert any("Example Trust" in r.get_text() and robin.email in r.get_text() for r in rows)
    assert page.find("button", string="Connect your Example Trust sign-in") is None

    client.logout()
    response = sign_in_at_provider(client, oidc, email=robin.email, session=provider_browser)
    assert response.url == HOME
    assert signed_in_user(client) == robin


def test_trusted_provider_signs_a_verified_address_into_its_account(client, trusted_oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    trusted_oidc.add_account(sub="robin-1", email="robin@example.nhs.uk", name="Robin Example")
    response = sign_in_at_provider(client, trusted_oidc, email="robin@example.nhs.uk")
    assert response.url == HOME
    assert signed_in_user(client) == robin
    assert connected(robin).get().uid == "robin-1"
    robin.refresh_from_db()
    assert robin.has_usable_password()  # their own confirmed address: the password stays


def test_trusted_provider_locks_out_whoever_registered_an_unconfirmed_address(client, trusted_oidc):
    # Someone registered the address first and never confirmed it: the provider's person
    # is its owner, and the password of the registration no longer opens the account.
    squatter = UserFactory(email="robin@example.nhs.uk", verified=False)
    trusted_oidc.add_account(sub="robin-1", email="robin@example.nhs.uk", name="Robin Example")
    response = sign_in_at_provider(client, trusted_oidc, email="robin@example.nhs.uk")
    squatter.refresh_from_db()
    assert not squatter.has_usable_password()
    # The address itself is confirmed by e-mail before anyone is signed in.
    assert response.url == reverse("account_email_verification_sent")
    assert signed_in_user(client) is None


def test_trusted_provider_does_not_vouch_for_an_address_it_has_not_verified(client, trusted_oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    trusted_oidc.add_account(
        sub="robin-1", email="robin@example.nhs.uk", name="Robin Example", email_verified=False
    )
    response = sign_in_at_provider(client, trusted_oidc, email="robin@example.nhs.uk")
    assert response.url == reverse("socialaccount_signup")
    assert signed_in_user(client) is None
    assert not connected(robin).exists()


def test_connected_sign_in_of_another_account_is_not_moved(client, oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    other = UserFactory(email="kim@example.org")
    oidc.add_account(sub="robin-1", email="robin@example.nhs.uk", name="Robin Example")
    sign_in_at_provider(client, oidc, email=robin.email)  # not linked
    client.post(reverse("account_login"), {"login": robin.email, "password": PASSWORD})
    response = sign_in_at_provider(client, oidc, email=robin.email, process="connect")
    client.post(response.url, {"password": PASSWORD})
    assert connected(robin).exists()
    client.logout()
    client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    response = sign_in_at_provider(client, oidc, email=robin.email, process="connect")
    response = client.post(response.url, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == OVERVIEW
    assert "connected to another account" in soup(response).find("main").get_text()
    assert connected(robin).exists() and not connected(other).exists()


# --- (c) two-factor authentication ---------------------------------------------------------


def test_single_sign_on_still_asks_for_the_authenticator_code(client, oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    Authenticator.objects.create(user=robin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    SocialAccount.objects.create(user=robin, provider=PROVIDER_ID, uid="robin-1")
    oidc.add_account(sub="robin-1", email=robin.email, name="Robin Example")
    response = sign_in_at_provider(client, oidc, email=robin.email)
    assert response.url == reverse("mfa_authenticate")
    assert signed_in_user(client) is None
    assert client.get(OVERVIEW).status_code == 302  # not in until the code is given


# --- (d) connected sign-ins on the account page -------------------------------------------


def test_removing_a_sign_in_asks_which_and_removes_it(client, oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    account = SocialAccount.objects.create(user=robin, provider=PROVIDER_ID, uid="robin-1")
    client.force_login(robin)
    page = soup(client.get(OVERVIEW))
    remove = page.find("a", href=f"{reverse('accounts:sign_in_remove')}?account={account.pk}")
    assert remove is not None

    page = soup(client.get(remove["href"]))
    choice = page.find("input", attrs={"name": "account", "value": str(account.pk)})
    assert choice.has_attr("checked")
    assert SocialAccount.objects.filter(pk=account.pk).exists()  # a GET changes nothing

    # Removing a way into the account asks for the password again, then goes on.
    response = client.post(reverse("accounts:sign_in_remove"), {"account": account.pk})
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    response = client.post(response.url, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == OVERVIEW
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    assert AuditEntry.objects.filter(action="auth.sso_removed", actor=robin).exists()


def test_the_last_way_to_sign_in_cannot_be_removed(client, oidc):
    sam = UserFactory(email="sam@example.nhs.uk", password=None)
    sam.set_unusable_password()
    sam.save()
    account = SocialAccount.objects.create(user=sam, provider=PROVIDER_ID, uid="sam-1")
    client.force_login(sam)
    response = client.post(reverse("accounts:sign_in_remove"), {"account": account.pk})
    assert response.status_code == 200
    assert "set a password first" in field_error(soup(response), "account_0") or (
        "set a password first" in soup(response).find(class_="nhsuk-error-summary").get_text()
    )
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_someone_elses_sign_in_cannot_be_removed(client, oidc):
    robin = UserFactory(email="robin@example.nhs.uk")
    account = SocialAccount.objects.create(user=robin, provider=PROVIDER_ID, uid="robin-1")
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:sign_in_remove"), {"account": account.pk})
    assert response.status_code == 200
    assert SocialAccount.objects.filter(pk=account.pk).exists()
