"""The member's home: the meetings coming up, in the selector and on the page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import upcoming_meetings
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    DiscussionFactory,
    MeetingFactory,
    MembershipFactory,
    NetworkFactory,
    RegistrationFactory,
    ReplyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def meeting(title, *, starts_in, hours=1, **fields):
    start = timezone.now() + starts_in
    return MeetingFactory(
        title=title, starts_at=start, ends_at=start + timedelta(hours=hours), **fields
    )


@pytest.fixture
def person_and_meetings():
    """A member of one community (and a former member of another), registered for a public
    meeting of a third and on the waiting list of a network event."""
    person = UserFactory()
    mine = CommunityFactory(name="Mine")
    MembershipFactory(community=mine, user=person)
    left = CommunityFactory(name="Left")
    MembershipFactory(community=left, user=person, status="left")
    elsewhere = CommunityFactory(name="Elsewhere")
    network = NetworkFactory(name="The Network")
    day = timedelta(days=1)
    made = {
        "running": meeting("Running now", starts_in=-timedelta(minutes=30), community=mine),
        "next": meeting("Next", starts_in=2 * day, community=mine, visibility="members"),
        "later": meeting("Later", starts_in=9 * day, community=mine),
        "ended": meeting("Ended", starts_in=-2 * day, community=mine),
        "cancelled": meeting("Cancelled", starts_in=3 * day, community=mine, status="cancelled"),
        "of_left": meeting("Of a community left", starts_in=day, community=left),
        "registered": meeting(
            "Registered elsewhere", starts_in=4 * day, community=elsewhere, visibility="public"
        ),
        "not_mine": meeting("Not registered elsewhere", starts_in=day, community=elsewhere),
        "event": meeting("Network event", starts_in=5 * day, network=network),
        "gave_up": meeting("Given up", starts_in=6 * day, community=elsewhere),
    }
    RegistrationFactory(meeting=made["registered"], user=person, status="registered")
    RegistrationFactory(
        meeting=made["event"], user=person, status="waiting", waiting_since=timezone.now()
    )
    RegistrationFactory(meeting=made["gave_up"], user=person, status="cancelled")
    RegistrationFactory(meeting=made["later"], user=person, status="cancelled")
    RegistrationFactory(meeting=made["next"], user=person, status="registered")
    RegistrationFactory(meeting=made["not_mine"], user=UserFactory(), status="registered")
    return person, made


def test_upcoming_meetings_are_my_communities_and_my_registrations(person_and_meetings):
    person, made = person_and_meetings
    shown = upcoming_meetings(user=person)
    assert [(m.title, m.my_status) for m in shown] == [
        ("Running now", None),
        ("Next", "registered"),
        ("Registered elsewhere", "registered"),
        ("Network event", "waiting"),
        ("Later", None),
    ]
    assert [m.host_name for m in shown] == ["Mine", "Mine", "Elsewhere", "The Network", "Mine"]
    # Given the communities already read, the same answer.
    mine = made["next"].community_id
    assert [m.pk for m in upcoming_meetings(user=person, community_ids=[mine])] == [
        m.pk for m in shown
    ]


def test_upcoming_meetings_are_the_soonest_few(person_and_meetings):
    person, made = person_and_meetings
    community = made["next"].community
    for days in range(20, 30):
        meeting(f"Day {days}", starts_in=timedelta(days=days), community=community)
    shown = upcoming_meetings(user=person)
    assert len(shown) == 8
    assert [m.starts_at for m in shown] == sorted(m.starts_at for m in shown)
    assert shown[-1].title == "Day 22"
    assert len(upcoming_meetings(user=person, limit=3)) == 3


def test_someone_with_no_community_and_no_registration_has_none():
    assert upcoming_meetings(user=UserFactory()) == []


def test_the_home_page_lists_them_with_my_status(client, person_and_meetings):
    person, made = person_and_meetings
    client.force_login(person)
    items = soup(client.get(reverse("home"))).select(".app-home-meetings li")
    texts = [" ".join(li.get_text(" ").split()) for li in items]
    assert [li.a.get_text() for li in items] == [
        "Running now",
        "Next",
        "Registered elsewhere",
        "Network event",
        "Later",
    ]
    assert texts[0].endswith("not registered") and "Mine ·" in texts[0]
    assert texts[1].endswith("· registered")
    assert "Elsewhere ·" in texts[2] and texts[2].endswith("· registered")
    assert "The Network ·" in texts[3] and texts[3].endswith("on the waiting list")
    assert items[1].a["href"] == reverse("meetings:detail", args=[made["next"].pk])


def test_the_home_page_says_when_nothing_is_coming(client):
    client.force_login(MembershipFactory().user)
    assert "No meeting coming up in your communities." in soup(client.get("/")).get_text()


@pytest.mark.parametrize("size", [2, 20])
def test_the_home_page_query_count_does_not_grow(client, get_within, size):
    person = UserFactory()
    network = NetworkFactory()
    discussions = []
    for i in range(size):
        community = CommunityFactory(network=network)
        MembershipFactory(community=community, user=person, role="convener" if i % 2 else "member")
        MembershipFactory(community=community, status="requested", requested_at=timezone.now())
        for days in (1, 10, -3):
            meeting(f"M{i} {days}", starts_in=timedelta(days=days), community=community)
        event = meeting(f"Event {i}", starts_in=timedelta(days=2 + i), network=network)
        RegistrationFactory(meeting=event, user=person, status="registered")
        discussions.append(
            DiscussionFactory(community=community, created_at=timezone.now() - timedelta(days=9))
        )
    client.force_login(person)
    client.get("/")
    for older in discussions:  # since the last visit: a new discussion, and a reply
        DiscussionFactory(community=older.community)
        ReplyFactory(discussion=older)
    # The discussions and their replies are two queries, whatever their number; the
    # person's action points one, and the communities their meetings were held in one more
    # (and the person's memberships of those, where they have any); the series of the next
    # meetings one.
    response = get_within("/", 23)
    assert len(soup(response).select(".app-home-meetings li")) == min(8, 3 * size)
    assert "New discussion" in soup(response).select_one(".app-home-new").get_text()


def test_the_index_behind_the_upcoming_meetings_exists():
    """Meetings by (community, end): what the next meetings of a few communities are read
    from (meetings/migrations/0003)."""
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "meetings_meeting")
        assert indexes["meeting_community_end"]["columns"] == ["community_id", "ends_at"]
        indexes = connection.introspection.get_constraints(cursor, "meetings_minutes")
        assert indexes["minutes_published"]["columns"] == ["published_at"]
