"""Sign-up through the page: good input creates one account and one e-mail; bad input
gets a clear message by the field and creates nothing."""

import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from accounts.models import EmailDelivery, Organisation, Profession, User
from core.models import AuditEntry
from tests.conftest import error_summary, field_error, soup
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Example Teaching Hospitals NHS Trust")


def form_data(org, **overrides):
    data = {
        "name": "Jo Example",
        "email": "jo@example.nhs.uk",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        "organisation": org.pk if org else "",
        "organisation_name": "",
        "profession": Profession.objects.get(name="Nurse").pk,
        "region": "london",
    }
    data.update(overrides)
    return data


def signup(client, data):
    return client.post(reverse("account_signup"), data)


def test_signup_page_has_every_field_labelled(client):
    page = soup(client.get(reverse("account_signup")))
    assert page.find("h1").get_text(strip=True) == "Create an account"
    for name in [
        "name",
        "email",
        "password1",
        "password2",
        "organisation",
        "organisation_name",
        "profession",
        "region",
    ]:
        control = page.find(attrs={"name": name})
        assert control is not None, name
        assert page.find("label", attrs={"for": control["id"]}) is not None, name


@pytest.mark.eager_tasks
def test_signup_creates_account_and_sends_verification(
    client, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, form_data(organisation))
    assert response.status_code == 302
    user = User.objects.get(email="jo@example.nhs.uk")
    assert (user.name, user.organisation, user.profession.name, user.region) == (
        "Jo Example",
        organisation,
        "Nurse",
        "london",
    )
    assert (
        user.digest_frequency == "weekly"
        and user.meeting_reminders
        and user.timezone == "Europe/London"
    )
    assert AuditEntry.objects.filter(action="account.signup", target_id=str(user.pk)).exists()
    # The verification e-mail went through the outbox, once.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["jo@example.nhs.uk"]
    assert re.search(r"http://testserver/accounts/confirm-email/\S+/", mailoutbox[0].body)
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.SENT


def test_typed_organisation_is_added_once(client, mailoutbox):
    signup(client, form_data(None, organisation_name="  Riverside   Care Home "))
    signup(
        client, form_data(None, email="other@example.org", organisation_name="riverside care home")
    )
    assert Organisation.objects.filter(name__iexact="riverside care home").count() == 1
    assert User.objects.filter(organisation__name="Riverside Care Home").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter an e-mail address in the correct format"),
        ({"email": ""}, "email", "Enter your e-mail address"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "short", "password2": "short"}, "password1", "at least 10 characters"),
        ({"password2": "something-else-entirely"}, "password2", "same password"),
        ({"organisation": ""}, "organisation", "Choose your organisation, or type its name"),
        ({"name": ""}, "name", "Enter your full name"),
        ({"profession": ""}, "profession", "Choose your profession"),
        ({"region": ""}, "region", "Choose your region"),
    ],
)
def test_bad_input_gets_a_message_by_the_field_and_creates_nothing(
    client, organisation, mailoutbox, overrides, field, message
):
    response = signup(client, form_data(organisation, **overrides))
    assert response.status_code == 200
    page = soup(response)
    error = field_error(page, f"id_{field}")
    assert error and message.lower() in error.lower(), error
    assert any(message.lower() in item.lower() for item in error_summary(page))
    assert page.title.get_text().startswith("Error:")
    # What the person typed is kept (except passwords).
    assert (
        page.find(attrs={"name": "name"}).get("value", "")
        == form_data(organisation, **overrides)["name"]
    )
    assert not User.objects.exists() and mailoutbox == [] and not EmailDelivery.objects.exists()


def page_text(page):
    """What a person reads on a page: its title and the words of its body."""
    return " ".join(page.title.get_text(" ").split()), " ".join(page.body.get_text(" ").split())


def signup_as_a_stranger(client, organisation, email, **overrides):
    """Sign up with a fresh browser and follow the answer to the page a person lands on."""
    client.logout()
    client.cookies.clear()
    response = signup(client, form_data(organisation, email=email, **overrides))
    landed = client.get(response.url) if response.status_code == 302 else response
    title, text = page_text(soup(landed))
    # The page may repeat the address that was typed: that tells nothing new.
    return response, landed, title, re.sub(re.escape(email), "ADDRESS", text, flags=re.I)


@pytest.mark.parametrize(
    ("verified", "written_to_just_now"), [(True, False), (False, False), (True, True)]
)
@pytest.mark.eager_tasks
def test_taken_address_gets_the_same_answer_as_a_new_one(
    client,
    organisation,
    mailoutbox,
    django_capture_on_commit_callbacks,
    verified,
    written_to_just_now,
):
    UserFactory(email="jo@example.nhs.uk", verified=verified)
    if written_to_just_now:
        # Someone tried minutes ago: allauth does not write to the owner again so soon.
        signup_as_a_stranger(client, organisation, "jo@example.nhs.uk")
        mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = signup_as_a_stranger(client, organisation, "sam@example.nhs.uk")
        taken = signup_as_a_stranger(client, organisation, "JO@example.nhs.uk")
    (new_response, new_page, *new_text), (taken_response, taken_page, *taken_text) = new, taken
    assert new_response.status_code == taken_response.status_code == 302
    assert new_response.url == taken_response.url == reverse("account_email_verification_sent")
    assert set(new_response.cookies) == set(taken_response.cookies)
    assert new_page.status_code == taken_page.status_code == 200
    assert new_text == taken_text
    assert soup(taken_page).find("h1").get_text(strip=True) == "Check your e-mail"
    # Nothing on the way says that the address is taken.
    for response in (new_response, new_page, taken_response, taken_page):
        words = response.content.decode().lower()
        assert not any(w in words for w in ("already exists", "already has", "taken")), words
    # No second account, and each address got its own e-mail (the owner's at most once in
    # a few minutes).
    assert User.objects.filter(email__iexact="jo@example.nhs.uk").count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == (
        ["sam@example.nhs.uk"]
        if written_to_just_now
        else ["jo@example.nhs.uk", "sam@example.nhs.uk"]
    )


@pytest.mark.eager_tasks
def test_owner_of_a_taken_address_is_told_and_given_sign_in_and_reset_links(
    client, organisation, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://cop.example.org"
    UserFactory(email="jo@example.nhs.uk", name="Jo Owner")
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, form_data(organisation, email="jo@example.nhs.uk"))
    (message,) = mailoutbox
    assert message.to == ["jo@example.nhs.uk"]
    assert (
        message.subject
        == f"Someone tried to create an account with your address on {settings.SITE_NAME}"
    )
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "jo@example.nhs.uk" in body
        assert "https://cop.example.org/accounts/login/" in body
        assert "https://cop.example.org/accounts/password/reset/" in body
        assert "confirm-email" not in body  # no new account to verify
    links = [a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")]
    assert "https://cop.example.org/accounts/login/" in links
    assert "https://cop.example.org/accounts/password/reset/" in links
    assert EmailDelivery.objects.get().recipient.name == "Jo Owner"


class CountingHasher(MD5PasswordHasher):
    """A real hasher that counts the passwords it hashes."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def test_taken_address_costs_the_same_password_work(client, organisation, settings):
    # Hashing a password is the slowest step of a sign-up: skipping it for a taken
    # address would tell the address apart by the time the answer takes.
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    UserFactory(email="jo@example.nhs.uk")
    for email in ("sam@example.nhs.uk", "jo@example.nhs.uk"):
        CountingHasher.calls = 0
        signup(client, form_data(organisation, email=email))
        assert CountingHasher.calls == 1, email


def test_typed_organisation_is_stored_whether_or_not_the_address_is_taken(client):
    # Stored waiting for staff, and listed to no one: but a later sign-up typing the same
    # name gets this one's spelling, so one stored only for a new address would tell a
    # taken one apart.
    UserFactory(email="jo@example.nhs.uk")
    signup(client, form_data(None, email="jo@example.nhs.uk", organisation_name="Hillside Surgery"))
    assert Organisation.objects.filter(name="Hillside Surgery").exists()


def test_unverified_account_cannot_sign_in(client, organisation):
    signup(client, form_data(organisation))
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "jo@example.nhs.uk", "password": "a-long-unusual-passphrase"},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
