"""Held text: the page where the writer edits it or confirms it is not about a real
patient, and it is posted through its handler."""

import dataclasses
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.inbound.models import HeldReply
from accounts.retention import retention_apply
from core.models import AuditEntry
from tests.accounts import inbound_mail
from tests.conftest import error_summary, field_error, soup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
notes = inbound_mail.notes  # the fixture: a handler for the tests

FLAGGED = "NHS number 943 476 5919 was reviewed by the pharmacist."


@pytest.fixture
def held(user, notes):
    return HeldReply.objects.create(
        user=user,
        handler="note",
        object_id=1,
        text=FLAGGED,
        expires_at=timezone.now() + timedelta(days=14),
    )


def test_the_page_shows_the_text_to_check(user_client, held):
    page = soup(user_client.get(held.get_absolute_url()))
    assert page.find("textarea", attrs={"name": "body"}).get_text().strip() == FLAGGED
    assert page.h1.get_text() == "Check your reply by e-mail"


def test_posting_it_unchanged_asks_for_the_confirmation(user_client, held, notes):
    response = user_client.post(held.get_absolute_url(), {"body": FLAGGED})
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page)
    assert "NHS number" in field_error(page, "id_body")
    assert notes.posted == []
    assert HeldReply.objects.filter(pk=held.pk).exists()


def test_confirming_posts_it_and_audits_the_confirmation(user_client, user, held, notes):
    response = user_client.post(
        held.get_absolute_url(), {"body": FLAGGED, "confirm_not_patient_data": "on"}
    )
    assert response.status_code == 302
    assert response.url == "/notes/1/#1"
    assert notes.posted == [(user.pk, 1, FLAGGED)]
    assert not HeldReply.objects.exists()
    entry = AuditEntry.objects.get(action="patient_data.confirmed")
    assert entry.actor == user and entry.data["kinds"] == ["nhs_number"]
    assert "5919" not in str(entry.data)


def test_an_edited_text_is_posted_without_confirmation(user_client, user, held, notes):
    user_client.post(held.get_absolute_url(), {"body": "The pharmacist reviewed it."})
    assert notes.posted == [(user.pk, 1, "The pharmacist reviewed it.")]
    assert not AuditEntry.objects.filter(action="patient_data.confirmed").exists()


def test_someone_who_lost_access_cannot_post_it(user_client, held, notes):
    notes.open.clear()
    response = user_client.post(held.get_absolute_url(), {"body": "Edited and safe."})
    assert response.status_code == 200
    assert "can no longer reply" in str(error_summary(soup(response)))
    assert notes.posted == []


def test_another_persons_held_text_is_missing(client, held):
    client.force_login(UserFactory())
    assert client.get(held.get_absolute_url()).status_code == 404
    assert client.post(held.get_absolute_url(), {"body": "x"}).status_code == 404


def test_expired_held_text_is_missing_and_swept(user_client, held, settings):
    days = settings.PERSONAL_DATA_RETENTION_DAYS["held_replies"]
    assert days == settings.INBOUND_HELD_DAYS
    fresh = HeldReply.objects.create(
        user=held.user,
        handler=held.handler,
        object_id=held.object_id,
        text="Still to check",
        expires_at=timezone.now() + timedelta(days=days),
    )
    gone = timezone.now() - timedelta(days=days, minutes=1)
    HeldReply.objects.filter(pk=held.pk).update(created_at=gone, expires_at=timezone.now())
    assert user_client.get(held.get_absolute_url()).status_code == 404
    assert retention_apply()["held_replies"] == 1
    assert list(HeldReply.objects.all()) == [fresh]


def test_discarding_asks_first_then_deletes(user_client, held, notes):
    url = reverse("accounts:held_reply_discard", args=[held.pk])
    page = soup(user_client.get(url))
    assert page.select_one("main button.nhsuk-button--warning").get_text() == "Delete it"
    assert HeldReply.objects.exists()
    assert user_client.post(url).status_code == 302
    assert not HeldReply.objects.exists()
    assert notes.posted == []


def test_the_page_offers_files_only_where_the_reply_takes_them(user_client, held, notes):
    from accounts.inbound.registry import HANDLERS

    def form():
        page = soup(user_client.get(held.get_absolute_url()))
        return page.find("textarea", attrs={"name": "body"}).find_parent("form")

    assert form().find("input", attrs={"type": "file"}) is None
    assert not form().has_attr("enctype")
    HANDLERS["note"] = dataclasses.replace(HANDLERS["note"], max_files=3)
    assert form().find("input", attrs={"type": "file", "name": "attachments"}).has_attr("multiple")
    assert form()["enctype"] == "multipart/form-data"
