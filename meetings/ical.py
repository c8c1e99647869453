"""iCalendar for meetings: one event per meeting, followed by calendar clients through a
stable UID, with SEQUENCE rising on each change and STATUS:CANCELLED when cancelled.
Times are written in UTC, which every client converts correctly across clock changes.

Titles, agendas, venues and community names are typed by people: they go in as TEXT
escaped exactly as RFC 5545 says, with control characters removed, so no value can end its
line early and start a property of its own, and a value reads back as it was typed."""

import re

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event, vText

PRODID = "-//Communities of Practice//Meetings//EN"
# RFC 5545 allows no control characters in text except tab; line breaks are escaped.
# Some clients end a line at a vertical tab or a file separator, which would let a meeting
# title smuggle in an ATTENDEE or a whole event.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEXT_ESCAPES = (
    ("\\", "\\\\"),  # first, so the backslashes added below are not doubled
    (";", "\\;"),
    (",", "\\,"),
    ("\r\n", "\\n"),
    ("\r", "\\n"),
    ("\n", "\\n"),
)


class _Text(vText):
    """TEXT escaped by RFC 5545 section 3.3.11 and nothing else. icalendar's own escaping
    first turns a typed backslash and capital N into a line break ("C:\\New" would lose
    its backslash and half its name)."""

    def to_ical(self):
        text = str(self)
        for character, escaped in _TEXT_ESCAPES:
            text = text.replace(character, escaped)
        return text.encode(self.encoding)


def _text(value):
    return _Text(_CONTROL.sub("", value or ""))


def _event(meeting, *, with_joining_link):
    event = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    url = settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    event.add("uid", f"meeting-{meeting.uid}@{host}")
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
    event.add("url", url)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    return event


def calendar(meetings, *, name, joining_link_for=()):
    """A calendar of `meetings`; joining links only for the meeting ids in joining_link_for."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # An X- property is written raw unless we say it is text: a line break in a community's
    # name would otherwise make icalendar refuse to write the feed at all.
    cal.add("x-wr-calname", _text(name))
    for meeting in meetings:
        cal.add_component(_event(meeting, with_joining_link=meeting.pk in joining_link_for))
    return cal.to_ical()


def meeting_ics(meeting, *, with_joining_link):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if meeting.is_cancelled else "PUBLISH")
    cal.add_component(_event(meeting, with_joining_link=with_joining_link))
    return cal.to_ical().decode()
