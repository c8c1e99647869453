"""iCalendar for meetings: one event per meeting, followed by calendar clients through a
stable UID, with SEQUENCE rising on each change and STATUS:CANCELLED when cancelled.
Times are written in UTC, which every client converts correctly across clock changes."""

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

PRODID = "-//Communities of Practice//Meetings//EN"


def _event(meeting, *, with_joining_link):
    event = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    url = settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    event.add("uid", f"meeting-{meeting.uid}@{host}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", f"{meeting.title} ({meeting.host_name})")
    description = [meeting.agenda.strip()] if meeting.agenda.strip() else []
    if with_joining_link and meeting.joining_link:
        description.append(f"Join online: {meeting.joining_link}")
    description.append(url)
    event.add("description", "\n\n".join(description))
    location = meeting.venue or ("Online" if meeting.format == meeting.Format.ONLINE else "")
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
    cal.add("x-wr-calname", name)
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
