"""Calendar UIDs are the meeting's for ever: the same whatever SITE_URL says (another port,
the real domain), so that subscribed calendars never see a meeting twice. The links in the
same files and in the e-mails do follow SITE_URL."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from meetings import ical, services
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, meeting_scheduled
from tests.meetings.test_ical import unsaved_meeting

SITES = ["http://127.0.0.1:8000", "http://127.0.0.1:8001", "https://cop.example.org"]


def meeting_in_three_days():
    """(community, its convener, a meeting the convener scheduled three days from now)."""
    community = CommunityFactory()
    lead = MembershipFactory(community=community, role="convener").user
    meeting = meeting_scheduled(community=community, actor=lead, starts_in=timedelta(days=3))
    return community, lead, meeting


def events(data):
    return Calendar.from_ical(data).walk("VEVENT")


def test_the_uid_format_is_fixed_for_ever():
    """Changing this breaks every subscriber's calendar: each meeting would appear twice."""
    meeting = unsaved_meeting(uid=uuid.UUID("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"))
    lines = ical.meeting_ics(meeting, with_joining_link=False).split("\r\n")
    assert "UID:meeting-6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f@communities-of-practice" in lines


def test_uids_do_not_change_with_the_site_address_and_links_do(settings):
    meetings = [unsaved_meeting(), unsaved_meeting(pk=8, title="Second")]
    seen = []
    for site in SITES:
        settings.SITE_URL = site
        single = events(ical.meeting_ics(meetings[0], with_joining_link=False))
        feed = events(ical.calendar(meetings, name="Falls Prevention"))
        assert str(single[0]["URL"]) == f"{site}/meetings/7/"
        assert [str(e["URL"]) for e in feed] == [f"{site}/meetings/7/", f"{site}/meetings/8/"]
        seen.append((str(single[0]["UID"]), [str(e["UID"]) for e in feed]))
    assert len(set(map(repr, seen))) == 1, seen
    assert seen[0][1] == [f"meeting-{m.uid}@communities-of-practice" for m in meetings]


@pytest.mark.django_db
def test_the_personal_feed_keeps_its_uids_when_the_site_moves(client, settings):
    _, lead, meeting = meeting_in_three_days()
    services.registration_create(meeting=meeting, user=lead)
    feed = services.calendar_feed_get(user=lead)
    url = reverse("meetings:personal_feed", args=[feed.token])
    uids = []
    for site in SITES:
        settings.SITE_URL = site
        (event,) = events(client.get(url).content)
        assert str(event["URL"]).startswith(site + "/")
        uids.append(str(event["UID"]))
    assert uids == [f"meeting-{meeting.uid}@communities-of-practice"] * len(SITES)


@pytest.mark.eager_tasks
@pytest.mark.django_db
def test_reminder_links_use_site_url_and_its_calendar_uid_does_not(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://127.0.0.1:8001"
    community, lead, meeting = meeting_in_three_days()
    member = MembershipFactory(community=community, user=UserFactory()).user
    services.registration_create(meeting=meeting, user=member)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_queue(meeting=meeting)
    (reminder,) = [m for m in mailoutbox if m.to == [member.email]]
    meeting_url = f"http://127.0.0.1:8001/meetings/{meeting.pk}/"
    assert meeting_url in reminder.body
    assert "127.0.0.1:8000" not in reminder.body
    (event,) = events(reminder.attachments[0][1])
    assert str(event["URL"]) == meeting_url
    assert str(event["UID"]) == f"meeting-{meeting.uid}@communities-of-practice"
