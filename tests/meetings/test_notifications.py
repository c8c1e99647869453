"""Meetings announced, moved and minutes published reach the notification centre as well as
the inbox: one notification and one e-mail per person and event."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications.registry import KINDS
from meetings import services
from tests.factories import (
    CommunityFactory,
    ConvenedCommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def falls():
    community = ConvenedCommunityFactory(name="Falls", members=2)
    MembershipFactory(community=CommunityFactory())  # someone else's community
    return community, community.lead, community.members


def test_the_kinds_are_registered_at_start_up():
    for key in ("meeting_new", "meeting_changed", "minutes_published"):
        assert KINDS[key].email_template is None  # e-mailed by meetings, under its switches


@pytest.mark.eager_tasks  # the e-mail is checked as delivered
def test_a_meeting_announced_tells_the_members_once(
    falls, mailoutbox, django_capture_on_commit_callbacks
):
    community, lead, members = falls
    start = timezone.now() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_schedule(
            actor=lead,
            community=community,
            title="Falls huddle",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
    rows = Notification.objects.filter(kind="meeting_new")
    # The convener who scheduled it is not told of their own meeting.
    assert sorted(r.recipient_id for r in rows) == sorted(m.pk for m in members)
    row = rows.first()
    assert row.text == "New meeting: Falls huddle"
    assert row.group_key == f"meeting:{meeting.pk}" and row.group_title == "Falls huddle (Falls)"
    assert row.url == reverse("meetings:detail", args=[meeting.pk])
    assert row.actor == lead and row.channel == "off"
    # One e-mail per member, as before (the lead's own too): the centre added none.
    announced = [m for m in mailoutbox if "Falls huddle" in m.subject]
    assert len(announced) == 3


def test_a_move_tells_those_registered(falls, django_capture_on_commit_callbacks):
    community, lead, members = falls
    meeting = MeetingFactory(community=community, title="Falls huddle", created_by=lead)
    services.registration_create(meeting=meeting, user=members[0])
    later = timedelta(days=1)
    services.meeting_update(
        meeting=meeting,
        actor=lead,
        starts_at=meeting.starts_at + later,
        ends_at=meeting.ends_at + later,
    )
    row = Notification.objects.get(kind="meeting_changed")
    assert row.recipient == members[0]
    assert row.text == "Falls huddle has moved: see its new time"


@pytest.mark.eager_tasks  # the e-mail is checked as delivered
def test_minutes_published_tell_every_member_once(
    falls, mailoutbox, django_capture_on_commit_callbacks
):
    community, lead, members = falls
    meeting = MeetingFactory(community=community, starts_at=timezone.now() - timedelta(days=1))
    minutes = MinutesFactory(meeting=meeting, notes="We agreed")
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_publish(minutes=minutes, actor=lead)
        services.minutes_publish(minutes=minutes, actor=lead)
    rows = Notification.objects.filter(kind="minutes_published")
    assert sorted(r.recipient_id for r in rows) == sorted(m.pk for m in members)
    assert rows.first().group_key == f"meeting:{meeting.pk}"
    assert len([m for m in mailoutbox if m.subject.startswith("Minutes")]) == 3


def test_an_inactive_member_is_not_told(falls):
    community, lead, _ = falls
    gone = MembershipFactory(community=community, user=UserFactory(is_active=False)).user
    meeting = MeetingFactory(community=community, starts_at=timezone.now() - timedelta(days=1))
    services.minutes_publish(minutes=MinutesFactory(meeting=meeting), actor=lead)
    assert not Notification.objects.filter(recipient=gone).exists()
