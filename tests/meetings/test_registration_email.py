"""Registering is confirmed at once, with the meeting as a calendar file; a place from the
waiting list comes with one too. The calendar page gives the feed's address to copy and
links that subscribe a calendar program to it."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.models import Registration
from tests.conftest import soup
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, meeting_scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    community = CommunityFactory()
    lead = MembershipFactory(community=community, role="convener").user
    return meeting_scheduled(
        community=community,
        actor=lead,
        starts_in=timedelta(days=10),
        title="Falls huddle",
        venue="Room 4, Example House",
        format="hybrid",
        joining_link="https://meet.example.org/falls",
        capacity=1,
        announce=False,
    )


def event_of(message):
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("meeting.ics", "text/calendar")
    return Calendar.from_ical(content).walk("VEVENT")[0]


@pytest.mark.eager_tasks
def test_registering_sends_the_calendar_file_at_once(
    client, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    # Announcements and reminders switched off: this is about their own registration.
    person = MembershipFactory(
        community=meeting.community,
        user=UserFactory(meeting_announcements=False, meeting_reminders=False),
    ).user
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:register", args=[meeting.pk]), follow=True)
    assert (
        "e-mailed you the details" in soup(response).select_one(".nhsuk-notification-banner").text
    )
    (message,) = mailoutbox
    assert message.to == [person.email]
    assert message.subject.startswith("You are registered: Falls huddle")
    assert "Room 4, Example House" in message.body
    event = event_of(message)
    assert str(event["UID"]) == f"meeting-{meeting.uid}@communities-of-practice"
    assert event.decoded("DTSTART") == meeting.starts_at.replace(microsecond=0)
    assert "https://meet.example.org/falls" in str(event["DESCRIPTION"])


@pytest.mark.eager_tasks
def test_the_waiting_list_is_confirmed_without_a_calendar_file(
    meeting, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(meeting=meeting, user=first)
        waiting = services.registration_create(meeting=meeting, user=second)
    assert waiting.status == Registration.Status.WAITING
    (message,) = [m for m in mailoutbox if m.to == [second.email]]
    assert message.subject == "On the waiting list: Falls huddle"
    assert message.attachments == []

    # The place that frees up comes with the calendar file.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(
            registration=Registration.objects.get(meeting=meeting, user=first)
        )
    (promoted,) = mailoutbox
    assert promoted.to == [second.email] and "You have a place" in promoted.subject
    assert str(event_of(promoted)["UID"]) == f"meeting-{meeting.uid}@communities-of-practice"


@pytest.mark.eager_tasks
def test_one_confirmation_per_registration(meeting, mailoutbox, django_capture_on_commit_callbacks):
    meeting.capacity = None
    meeting.save()
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_create(meeting=meeting, user=person)
        services.registration_create(meeting=meeting, user=person)  # a second click
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=registration)
        services.registration_create(meeting=meeting, user=person)  # changed their mind
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["You are registered"] * 2


# --- the calendar page ----------------------------------------------------------------------------


def test_the_calendar_page_offers_the_address_to_copy_and_to_subscribe(client):
    person = UserFactory()
    client.force_login(person)
    page = soup(client.get(reverse("meetings:calendar")))
    feed = services.calendar_feed_get(user=person)
    address = "http://testserver" + reverse("meetings:personal_feed", args=[feed.token])

    field = page.find("input", id="feed-url")
    assert field["value"] == address and field.has_attr("readonly")
    assert page.find("label", attrs={"for": "feed-url"})
    button = page.find("button", attrs={"data-copy-target": "feed-url"})
    assert button.has_attr("hidden")  # shown by the script: without it, select the field
    assert page.find(id=button["data-copy-status"])["role"] == "status"

    links = {a.get_text(" ", strip=True): a["href"] for a in page.select(".app-subscribe-links a")}
    webcal = "webcal://testserver" + reverse("meetings:personal_feed", args=[feed.token])
    assert links["Open it in the calendar program on this computer"] == webcal
    google = urlsplit(links["Add it to Google Calendar"])
    assert google.netloc == "calendar.google.com" and parse_qs(google.query)["cid"] == [webcal]
    for label, host in [
        ("Add it to Outlook on the web", "outlook.office.com"),
        ("Add it to Outlook.com", "outlook.live.com"),
    ]:
        outlook = urlsplit(links[label])
        assert outlook.netloc == host and outlook.path == "/calendar/0/addfromweb"
        assert parse_qs(outlook.query)["url"] == [address]

    # The copy button's script is a file of the site, not inline code.
    (script,) = [s for s in page.find_all("script", src=True) if "copy-text" in s["src"]]
    assert script["src"] == "/static/js/copy-text.js" and not script.get_text().strip()
    assert finders.find("js/copy-text.js")
