"""The report's figures: the programme dashboard's for the same period, and nothing from
outside the period.

The world (report_world): network "North Coast" with "Falls prevention" (public) and "Sepsis
huddle" (private). Falls: its convener and three members since 400 days, two members since
30 days, one who left; Bea Bridge in both communities. A meeting 60 days ago (three
registered, two of them came, a walk-in and a guest too; two actions, one done), one 500
days ago, one cancelled 20 days ago and one next week (registered for, not attended). Sepsis: a meeting 10 days ago that one
person came to.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Membership
from dashboard import figures as dashboard_figures
from evaluation.report.figures import Period, period_figures
from evaluation.report.selectors import network_communities
from meetings.models import ActionItem, Meeting, MeetingGuest
from tests.factories import (
    ActionItemFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    NetworkFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _meeting(community, *, days_ago, **fields):
    start = timezone.now() - timedelta(days=days_ago)
    return MeetingFactory(community=community, starts_at=start, **fields)


def _came(meeting, people, *, walk_in=False):
    for person in people:
        RegistrationFactory(meeting=meeting, user=person, attended=True, walk_in=walk_in)


def _falls_meetings(falls, people):
    """The meeting 60 days ago and its actions, the meeting 500 days ago, a cancelled one
    and one to come."""
    held = _meeting(falls, days_ago=60, title="Falls huddle")
    _came(held, people[:2])
    RegistrationFactory(meeting=held, user=people[2])  # registered, did not come
    _came(held, people[3:4], walk_in=True)
    MeetingGuest.objects.create(meeting=held, name="Gail Guest", email="gail@example.org")
    ActionItemFactory(meeting=held, status=ActionItem.Status.DONE)
    ActionItemFactory(meeting=held)
    _came(_meeting(falls, days_ago=500, title="Long ago"), people[:1])
    cancelled = _meeting(falls, days_ago=20, status=Meeting.Status.CANCELLED)
    RegistrationFactory(meeting=cancelled, user=people[0])
    RegistrationFactory(meeting=_meeting(falls, days_ago=-7, title="Next week"), user=people[0])


def report_world():
    network = NetworkFactory(name="North Coast", slug="north-coast")
    network.manager = UserFactory(name="Mona Manager")
    network.managers.add(network.manager)
    falls = CommunityFactory(network=network, name="Falls prevention", visibility="public")
    sepsis = CommunityFactory(network=network, name="Sepsis huddle", visibility="private")
    now = timezone.now()
    long_ago, lately = now - timedelta(days=400), now - timedelta(days=30)
    falls.convener = MembershipFactory(
        community=falls, role=Membership.Role.CONVENER, joined_at=long_ago
    ).user
    nurse = OrganisationFactory(name="Example Community Nursing")
    people = [
        MembershipFactory(
            community=falls, joined_at=long_ago, user=UserFactory(organisation=nurse)
        ).user
        for _ in range(3)
    ]
    people += [MembershipFactory(community=falls, joined_at=lately).user for _ in range(2)]
    MembershipFactory(community=falls, joined_at=long_ago, status=Membership.Status.LEFT)
    bridge = UserFactory(name="Bea Bridge")
    for community in (falls, sepsis):
        MembershipFactory(community=community, user=bridge, joined_at=lately)
    _falls_meetings(falls, [*people, bridge])
    _came(_meeting(sepsis, days_ago=10), [bridge])
    return {"network": network, "falls": falls, "sepsis": sepsis, "people": people}


@pytest.fixture
def place():
    return report_world()


def _last(days):
    today = timezone.localdate()
    return Period(start=today - timedelta(days=days), end=today)


def test_the_network_figures_are_the_dashboards_headline(place):
    network = place["network"]
    period = _last(90)
    communities = dashboard_figures.communities_for(network.manager)
    rows = dashboard_figures.community_table(communities)
    headline = dashboard_figures.headline(rows, communities, since=period.starts_at)
    mine = period_figures(network_communities(network=network, period=period), period=period)
    total = mine["total"]
    for name in ("members", "organisations", "professions", "regions"):
        assert total[name] == headline[name], name
    assert (total["meetings"], total["attended"]) == (
        headline["meetings_held"],
        headline["attendance"],
    )
    assert (total["members"], total["meetings"], total["attended"]) == (7, 2, 5)


def test_each_communitys_figures_are_its_dashboard_row(place):
    network = place["network"]
    period = _last(1000)  # every action agreed so far
    rows = dashboard_figures.community_table(dashboard_figures.communities_for(network.manager))
    mine = period_figures(network_communities(network=network, period=period), period=period)
    assert [r["community"].name for r in mine["rows"]] == [r["community"].name for r in rows]
    for theirs, ours in zip(rows, mine["rows"], strict=True):
        assert (ours["members"], ours["organisations"]) == (
            theirs["members"],
            theirs["organisations"],
        )
        assert f"{ours['actions_done']} of {ours['actions']}" == theirs["actions_done"]
    assert [(r["actions"], r["actions_done"], r["actions_open"]) for r in mine["rows"]] == [
        (2, 1, 1),
        (0, 0, 0),
    ]


def _trends(communities):
    return {
        series["name"]: sum(n for _, n in series["points"])
        for series in dashboard_figures.trends([c.pk for c in communities])
    }


def test_the_new_members_meetings_and_attendance_are_the_dashboards_trends(place):
    network = place["network"]
    communities = list(dashboard_figures.communities_for(network.manager))
    first_month = dashboard_figures.trends([])[0]["points"][0][0]
    period = Period(start=first_month, end=timezone.localdate())
    figures = period_figures(communities, period=period)
    assert figures["total"]["meetings"] == _trends(communities)["Meetings held"] == 2
    assert figures["total"]["attended"] == _trends(communities)["Attendance"] == 5
    # Each community's new members are the memberships that started, as in the trends.
    for row in figures["rows"]:
        assert row["new_members"] == _trends([row["community"]])["New members"]
    assert [row["new_members"] for row in figures["rows"]] == [3, 1]
    # Across the network a person is new once: Bea Bridge joined both communities.
    assert figures["total"]["new_members"] == 3
    assert _trends(communities)["New members"] == 4


def test_nothing_from_outside_the_period_counts(place):
    falls = place["falls"]
    today = timezone.localdate()
    # From 100 to 45 days ago: the meeting 60 days ago, and only those who had joined.
    period = Period(start=today - timedelta(days=100), end=today - timedelta(days=45))
    total = period_figures([falls], period=period)["total"]
    assert (total["members"], total["new_members"]) == (4, 0)
    assert (total["meetings"], total["registered"], total["attended"]) == (1, 3, 4)
    assert (total["actions"], total["actions_done"], total["actions_open"]) == (2, 1, 1)
    # The month before: no meeting, nobody new.
    period = Period(start=today - timedelta(days=44), end=today - timedelta(days=15))
    total = period_figures([falls], period=period)["total"]
    assert (total["members"], total["new_members"], total["meetings"]) == (7, 3, 0)
    assert (total["registered"], total["attended"], total["actions"]) == (0, 0, 0)
