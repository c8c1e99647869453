"""A journal entry is private; once it is shared with the programme managers or published
as a story its text is checked for patient data (core.patient_data) like anything posted."""

import pytest
from django.urls import reverse

from conveners import services
from conveners.models import JournalEntry
from core.patient_data import CONFIRM_FIELD
from knowledge.models import Story
from tests.conftest import field_error, soup
from tests.conveners.conftest import application_data
from tests.core.guard import FLAGGED, NHS_NUMBER, assert_guarded, confirmations
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(client, programme):
    person = UserFactory()
    application = services.application_submit(
        application=services.application_save(
            programme=programme, applicant=person, **application_data()
        )
    )
    services.application_decide(application=application, actor=programme.manager, decision="offer")
    application = services.offer_answer(application=application, accept=True)
    client.force_login(person)
    return application


def test_a_private_entry_is_not_checked(client, programme, participant):
    url = reverse("conveners:journal_new", args=[programme.slug])
    response = client.post(url, {"title": "Week one", "body": FLAGGED})
    assert response.status_code == 302
    assert JournalEntry.objects.get().body == FLAGGED
    assert not confirmations().exists()


def test_a_new_shared_entry_is_checked(client, programme, participant):
    entry = assert_guarded(
        client,
        reverse("conveners:journal_new", args=[programme.slug]),
        {"title": "Week one", "shared_with_managers": "on"},
        field="body",
        made=JournalEntry.objects,
    )
    assert entry.actor == participant.applicant


def post_entry(client, programme, entry, **data):
    url = reverse("conveners:journal_entry", args=[programme.slug, entry.pk])
    return client.post(url, data)


def test_sharing_an_entry_later_is_checked(client, programme, participant):
    entry = services.journal_add(application=participant, title="Week two", body=FLAGGED)
    refused = post_entry(client, programme, entry, shared_with_managers="on")
    assert refused.status_code == 200
    page = soup(refused)
    assert page.find(id="id_shared_with_managers_error").find("mark").get_text() == NHS_NUMBER
    assert "Keep the entry private" in field_error(page, "id_shared_with_managers")
    assert page.find(attrs={"name": CONFIRM_FIELD}) is not None
    entry.refresh_from_db()
    assert not entry.shared_with_managers and not confirmations().exists()

    shared = post_entry(
        client, programme, entry, shared_with_managers="on", **{CONFIRM_FIELD: "on"}
    )
    assert shared.status_code == 302
    entry.refresh_from_db()
    assert entry.shared_with_managers
    assert confirmations().get().target == entry
    # Already shared: saving again asks nothing more.
    assert post_entry(client, programme, entry, shared_with_managers="on").status_code == 302
    assert confirmations().count() == 1


def test_publishing_an_entry_as_a_story_is_checked(client, programme, participant):
    community = CommunityFactory()
    MembershipFactory(community=community, user=participant.applicant)
    entry = services.journal_add(application=participant, title="Week three", body=FLAGGED)
    refused = post_entry(client, programme, entry, publish_to=community.pk)
    assert refused.status_code == 200
    assert soup(refused).find(id="id_publish_to_error").find("mark").get_text() == NHS_NUMBER
    assert not Story.objects.exists()

    published = post_entry(
        client, programme, entry, publish_to=community.pk, **{CONFIRM_FIELD: "on"}
    )
    assert published.status_code == 302
    story = Story.objects.get()
    assert confirmations().get().target == story
    assert confirmations().get().data["findings"] == [
        {"field": "body", "kind": "nhs_number", "start": 38, "end": 50}
    ]


def test_keeping_a_clean_entry_private_shows_no_box(client, programme, participant):
    entry = services.journal_add(application=participant, title="Week four", body="Listening.")
    page = soup(client.get(reverse("conveners:journal_entry", args=[programme.slug, entry.pk])))
    assert page.find(attrs={"name": CONFIRM_FIELD}) is None
    assert post_entry(client, programme, entry, shared_with_managers="on").status_code == 302
    assert not confirmations().exists()
