"""The minutes form refuses what could identify a patient until the convener confirms it is
not about a real patient (core.patient_data)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from core.models import AuditEntry
from tests.core.guard import FLAGGED, assert_guarded
from tests.meetings.test_views import convener_setup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["notes", "decisions", "new_action"])
def test_saving_minutes(client, field):
    _, lead, meeting = convener_setup(client)
    saves = AuditEntry.objects.filter(action="minutes.save")
    entry = assert_guarded(
        client,
        reverse("meetings:minutes", args=[meeting.pk]),
        {"notes": "We met.", "save": "1"},
        field=field,
        count=saves.count,
    )
    assert entry.actor == lead
    assert entry.target == meeting.minutes


def test_the_text_is_kept_and_published_once_confirmed(client):
    _, _, meeting = convener_setup(client, starts_in=-timedelta(days=1))
    url = reverse("meetings:minutes", args=[meeting.pk])
    refused = client.post(url, {"notes": FLAGGED, "publish": "1"})
    assert refused.status_code == 200
    assert not hasattr(type(meeting).objects.get(pk=meeting.pk), "minutes")
    confirmed = client.post(
        url, {"notes": FLAGGED, "publish": "1", "confirm_not_patient_data": "on"}
    )
    assert confirmed.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes.is_published and meeting.minutes.notes == FLAGGED
