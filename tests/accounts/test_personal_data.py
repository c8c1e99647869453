import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery, User
from accounts.personal_data import account_erase
from communities.models import Membership
from conveners.models import JournalEntry
from knowledge.models import Comment, Resource
from meetings import services as meeting_services
from meetings.models import Registration
from tests.conftest import field_error, soup
from tests.conveners.conftest import application_data
from tests.factories import CommunityFactory, MeetingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_person(programme):
    from conveners import services as programme_services

    person = UserFactory(name="Bea Busy", bio="Falls lead")
    community = CommunityFactory(name="Falls")
    MembershipFactory(community=community, user=person, needs="Help with audit")
    start = timezone.now() + timedelta(days=3)
    meeting = MeetingFactory(community=community, title="Full meeting", capacity=1, starts_at=start)
    meeting_services.registration_create(meeting=meeting, user=person)
    waiting = UserFactory()
    meeting_services.registration_create(meeting=meeting, user=waiting)
    resource = Resource.objects.create(
        community=community, owner=person, title="Falls leaflet", summary="s", kind="leaflet"
    )
    Comment.objects.create(resource=resource, author=person, body="Useful for night staff")
    application = programme_services.application_submit(
        application=programme_services.application_save(
            programme=programme, applicant=person, **application_data()
        )
    )
    programme_services.application_decide(
        application=application, actor=programme.manager, decision="offer"
    )
    application = programme_services.offer_answer(application=application, accept=True)
    programme_services.journal_add(
        application=application, title="Private reflection", body="Only mine"
    )
    return person, community, meeting, waiting


def test_download_everything_as_a_zip(client, busy_person):
    person, *_ = busy_person
    client.force_login(person)
    assert "Download my data" in client.get(reverse("accounts:personal_data")).content.decode()
    response = client.post(reverse("accounts:personal_data"))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["profile"]["name"] == "Bea Busy"
    assert data["communities"]["memberships"][0]["needs"] == "Help with audit"
    assert data["meetings"]["registrations"][0]["meeting__title"] == "Full meeting"
    assert data["knowledge"]["resources"][0]["title"] == "Falls leaflet"
    assert data["conveners"]["journal"][0]["title"] == "Private reflection"


def test_close_account_keeps_contributions_as_former_member(
    client, busy_person, mailoutbox, django_capture_on_commit_callbacks
):
    person, community, meeting, waiting = busy_person
    EmailDelivery.objects.create(
        recipient=person, to_address=person.email, purpose="pending:1", subject="s", body_text="t"
    )
    client.force_login(person)
    url = reverse("accounts:delete")
    response = client.post(url, {"password": "wrong", "confirm": "on"})
    assert field_error(soup(response), "id_password") == "The password is not correct"
    assert User.objects.get(pk=person.pk).is_active
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"password": "correct-horse-battery-staple", "confirm": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active and person.name == "Former member" and person.bio == ""
    assert not person.has_usable_password()
    assert not Membership.objects.filter(user=person, status="active").exists()
    assert not JournalEntry.objects.filter(application__applicant=person).exists()
    assert Resource.objects.get(title="Falls leaflet").owner == person  # kept, now "Former member"
    assert EmailDelivery.objects.get(purpose="pending:1").status == "suppressed"
    # Their place went to the person waiting.
    assert Registration.objects.get(meeting=meeting, user=waiting).status == "registered"
    # Signed out everywhere, and cannot sign in again.
    assert client.get(reverse("accounts:overview")).status_code == 302
    assert not client.login(email=person.email, password="correct-horse-battery-staple")


def test_close_account_and_remove_contributions(busy_person):
    person, *_ = busy_person
    account_erase(user=person, actor=None, remove_contributions=True)
    assert not Resource.objects.filter(title="Falls leaflet").exists()
    assert not Comment.objects.filter(body="Useful for night staff").exists()


def test_staff_run_it_from_the_admin_for_a_request_by_post(client, busy_person):
    person, *_ = busy_person
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    changelist = reverse("admin:accounts_user_changelist")
    response = client.post(
        changelist,
        {
            "action": "download_personal_data",
            "_selected_action": [person.pk],
            "release": "yes",
            "identity_check": "id-document",
            "released_to": "The person, by recorded delivery",
        },
    )
    assert (
        json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))["account"][
            "profile"
        ]["name"]
        == "Bea Busy"
    )
    response = client.post(
        changelist, {"action": "erase_accounts", "_selected_action": [person.pk]}
    )
    assert "Close these accounts?" in response.content.decode()
    assert User.objects.get(pk=person.pk).is_active  # nothing until confirmed
    client.post(
        changelist,
        {
            "action": "erase_accounts",
            "_selected_action": [person.pk],
            "confirmed": "yes",
            "contributions": "keep",
        },
    )
    assert not User.objects.get(pk=person.pk).is_active


def test_journals_are_not_in_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert "journal" not in client.get(reverse("admin:index")).content.decode().lower()
