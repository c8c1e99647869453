"""Registering for a whole series, and leaving it; a series shown once on the home page
with its next date."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import EmailDelivery
from meetings import services
from meetings.models import Meeting, Registration, SeriesRegistration
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    ConvenedCommunityFactory,
    MembershipFactory,
    UserFactory,
    meeting_scheduled,
    series_every_four_weeks,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def monthly():
    """A monthly series of seven meetings, the third one with a single place."""
    community = ConvenedCommunityFactory(name="Falls Prevention")
    series, meetings = series_every_four_weeks(
        community=community, actor=community.lead, description="every month"
    )
    Meeting.objects.filter(pk=meetings[2].pk).update(capacity=1)
    series.lead = community.lead
    return series, meetings


def member_of(series, **fields):
    return MembershipFactory(community=series.community, user=UserFactory(**fields)).user


def one_more(series, *, after, **options):
    """The convener adds a meeting to the series four weeks after the meeting `after`."""
    start = after.starts_at + timedelta(days=28)
    return services.meeting_schedule(
        actor=series.lead,
        community=series.community,
        series=series,
        title="Falls huddle",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        **options,
    )


def statuses(user, meetings):
    mine = dict(Registration.objects.filter(user=user).values_list("meeting_id", "status"))
    return [mine.get(m.pk) for m in meetings]


@pytest.mark.eager_tasks
def test_one_click_registers_for_every_meeting_to_come_through_the_waiting_list(
    monthly, mailoutbox, django_capture_on_commit_callbacks
):
    series, meetings = monthly
    services.registration_create(meeting=meetings[2], user=member_of(series))  # its one place
    services.meeting_cancel(meeting=meetings[4], actor=series.lead, reason="Room closed")
    person = member_of(series)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.series_register(series=series, user=person)
        services.series_register(series=series, user=person)  # twice: nothing more
    assert statuses(person, meetings) == [
        "registered",
        "registered",
        "waiting",  # full: the same waiting list as a single registration
        "registered",
        None,  # cancelled
        "registered",
        "registered",
    ]
    (message,) = mailoutbox  # one e-mail for the series, not one per meeting
    assert message.subject == "You are registered for the series: Falls huddle"
    assert "waiting list" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("meetings.ics", "text/calendar")
    uids = {str(e["UID"]) for e in Calendar.from_ical(content).walk("VEVENT")}
    assert uids == {f"meeting-{meetings[i].uid}@communities-of-practice" for i in (0, 1, 3, 5, 6)}


@pytest.mark.eager_tasks
def test_a_meeting_added_to_the_series_later_registers_its_followers(
    monthly, mailoutbox, django_capture_on_commit_callbacks
):
    series, meetings = monthly
    follower, other = member_of(series), member_of(series)
    services.series_register(series=series, user=follower)
    with django_capture_on_commit_callbacks(execute=True):
        added = one_more(series, after=meetings[-1])
    assert statuses(follower, [added]) == ["registered"]
    assert statuses(other, [added]) == [None]
    confirmation = [m for m in mailoutbox if m.subject.startswith("You are registered: ")]
    assert [m.to for m in confirmation] == [[follower.email]]


@pytest.mark.eager_tasks
def test_leaving_the_series_cancels_what_is_to_come_and_promotes_the_waiting(
    monthly, mailoutbox, django_capture_on_commit_callbacks
):
    series, meetings = monthly
    person = member_of(series)
    services.series_register(series=series, user=person)  # has the one place of meetings[2]
    waiting = member_of(series)
    assert services.registration_create(meeting=meetings[2], user=waiting).status == "waiting"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.series_leave(series=series, user=person)
    assert statuses(person, meetings) == ["cancelled"] * 7
    assert statuses(waiting, [meetings[2]]) == ["registered"]
    assert [m.to for m in mailoutbox if "You have a place" in m.subject] == [[waiting.email]]
    assert not SeriesRegistration.objects.exists()
    added = one_more(series, after=meetings[-1], announce=False)
    assert statuses(person, [added]) == [None]


def test_a_past_meeting_of_the_series_keeps_its_record(monthly):
    series, meetings = monthly
    person = member_of(series)
    services.series_register(series=series, user=person)
    Registration.objects.filter(meeting=meetings[0], user=person).update(attended=True)
    Meeting.objects.filter(pk=meetings[0].pk).update(
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(days=1, hours=-1),
    )
    services.series_leave(series=series, user=person)
    kept = Registration.objects.get(meeting=meetings[0], user=person)
    assert (kept.status, kept.attended) == ("registered", True)


# --- the pages ------------------------------------------------------------------------------------


def test_register_and_leave_the_series_from_a_meeting_page(client, monthly):
    series, meetings = monthly
    services.registration_create(meeting=meetings[2], user=member_of(series))  # its one place
    person = member_of(series)
    client.force_login(person)
    url = reverse("meetings:detail", args=[meetings[1].pk])
    page = soup(client.get(url))
    form = page.find("form", action=reverse("meetings:series_register", args=[meetings[1].pk]))
    assert form.button.get_text(strip=True) == "Register for the whole series"

    response = client.post(form["action"], follow=True)
    banner = " ".join(soup(response).select_one(".nhsuk-notification-banner").get_text().split())
    assert "registered for the 7 meetings of this series to come" in banner
    assert "1 of them is full: you are on its waiting list" in banner
    page = soup(response)
    assert "You are registered for every meeting of the series" in page.get_text()
    leave = reverse("meetings:series_leave", args=[meetings[1].pk])
    assert page.find("a", href=leave)

    assert soup(client.get(leave)).h1.get_text(strip=True) == "Leave the whole series?"
    response = client.post(leave, follow=True)
    assert "You have left the series" in soup(response).get_text()
    assert statuses(person, meetings) == ["cancelled"] * 7


def test_a_meeting_of_no_series_offers_no_series(client):
    community = CommunityFactory()
    person = MembershipFactory(community=community).user
    meeting = meeting_scheduled(
        community=community,
        actor=person,
        starts_in=timedelta(days=2),
        title="One-off",
        announce=False,
    )
    client.force_login(person)
    assert "whole series" not in soup(client.get(meeting and f"/meetings/{meeting.pk}/")).text
    response = client.post(reverse("meetings:series_register", args=[meeting.pk]))
    assert response.status_code == 302 and not SeriesRegistration.objects.exists()


def home_meetings(client, person):
    client.force_login(person)
    items = soup(client.get(reverse("home"))).select(".app-home-meetings li")
    return [" ".join(li.get_text(" ").split()) for li in items]


def test_the_home_page_shows_a_series_once_with_its_next_date(client, monthly):
    series, meetings = monthly
    person = member_of(series)
    launch = meeting_scheduled(
        community=series.community,
        actor=series.lead,
        starts_in=timedelta(days=5),
        title="Launch",
        announce=False,
    )
    rows = home_meetings(client, person)
    next_date = timezone.localtime(meetings[0].starts_at)
    assert rows == [
        f"Falls huddle Falls Prevention · next {next_date:%a %-d %b, %H:%M} · "
        "a series: 7 meetings to come · not registered",
        f"Launch Falls Prevention · {timezone.localtime(launch.starts_at):%a %-d %b, %H:%M} · not registered",
    ]
    services.series_register(series=series, user=person)
    assert home_meetings(client, person)[0].endswith("· registered for the series")

    # Once the first has been held, the row moves on to the next.
    Meeting.objects.filter(pk=meetings[0].pk).update(
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=2),
    )
    following = timezone.localtime(meetings[1].starts_at)
    assert (
        f"next {following:%a %-d %b, %H:%M} · a series: 6 meetings to come"
        in (home_meetings(client, person)[1])
    )


# The home page reads as many with one series as with four (two of them for the series,
# three for what needs the person: their action points, join requests and bookings, and
# the discussions new and active in their communities).
QUERIES = 23  # tests/dashboard/test_home.py says which


@pytest.mark.parametrize("size", [1, 4])
def test_the_home_page_reads_series_in_a_fixed_number_of_queries(client, get_within, size):
    community = ConvenedCommunityFactory(members=1)
    person = community.members[0]
    for n in range(size):
        series, _ = services.series_schedule(
            community=community,
            actor=community.lead,
            title=f"Series {n}",
            description="every week",
            dates=[date.today() + timedelta(days=2 + 7 * i) for i in range(5)],
            start_time=time(9 + n),
            end_time=time(10 + n),
        )
        services.series_register(series=series, user=person)
    EmailDelivery.objects.all().delete()
    client.force_login(person)
    client.get("/")
    response = get_within(reverse("home"), QUERIES)
    assert len(soup(response).select(".app-home-meetings li")) == size
