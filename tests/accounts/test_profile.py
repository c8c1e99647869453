import pytest
from django.urls import reverse

from accounts.models import Organisation, Profession
from core.models import AuditEntry
from tests.conftest import field_error, soup

pytestmark = pytest.mark.django_db


def profile_data(user, **overrides):
    data = {
        "name": user.name,
        "job_title": "Lead pharmacist",
        "organisation": user.organisation_id,
        "organisation_name": "",
        "profession": user.profession_id,
        "region": "midlands",
        "bio": "I work on medicines reconciliation at discharge.",
        "timezone": "Europe/London",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", ["accounts:overview", "accounts:profile", "accounts:preferences"])
def test_account_pages_need_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_edit_profile(user_client, user):
    response = user_client.post(
        reverse("accounts:profile"),
        profile_data(
            user,
            timezone="Europe/Dublin",
            profession=Profession.objects.get(name="Social worker").pk,
        ),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.job_title, user.region, user.timezone, user.profession.name) == (
        "Lead pharmacist",
        "midlands",
        "Europe/Dublin",
        "Social worker",
    )
    entry = AuditEntry.objects.get(action="profile.update")
    assert entry.actor == user and "job_title" in entry.data["changed"]
    page = soup(user_client.get(reverse("accounts:overview")))
    assert "Your profile has been saved." in page.get_text()
    assert "Lead pharmacist" in page.get_text()


def test_profile_typed_organisation(user_client, user):
    user_client.post(
        reverse("accounts:profile"),
        profile_data(user, organisation="", organisation_name="Example Hospice"),
    )
    user.refresh_from_db()
    assert user.organisation == Organisation.objects.get(name="Example Hospice")


def test_profile_bad_input_keeps_what_was_saved(user_client, user):
    before = user.name
    response = user_client.post(
        reverse("accounts:profile"),
        profile_data(user, name="", timezone="Mars/Olympus", bio="x" * 1001),
    )
    page = soup(response)
    assert field_error(page, "id_name") == "Enter your full name"
    assert "valid choice" in field_error(page, "id_timezone")
    assert "at most 1000 characters" in field_error(page, "id_bio")
    user.refresh_from_db()
    assert user.name == before and not AuditEntry.objects.filter(action="profile.update").exists()


def test_profile_text_is_escaped(user_client, user):
    user_client.post(
        reverse("accounts:profile"), profile_data(user, bio="<img src=x onerror=alert(1)>")
    )
    html = user_client.get(reverse("accounts:overview")).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_preferences(user_client, user):
    page = soup(user_client.get(reverse("accounts:preferences")))
    assert page.find("input", attrs={"name": "digest_frequency", "value": "weekly"}).has_attr(
        "checked"
    )
    response = user_client.post(reverse("accounts:preferences"), {"digest_frequency": "daily"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.digest_frequency == "daily" and user.meeting_reminders is False
    response = user_client.post(reverse("accounts:preferences"), {"digest_frequency": "hourly"})
    assert "valid choice" in field_error(soup(response), "id_digest_frequency")


@pytest.mark.parametrize("name", ["accounts:overview", "accounts:profile", "accounts:preferences"])
def test_account_pages_query_count_is_small(user_client, django_assert_max_num_queries, name):
    with django_assert_max_num_queries(12):
        assert user_client.get(reverse(name)).status_code == 200
