"""Sign-up through the page: good input creates one account and one e-mail; bad input
gets a clear message by the field and creates nothing."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, EmailDelivery, Organisation, Profession, User
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


def test_duplicate_email_is_refused_clearly(client, organisation, mailoutbox):
    UserFactory(email="jo@example.nhs.uk")
    response = signup(client, form_data(organisation, email="JO@example.nhs.uk"))
    error = field_error(soup(response), "id_email")
    assert "already exists" in error
    assert User.objects.filter(email__iexact="jo@example.nhs.uk").count() == 1
    assert mailoutbox == []


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
