"""The digest a busy member opens, and the home page beside it: what needs them first (an
action point due, a join request, a place and a waiting-list place), then what is new,
grouped by community, the busiest first, capped with "and N more"; nothing superseded,
hidden or from an archived community; a subject naming the most important update."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from dashboard.digest import digest_send, subject_line
from dashboard.feed import FeedGroup, FeedMeeting, FeedMinutes, FeedResource, FeedStory
from dashboard.updates import FeedAction, FeedBooking, FeedRequests, headline
from knowledge.models import Resource
from meetings.models import Meeting
from tests.conftest import soup
from tests.factories import (
    ActionItemFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    RegistrationFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 07:00 in London: the weekly digest's hour.
NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=40)  # before any period the digest or the home page covers


def meeting(community, title, *, starts, created=None, **fields):
    made = MeetingFactory(community=community, title=title, starts_at=starts)
    if created or fields:
        Meeting.objects.filter(pk=made.pk).update(created_at=created or made.created_at, **fields)
    return made


def resource(community, title, **fields):
    return Resource.objects.create(
        community=community, title=title, summary="s", kind="toolkit", **fields
    )


@pytest.fixture
def busy_member():
    """Ada convenes Falls and is a member of Sepsis, Wounds and the archived Old Falls."""
    with time_machine.travel(NOW, tick=False):
        ada = UserFactory(name="Ada Okafor", digest_frequency="weekly")
        falls = CommunityFactory(name="Falls", slug="falls")
        sepsis = CommunityFactory(name="Sepsis", slug="sepsis")
        wounds = CommunityFactory(name="Wounds", slug="wounds")
        old = CommunityFactory(name="Old Falls", slug="old-falls")
        MembershipFactory(community=falls, user=ada, role="convener")
        for community in (sepsis, wounds, old):
            MembershipFactory(community=community, user=ada)
        # What needs her. An action point of published minutes, due on Thursday; one due
        # next month and one done are not pressing.
        held = meeting(falls, "Falls review", starts=LONG_AGO, created=LONG_AGO)
        MinutesFactory(meeting=held, status="published", published_at=LONG_AGO)
        for description, due, status in (
            ("Send the audit form", date(2026, 12, 10), "open"),
            ("Write the annual report", date(2027, 1, 20), "open"),
            ("Book the room", date(2026, 12, 8), "done"),
        ):
            ActionItemFactory(
                meeting=held,
                owner=ada,
                description=description,
                due_date=due,
                status=status,
            )
        MembershipFactory(
            community=falls,
            user=UserFactory(name="Ria Requester"),
            status="requested",
            requested_at=NOW - timedelta(days=2),
        )
        huddle = meeting(
            sepsis,
            "Sepsis huddle",
            starts=datetime(2026, 12, 9, 14, 0, tzinfo=UTC),
            created=LONG_AGO,
        )
        RegistrationFactory(meeting=huddle, user=ada, status="registered")
        clinic = meeting(
            wounds,
            "Wound clinic",
            starts=datetime(2026, 12, 11, 10, 0, tzinfo=UTC),
            created=LONG_AGO,
        )
        RegistrationFactory(
            meeting=clinic, user=ada, status="waiting", waiting_since=NOW - timedelta(days=1)
        )
        # What is new: five resources in Falls, two things in Sepsis, two in Wounds.
        for n in range(1, 6):
            with time_machine.travel(NOW - timedelta(hours=n), tick=False):
                resource(falls, f"Falls resource {n}")
        with time_machine.travel(NOW - timedelta(days=1), tick=False):
            StoryFactory(community=sepsis, title="How we spotted sepsis sooner")
            current = resource(sepsis, "Sepsis toolkit, second edition")
            first = resource(sepsis, "Sepsis toolkit, first edition")
            Resource.objects.filter(pk=first.pk).update(superseded_by=current)
            resource(sepsis, "Withdrawn protocol", status="hidden", hidden_reason="Out of date")
            past = meeting(wounds, "Dressings review", starts=NOW - timedelta(days=2))
            MinutesFactory(meeting=past, status="published", published_at=timezone.now())
            meeting(wounds, "Wounds masterclass", starts=datetime(2026, 12, 17, 9, 0, tzinfo=UTC))
            meeting(old, "Old Falls last meeting", starts=datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
            resource(old, "Old Falls leaflet")
        old.status, old.archived_at = "archived", NOW - timedelta(hours=12)
        old.save(update_fields=["status", "archived_at"])
    return ada


# What the digest and the home page must both show, in this order.
NEEDS = [
    "Send the audit form",
    "Ria Requester",
    "Sepsis huddle",
    "Wound clinic",
]
GROUPS = ["Falls", "Sepsis", "Wounds"]
NEWS = [
    "Falls resource 1",
    "Falls resource 2",
    "Falls resource 3",
    "Sepsis toolkit, second edition",
    "How we spotted sepsis sooner",
    "Dressings review",
    "Wounds masterclass",
]
NEVER = [
    "Write the annual report",
    "Book the room",
    "Falls resource 4",  # beyond the three shown: counted in "and 2 more"
    "first edition",
    "Withdrawn protocol",
    "Old Falls",
]


def in_order(text, titles):
    places = [text.index(title) for title in titles]
    return places == sorted(places)


def the_digest(mailoutbox, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert digest_send(frequency="weekly") == 1
    (message,) = mailoutbox
    return message


def test_the_digest_names_the_action_due_and_counts_the_rest(
    busy_member, mailoutbox, django_capture_on_commit_callbacks
):
    message = the_digest(mailoutbox, django_capture_on_commit_callbacks)
    # Four things need her, nine are new (five in Falls): the action point first.
    assert message.subject == "Action due Thursday: Send the audit form \u2014 and 12 more updates"
    assert message.to == [busy_member.email]


def test_the_digest_lists_what_needs_her_then_the_news_by_community(
    busy_member, mailoutbox, django_capture_on_commit_callbacks
):
    message = the_digest(mailoutbox, django_capture_on_commit_callbacks)
    html = BeautifulSoup(message.alternatives[0][0], "html.parser")
    assert [h.get_text() for h in html.select("h2")] == [
        "Needs you",
        "New in your communities since 30 November",
    ]
    needs = [li.get_text(" ", strip=True) for li in html.select("h2 + ul")[0].select("li")]
    assert len(needs) == 4
    for line, start in zip(
        needs,
        [
            "Due Thu 10 Dec: Send the audit form (Falls)",
            "Ria Requester asks to join Falls",
            "Registered: Sepsis huddle (Sepsis), Wed 9 Dec, 14:00",
            "On the waiting list: Wound clinic (Wounds), Fri 11 Dec, 10:00",
        ],
        strict=True,
    ):
        assert line.startswith(start), line
    assert [p.get_text() for p in html.select("p > strong > a")] == GROUPS
    more = html.find("a", string="and 2 more in Falls")
    assert more["href"] == "http://testserver" + reverse("communities:detail", args=["falls"])
    for part in (message.body, html.get_text(" ")):
        assert in_order(part, NEEDS + NEWS)
        assert part.index("Wound clinic") < part.index("New in your communities")
        for title in NEVER:
            assert title not in part, title
    assert "Wounds:\n- Minutes: Dressings review: http://testserver/meetings/" in message.body
    assert "- and 2 more in Falls: http://testserver/communities/falls/\n" in message.body


def test_the_home_page_shows_the_same_in_the_same_order(busy_member, client):
    with time_machine.travel(NOW, tick=False):
        client.force_login(busy_member)
        page = soup(client.get(reverse("home")))
    needs = page.select_one(".app-home-needs").get_text(" ", strip=True)
    assert in_order(needs, NEEDS)
    assert "Overdue" not in needs and "On the waiting list: Wound clinic" in needs
    assert [h.get_text(strip=True) for h in page.select(".app-home-new h3")] == GROUPS
    news = page.select_one(".app-home-new").get_text(" ", strip=True)
    assert in_order(news, NEWS) and "and 2 more in Falls" in news
    main = page.select_one("main").get_text(" ", strip=True)
    assert main.index("Needs you") < main.index("New in your communities")
    for title in NEVER[2:]:  # the sidebar lists every open action point
        assert title not in main, title


def test_an_archived_community_is_not_among_hers_at_home(busy_member, client):
    with time_machine.travel(NOW, tick=False):
        client.force_login(busy_member)
        page = soup(client.get(reverse("home")))
    listed = [a.get_text(strip=True) for a in page.select(".app-home-communities li > a")]
    assert listed == ["Falls", "Sepsis", "Wounds"]


def test_nothing_new_but_an_action_due_still_sends_a_digest(
    mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        ada = UserFactory(digest_frequency="weekly")
        falls = CommunityFactory(name="Falls")
        MembershipFactory(community=falls, user=ada, role="convener")
        held = meeting(falls, "Falls review", starts=LONG_AGO, created=LONG_AGO)
        ActionItemFactory(
            meeting=held,
            owner=ada,
            description="Chase the pharmacy",
            due_date=date(2026, 12, 1),
        )
    message = the_digest(mailoutbox, django_capture_on_commit_callbacks)
    # Draft minutes: a convener still sees (and owes) the action point.
    assert message.subject == "Action overdue since 1 Dec: Chase the pharmacy"
    assert "Overdue since Tue 1 Dec: Chase the pharmacy (Falls)" in message.body
    assert "New in your communities" not in message.body
    assert EmailDelivery.objects.count() == 1


# --- the priority order of the subject --------------------------------------------------------

TODAY = date(2026, 12, 7)  # a Monday


def feed_with(**needs_and_news):
    falls = CommunityFactory.build(name="Falls", slug="falls")
    group = FeedGroup(falls)
    for item in needs_and_news.pop("news", []):
        group.items.append(item)
        group.total += 1
    needs = {"actions": [], "requests": [], "bookings": [], **needs_and_news}
    return {"needs": needs, "groups": [group] if group.total else []}


def cases():
    falls = CommunityFactory.build(name="Falls", slug="falls")
    at = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    overdue = FeedAction(1, falls, "Chase the pharmacy", date(2026, 12, 1), True)
    due = FeedAction(2, falls, "Send the audit form", date(2026, 12, 10), False)
    asks = FeedRequests(falls, [(1, "Ria Requester", at), (2, "Sam Seeker", at)], 2)
    registered = FeedBooking(1, "Falls huddle", at, "Falls", "registered")
    waiting = FeedBooking(2, "Sepsis huddle", at, "Sepsis", "waiting")
    huddle = FeedMeeting(1, falls, "Falls masterclass", at, at)
    minutes = FeedMinutes(1, FeedMeeting(2, falls, "Falls review", at, at), at)
    toolkit = FeedResource(1, falls, "Falls toolkit", at)
    story = FeedStory(1, falls, "How we cut falls", at)
    news = [story, toolkit, huddle, minutes]
    return [
        (
            {"actions": [overdue, due], "requests": [asks], "bookings": [registered], "news": news},
            "Action overdue since 1 Dec: Chase the pharmacy",
        ),
        (
            {"actions": [due], "requests": [asks], "bookings": [waiting, registered], "news": news},
            "Action due Thursday: Send the audit form",
        ),
        (
            {"requests": [asks], "bookings": [registered], "news": news},
            "2 people ask to join Falls",
        ),
        (
            {"bookings": [waiting, registered], "news": news},
            "Registered: Falls huddle, Thursday 14:00",
        ),
        (
            {"bookings": [waiting], "news": news},
            "On the waiting list: Sepsis huddle, Thursday 14:00",
        ),
        ({"news": news}, "Minutes published: Falls review"),
        ({"news": [story, toolkit, huddle]}, "New meeting: Falls masterclass, Thu 10 Dec"),
        ({"news": [story, toolkit]}, "New resource: Falls toolkit"),
        ({"news": [story]}, "New story: How we cut falls"),
    ]


@pytest.mark.parametrize("index", range(9))
def test_the_subject_names_the_most_important_update(index):
    given, expected = cases()[index]
    assert headline(feed_with(**given), today=TODAY) == expected


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (date(2026, 12, 7), "Action due today"),
        (date(2026, 12, 8), "Action due tomorrow"),
        (date(2026, 12, 13), "Action due Sunday"),
        (date(2026, 12, 14), "Action due Mon 14 Dec"),
    ],
)
def test_the_due_day_reads_as_a_person_says_it(due, words):
    falls = CommunityFactory.build(name="Falls")
    feed = feed_with(actions=[FeedAction(1, falls, "Send the form", due, False)])
    assert headline(feed, today=TODAY) == f"{words}: Send the form"


@pytest.mark.parametrize(
    ("rest", "tail"), [(0, ""), (1, " — and 1 more update"), (6, " — and 6 more updates")]
)
def test_the_subject_counts_the_rest(rest, tail):
    assert subject_line({"headline": "New story: How we cut falls", "rest": rest}) == (
        "New story: How we cut falls" + tail
    )


def test_a_new_meeting_she_booked_is_listed_once_with_her_place(
    busy_member, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        masterclass = Meeting.objects.get(title="Wounds masterclass")
    Meeting.objects.filter(pk=masterclass.pk).update(
        starts_at=datetime(2026, 12, 12, 9, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 12, 10, 0, tzinfo=UTC),
    )
    RegistrationFactory(meeting=masterclass, user=busy_member, status="registered")
    message = the_digest(mailoutbox, django_capture_on_commit_callbacks)
    # Five things need her now and eight are new: the masterclass is counted once.
    assert message.subject == "Action due Thursday: Send the audit form \u2014 and 12 more updates"
    for part in (message.body, BeautifulSoup(message.alternatives[0][0], "html.parser").text):
        assert part.count("Wounds masterclass") == 1
        assert part.index("Wounds masterclass") < part.index("New in your communities")


def test_the_home_page_lists_each_action_point_once(busy_member, client):
    with time_machine.travel(NOW, tick=False):
        client.force_login(busy_member)
        response = client.get(reverse("home"))
    assert response.status_code == 200
    main = soup(response).select_one("main").get_text(" ", strip=True)
    assert main.count("Send the audit form") == 1  # due Thursday: under "Needs you" only
    assert "Your other action points" in main
    assert main.index("Needs you") < main.index("Write the annual report")  # next month's
