"""Who closed an account, and who released whose data to whom."""

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from core.models import AuditEntry
from tests.conftest import soup
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_user_changelist"


def test_a_self_closure_is_logged_with_its_actor(client):
    person = UserFactory()
    client.force_login(person)
    client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    entry = AuditEntry.objects.get(action="account.erase")
    assert entry.actor_id == person.pk and entry.target == person
    assert entry.data["by"] == "self" and entry.data["contributions"] == "kept"


def _release(client, person, **fields):
    return client.post(
        reverse(CHANGELIST),
        {"action": "download_personal_data", "_selected_action": [person.pk], **fields},
    )


def test_staff_check_identity_before_a_release_and_the_release_is_recorded(client):
    person = UserFactory(name="Ola Example")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    page = _release(client, person)
    assert page["Content-Type"].startswith("text/html")
    assert soup(page).find("h1").get_text() == "Release Ola Example's data?"
    assert not AuditEntry.objects.filter(action="account.export_released").exists()

    page = soup(_release(client, person, release="yes", identity_check="other"))
    assert "Describe how you checked" in page.find(id="id_note_error").get_text()
    assert "Say who receives the archive" in page.find(id="id_released_to_error").get_text()
    assert not AuditEntry.objects.filter(action="account.export_released").exists()

    response = _release(
        client,
        person,
        release="yes",
        identity_check="account-email",
        released_to="The person, by encrypted e-mail",
    )
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert data["account"]["profile"]["name"] == "Ola Example"
    entry = AuditEntry.objects.get(action="account.export_released")
    assert entry.actor == staff and entry.target == person
    assert entry.data["identity_check"] == "account-email"
    assert entry.data["released_to"] == "The person, by encrypted e-mail"
    assert entry.data["sha256"] == hashlib.sha256(response.content).hexdigest()
