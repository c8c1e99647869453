"""The calendar files are written line by line (meetings/ical.py): they must be, byte for
byte, what the icalendar library writes for the same calendar, which is how they were
built before. The library's way is kept here as the reference, and generated meetings
(any text, long lines, escapes and multi-byte characters at the folding points) go
through both. No database: the meetings are not saved."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, vText

from communities.models import Community, Network
from meetings import ical
from meetings.models import Meeting

# --- the reference: the calendar as the icalendar library writes it ------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEXT_ESCAPES = (
    ("\\", "\\\\"),
    (";", "\\;"),
    (",", "\\,"),
    ("\r\n", "\\n"),
    ("\r", "\\n"),
    ("\n", "\\n"),
)


class _Text(vText):
    def to_ical(self):
        text = str(self)
        for character, escaped in _TEXT_ESCAPES:
            text = text.replace(character, escaped)
        return text.encode(self.encoding)


def _text(value):
    return _Text(_CONTROL.sub("", value or ""))


def _reference_event(meeting, *, with_joining_link):
    event = Event()
    url = django_settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    event.add("uid", f"meeting-{meeting.uid}@communities-of-practice")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", _text(f"{meeting.title} ({meeting.host_name})"))
    agenda = _CONTROL.sub("", meeting.agenda).strip()
    description = [agenda] if agenda else []
    if with_joining_link and meeting.joining_link:
        description.append(f"Join online: {meeting.joining_link}")
    description.append(url)
    event.add("description", _text("\n\n".join(description)))
    location = _text(meeting.venue) or ("Online" if meeting.format == meeting.Format.ONLINE else "")
    if location:
        event.add("location", location)
    event.add("organizer", ical.organizer())
    event.add("url", url)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    return event


def reference_calendar(meetings, *, name, joining_link_for=()):
    cal = Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _text(name))
    for meeting in meetings:
        cal.add_component(
            _reference_event(meeting, with_joining_link=meeting.pk in joining_link_for)
        )
    return cal.to_ical()


def reference_meeting_ics(meeting, *, with_joining_link):
    cal = Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if meeting.is_cancelled else "PUBLISH")
    cal.add_component(_reference_event(meeting, with_joining_link=with_joining_link))
    return cal.to_ical().decode()


# --- generated meetings ----------------------------------------------------------------------------

# Runs of characters that land escapes and multi-byte characters on every folding point.
text = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=30),
        st.text(alphabet="ab\\^,;é😀", max_size=80),
        st.sampled_from(
            ["\r\n", "\r", "\n", ",", ";", ":", "\\", "\\n", "\\N", "^", '"', "\t", "é", "😀"]
        ),
        st.sampled_from(["\x00", "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x85", "\u2028"]),
        st.just("x" * 200),
        st.integers(min_value=0, max_value=150).map(lambda n: "y" * n),
    ),
    max_size=8,
).map("".join)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def unsaved_meeting(**fields):
    start = fields.pop("starts_at", datetime(2030, 3, 31, 9, 30, tzinfo=UTC))
    host = fields.pop("host", "Falls Prevention")
    owner = (
        {"network": Network(pk=1, name=host)}
        if fields.pop("on_network", False)
        else {"community": Community(pk=1, name=host)}
    )
    return Meeting(
        **{
            "pk": 7,
            "title": "Monthly meeting",
            "agenda": "",
            "venue": "",
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "updated_at": start,
            "format": Meeting.Format.ONLINE,
            "joining_link": "https://meet.example.org/abc?x=1,2;3",
            "status": Meeting.Status.SCHEDULED,
            **owner,
            **fields,
        }
    )


meetings = st.builds(
    unsaved_meeting,
    pk=st.integers(min_value=1, max_value=10**9),
    title=text,
    agenda=text,
    venue=text,
    host=text,
    on_network=st.booleans(),
    format=st.sampled_from(Meeting.Format.values),
    status=st.sampled_from(Meeting.Status.values),
    sequence=st.integers(min_value=0, max_value=10**6),
    starts_at=moments,
    updated_at=moments,
    joining_link=st.sampled_from(
        ["", "https://meet.example.org/abc?x=1,2;3", "https://x.org/" + "z" * 90]
    ),
)

SAME = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SAME
@given(meeting=meetings, with_link=st.booleans())
def test_a_meeting_is_written_as_the_library_writes_it(meeting, with_link):
    assert ical.meeting_ics(meeting, with_joining_link=with_link) == reference_meeting_ics(
        meeting, with_joining_link=with_link
    )


@SAME
@given(
    name=text,
    group=st.lists(meetings, max_size=4, unique_by=lambda m: m.pk),
    linked=st.sets(st.integers(min_value=0, max_value=3)),
)
def test_a_feed_is_written_as_the_library_writes_it(name, group, linked):
    links = {m.pk for i, m in enumerate(group) if i in linked}
    assert ical.calendar(group, name=name, joining_link_for=links) == reference_calendar(
        group, name=name, joining_link_for=links
    )


@pytest.mark.parametrize("length", [72, 73, 74, 75, 76, 148, 149, 150, 151])
@pytest.mark.parametrize("tail", ["", "\\", "\\\\", "^", "é", "😀", "\\é", "é\\"])
def test_folding_at_every_boundary(length, tail):
    """Titles whose line ends around the 75-octet limit, with an escape or a multi-byte
    character just before the fold."""
    prefix = len("SUMMARY:") + len(" (F)")
    title = "t" * max(length - prefix, 0) + tail + "u" * 10
    meeting = unsaved_meeting(title=title, host="F")
    written = ical.meeting_ics(meeting, with_joining_link=False)
    assert written == reference_meeting_ics(meeting, with_joining_link=False)
    assert all(len(line.encode()) <= 75 for line in written.split("\r\n"))


def test_times_are_written_in_utc_whatever_their_zone():
    london = zoneinfo.ZoneInfo("Europe/London")
    meeting = unsaved_meeting(starts_at=datetime(2030, 7, 1, 9, 30, tzinfo=london))
    lines = ical.meeting_ics(meeting, with_joining_link=False).split("\r\n")
    assert "DTSTART:20300701T083000Z" in lines and "DTEND:20300701T093000Z" in lines


@override_settings(SITE_URL="https://cop.example.org")
def test_the_url_names_the_site_and_the_uid_does_not():
    meeting = unsaved_meeting()
    event = Calendar.from_ical(ical.meeting_ics(meeting, with_joining_link=False)).walk("VEVENT")[0]
    assert str(event["UID"]) == f"meeting-{meeting.uid}@communities-of-practice"
    assert str(event["URL"]) == "https://cop.example.org/meetings/7/"


@override_settings(DEFAULT_FROM_EMAIL="Falls Network <meetings@example.org>")
def test_a_cancellation_names_its_organiser():
    """RFC 5546: a CANCEL (and a PUBLISH) has an ORGANIZER; some clients ignore one without."""
    meeting = unsaved_meeting(status="cancelled")
    calendar = Calendar.from_ical(ical.meeting_ics(meeting, with_joining_link=False))
    assert calendar["method"] == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["organizer"]) == "mailto:meetings@example.org"
