"""The meeting page and the personal calendar feed: what their selectors read, and what a
person sees of it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from icalendar import Calendar

from meetings import selectors, services
from meetings.models import Registration
from tests.conftest import soup
from tests.factories import (
    ActionItemFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def meeting_in(community, title="Monthly meeting", *, starts_in=timedelta(days=5), **fields):
    start = timezone.now() + starts_in
    return MeetingFactory(community=community, title=title, starts_at=start, **fields)


def waiting(meeting, user, minutes_ago):
    return RegistrationFactory(
        meeting=meeting,
        user=user,
        status="waiting",
        waiting_since=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def full_meeting():
    """A meeting of two places, both taken, three people waiting, one who cancelled."""
    community = CommunityFactory()
    meeting = meeting_in(community, capacity=2)
    people = {name: MembershipFactory(community=community).user for name in "abcdef"}
    RegistrationFactory(meeting=meeting, user=people["a"], status="registered")
    RegistrationFactory(meeting=meeting, user=people["b"], status="registered")
    waiting(meeting, people["c"], 30)
    waiting(meeting, people["d"], 20)
    waiting(meeting, people["e"], 10)
    RegistrationFactory(meeting=meeting, user=people["f"], status="cancelled")
    return meeting, people


# --- the meeting page ------------------------------------------------------------------------------


def test_meeting_detail_counts_and_the_persons_registration(full_meeting):
    meeting, people = full_meeting
    info = selectors.meeting_detail(meeting=meeting, user=people["d"])
    assert (info["registered_count"], info["waiting_count"], info["attended_count"]) == (2, 3, 0)
    assert info["registration_status"] == "waiting" and info["waiting_position"] == 2
    assert info["minutes"] is None
    info = selectors.meeting_detail(meeting=meeting, user=people["a"])
    assert info["registration_status"] == "registered" and info["waiting_position"] is None
    info = selectors.meeting_detail(meeting=meeting, user=people["f"])
    assert info["registration_status"] == "cancelled"
    info = selectors.meeting_detail(meeting=meeting, user=UserFactory())
    assert info["registration_status"] is None


def test_meeting_detail_for_someone_signed_out_and_after_the_meeting(full_meeting):
    from django.contrib.auth.models import AnonymousUser

    meeting, people = full_meeting
    Registration.objects.filter(meeting=meeting, user__in=[people["a"], people["c"]]).update(
        attended=True
    )
    minutes = MinutesFactory(meeting=meeting, notes="Notes", status="published")
    info = selectors.meeting_detail(meeting=meeting, user=AnonymousUser())
    assert (info["registered_count"], info["waiting_count"], info["attended_count"]) == (2, 3, 2)
    assert info["registration_status"] is None and info["minutes"] == minutes


def test_the_page_shows_places_and_the_waiting_list(client, full_meeting):
    meeting, people = full_meeting
    url = reverse("meetings:detail", args=[meeting.pk])
    client.force_login(people["e"])
    page = soup(client.get(url))
    text = " ".join(page.get_text(" ").split())
    assert "2 registered of 2; 3 on the waiting list" in text
    assert "You are number 3 on the waiting list." in text
    assert page.select_one(f"a[href='{reverse('meetings:unregister', args=[meeting.pk])}']")
    client.force_login(people["a"])
    text = " ".join(soup(client.get(url)).get_text(" ").split())
    assert "You are registered." in text
    client.force_login(people["f"])  # cancelled: may register again, full so on the list
    page = soup(client.get(url))
    assert page.select_one("main form button").get_text() == "Join the waiting list"


def test_the_page_shows_attendance_and_the_minutes_after_the_meeting(client):
    community = CommunityFactory()
    lead = MembershipFactory(community=community, role="convener").user
    meeting = meeting_in(community, starts_in=-timedelta(days=2))
    came = MembershipFactory(community=community).user
    RegistrationFactory(meeting=meeting, user=came, status="registered", attended=True)
    MinutesFactory(meeting=meeting, notes="**Draft** notes", status="draft")
    url = reverse("meetings:detail", args=[meeting.pk])
    client.force_login(came)
    text = " ".join(soup(client.get(url)).get_text(" ").split())
    assert "Attended 1" in text and "Draft notes" not in text  # a draft is for conveners
    client.force_login(lead)
    page = soup(client.get(url))
    assert "(draft, not yet published)" in page.get_text()
    assert page.select_one(".app-markdown strong").get_text() == "Draft"


def test_open_actions_from_earlier_meetings_are_carried(client):
    community = CommunityFactory()
    member = MembershipFactory(community=community).user
    owner = UserFactory(name="Olu Owner")
    earlier = meeting_in(community, "Earlier", starts_in=-timedelta(days=30))
    later = meeting_in(community, "Later")
    due = timezone.localdate() + timedelta(days=3)
    ActionItemFactory(
        meeting=earlier,
        description="Audit the charts",
        owner=owner,
        due_date=due,
    )
    ActionItemFactory(meeting=earlier, description="Book a room")
    ActionItemFactory(meeting=earlier, description="Done already", status="done")
    ActionItemFactory(meeting=later, description="Not yet carried")
    MinutesFactory(meeting=earlier, status="published", published_at=timezone.now())
    # In the order of their due dates (where a date-less one falls is the database's choice).
    carried = sorted(
        selectors.carried_actions(meeting=later, user=member), key=lambda a: a["description"]
    )
    held = date_format(timezone.localtime(earlier.starts_at), "j M Y")
    assert carried == [
        {
            "description": "Audit the charts",
            "details": f"Olu Owner · due {date_format(due, 'j M Y')} · from {held}",
        },
        {"description": "Book a room", "details": f"no owner · from {held}"},
    ]
    client.force_login(member)
    items = soup(client.get(reverse("meetings:detail", args=[later.pk]))).select(
        ".app-carried-actions li"
    )
    texts = sorted(" ".join(li.get_text(" ").split()) for li in items)
    assert texts == [
        f"Audit the charts Olu Owner · due {date_format(due, 'j M Y')} · from {held}",
        f"Book a room no owner · from {held}",
    ]


@pytest.mark.parametrize("size", [2, 25])
def test_the_meeting_page_query_count_does_not_grow(client, get_within, size):
    community = CommunityFactory()
    lead = MembershipFactory(community=community, role="convener").user
    earlier = meeting_in(community, starts_in=-timedelta(days=30))
    meeting = meeting_in(community, capacity=size)
    MinutesFactory(meeting=earlier, status="published", published_at=timezone.now())
    for i in range(size * 2):
        person = MembershipFactory(community=community).user
        services.registration_create(meeting=meeting, user=person)
        ActionItemFactory(meeting=earlier, description=f"Action {i}", owner=person)
    last = Registration.objects.filter(meeting=meeting, status="waiting").latest("waiting_since")
    client.force_login(last.user)
    # Two more for a member than for the convener: the communities the carried actions'
    # meetings were held in, and the person's memberships of them (the convener reads every
    # action point of the community).
    response = get_within(reverse("meetings:detail", args=[meeting.pk]), 12)
    page = soup(response)
    assert f"You are number {size} on the waiting list." in page.get_text()
    assert len(page.select(".app-carried-actions li")) == size * 2
    client.force_login(lead)
    get_within(reverse("meetings:detail", args=[meeting.pk]), 10)


# --- the personal calendar feed ------------------------------------------------------------------


@pytest.fixture
def feed_world():
    community = CommunityFactory(name="Mine")
    person = MembershipFactory(community=community).user
    private = CommunityFactory(name="Hidden", visibility="private")
    made = {
        "registered": meeting_in(
            community, "Registered", starts_in=timedelta(days=3), joining_link="https://x.org/r"
        ),
        "not_registered": meeting_in(
            community, "Not registered", starts_in=timedelta(days=1), joining_link="https://x.org/n"
        ),
        "cancelled_registration": meeting_in(community, "Gave up", starts_in=timedelta(days=2)),
        "elsewhere": meeting_in(
            CommunityFactory(name="Elsewhere"),
            "Public elsewhere",
            starts_in=timedelta(days=4),
            visibility="public",
        ),
        "private": meeting_in(private, "Secret", visibility="public"),
        "past": meeting_in(community, "Past", starts_in=-timedelta(days=10)),
    }
    for key in ("registered", "elsewhere", "past"):
        RegistrationFactory(meeting=made[key], user=person, status="registered")
    RegistrationFactory(meeting=made["cancelled_registration"], user=person, status="cancelled")
    RegistrationFactory(meeting=made["private"], user=UserFactory(), status="registered")
    return person, made


def test_the_feed_holds_the_meetings_registered_for(feed_world):
    person, made = feed_world
    feed = services.calendar_feed_get(user=person)
    meetings, registered = selectors.feed_meetings(feed=feed)
    assert [m.title for m in meetings] == ["Past", "Registered", "Public elsewhere"]
    assert registered == {made[k].pk for k in ("registered", "elsewhere", "past")}


def test_the_feed_can_hold_every_meeting_of_my_communities(feed_world):
    person, made = feed_world
    feed = services.calendar_feed_settings(user=person, include_community_meetings=True)
    meetings, registered = selectors.feed_meetings(feed=feed)
    assert [m.title for m in meetings] == [
        "Past",
        "Not registered",
        "Gave up",
        "Registered",
        "Public elsewhere",
    ]
    assert registered == {made[k].pk for k in ("registered", "elsewhere", "past")}


def test_the_feed_gives_joining_links_only_for_meetings_registered_for(feed_world):
    person, made = feed_world
    feed = services.calendar_feed_settings(user=person, include_community_meetings=True)
    body = Client().get(reverse("meetings:personal_feed", args=[feed.token])).content
    events = {
        str(e["SUMMARY"]): str(e["DESCRIPTION"]) for e in Calendar.from_ical(body).walk("VEVENT")
    }
    assert set(events) == {
        "Past (Mine)",
        "Not registered (Mine)",
        "Gave up (Mine)",
        "Registered (Mine)",
        "Public elsewhere (Elsewhere)",
    }
    assert "Join online: https://x.org/r" in events["Registered (Mine)"]
    assert "Join online" not in events["Not registered (Mine)"]


@pytest.mark.parametrize("size", [2, 25])
def test_the_feed_reads_two_queries_whatever_its_size(django_assert_num_queries, feed_world, size):
    person, made = feed_world
    community = made["registered"].community
    for i in range(size):
        m = meeting_in(community, f"Extra {i}", starts_in=timedelta(days=10 + i))
        RegistrationFactory(meeting=m, user=person, status="registered")
    feed = services.calendar_feed_get(user=person)
    client = Client()  # no cookie, as a calendar program asks
    url = reverse("meetings:personal_feed", args=[feed.token])
    with django_assert_num_queries(2):  # the feed and its person, the meetings
        response = client.get(url)
    assert response.status_code == 200
    body = response.content
    assert len(Calendar.from_ical(body).walk("VEVENT")) == size + 3
    services.calendar_feed_settings(user=person, include_community_meetings=True)
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
