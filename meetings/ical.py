"""iCalendar for meetings: one event per meeting, followed by calendar clients through a
stable UID, with SEQUENCE rising on each change and STATUS:CANCELLED when cancelled.
Times are written in UTC, which every client converts correctly across clock changes.

Titles, agendas, venues and community names are typed by people: they go in as TEXT
escaped exactly as RFC 5545 says, with control characters removed, so no value can end its
line early and start a property of its own, and a value reads back as it was typed.

The text is written here directly, line by line, in the form the icalendar library gives
the same calendar (its property order, its folding of long lines; the tests hold the two to
the same bytes): a calendar feed holds every meeting a person follows, and building a
component object per property and folding character by character took milliseconds per
meeting. icalendar still reads calendars (the tests parse every feed back with it)."""

import re
from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse

PRODID = "-//Communities of Practice//Meetings//EN"
# Every event's UID is "meeting-<the meeting's random uid>@" this, for ever. Calendar clients
# follow an event by its UID: one that followed SITE_URL would make every meeting a new event
# in every subscribed calendar the day the site moved to another port or domain. The random
# uid makes it unique; this text only has to stay the same, so it must never change.
UID_DOMAIN = "communities-of-practice"
# RFC 5545 allows no control characters in text except tab; line breaks are escaped.
# Some clients end a line at a vertical tab or a file separator, which would let a meeting
# title smuggle in an ATTENDEE or a whole event.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# TEXT escaped by RFC 5545 section 3.3.11 and nothing else (icalendar's own escaping first
# turns a typed backslash and capital N into a line break: "C:\New" would lose its
# backslash and half its name).
_TEXT_ESCAPES = (
    ("\\", "\\\\"),  # first, so the backslashes added below are not doubled
    (";", "\\;"),
    (",", "\\,"),
    ("\r\n", "\\n"),
    ("\r", "\\n"),
    ("\n", "\\n"),
)
# A content line is folded before it reaches 75 octets; the continuation starts with a space.
_FOLD_AT = 75
_FOLD = "\r\n "


def _escape(text):
    for character, escaped in _TEXT_ESCAPES:
        text = text.replace(character, escaped)
    return text


def _clean(value):
    return _CONTROL.sub("", value or "")


def _fold(line):
    """RFC 5545 folding, as icalendar folds: at most 74 octets a line, never inside a UTF-8
    character, and never right after a backslash or caret, which would split an escape."""
    if line.isascii():
        if len(line) < _FOLD_AT:
            return line
        parts, start = [], 0
        while len(line) - start >= _FOLD_AT:
            end = start + _FOLD_AT - 1
            if end - start > 1 and line[end - 1] in "\\^":
                end -= 1  # the escape character starts the next line
            parts.append(line[start:end])
            start = end
        parts.append(line[start:])
        return _FOLD.join(parts)
    parts, current, size = [], [], 0
    for character in line:
        width = len(character.encode())
        if current and size + width >= _FOLD_AT:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                parts.append("".join(current))
                current, size = [carried], len(carried.encode())
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(character)
        size += width
    if current:
        parts.append("".join(current))
    return _FOLD.join(parts)


def _utc(moment):
    moment = moment.astimezone(UTC)
    return "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031  # as icalendar writes a DATE-TIME
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def organizer():
    """The event's organiser, as RFC 5546 requires of a published or cancelled event (a
    cancellation without one is ignored by some clients): the address the site writes from."""
    return "mailto:" + parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _event(lines, meeting, *, with_joining_link):
    url = settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    agenda = _clean(meeting.agenda).strip()
    description = [agenda] if agenda else []
    if with_joining_link and meeting.joining_link:
        description.append(f"Join online: {meeting.joining_link}")
    description.append(url)
    location = _clean(meeting.venue) or (
        "Online" if meeting.format == meeting.Format.ONLINE else ""
    )
    lines.append("BEGIN:VEVENT")
    lines.append(_fold("SUMMARY:" + _escape(_clean(f"{meeting.title} ({meeting.host_name})"))))
    lines.append("DTSTART:" + _utc(meeting.starts_at))
    lines.append("DTEND:" + _utc(meeting.ends_at))
    lines.append("DTSTAMP:" + _utc(meeting.updated_at))
    lines.append(f"UID:meeting-{meeting.uid}@{UID_DOMAIN}")
    lines.append(f"SEQUENCE:{meeting.sequence}")
    lines.append(_fold("DESCRIPTION:" + _escape(_clean("\n\n".join(description)))))
    if location:
        lines.append(_fold("LOCATION:" + _escape(location)))
    lines.append(_fold("ORGANIZER:" + organizer()))
    lines.append("STATUS:" + ("CANCELLED" if meeting.is_cancelled else "CONFIRMED"))
    lines.append(_fold("URL:" + url))
    lines.append("END:VEVENT")


def _text(lines):
    return "\r\n".join(lines) + "\r\n"


def calendar(meetings, *, name, joining_link_for=()):
    """A calendar of `meetings` (bytes); joining links only for the meeting ids in
    joining_link_for."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:" + PRODID,
        "CALSCALE:GREGORIAN",
        _fold("X-WR-CALNAME:" + _escape(_clean(name))),
    ]
    for meeting in meetings:
        _event(lines, meeting, with_joining_link=meeting.pk in joining_link_for)
    lines.append("END:VCALENDAR")
    return _text(lines).encode()


def meeting_ics(meeting, *, with_joining_link):
    """One meeting as a calendar to import (text), cancelling it once it is cancelled."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:" + PRODID,
        "METHOD:" + ("CANCEL" if meeting.is_cancelled else "PUBLISH"),
    ]
    _event(lines, meeting, with_joining_link=with_joining_link)
    lines.append("END:VCALENDAR")
    return _text(lines)
