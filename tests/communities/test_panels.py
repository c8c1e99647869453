"""The meetings and library blocks of a community's overview page (meetings/panels.py and
knowledge/panels.py): what each viewer sees, and a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from knowledge.models import Resource
from tests.conftest import soup
from tests.factories import (
    AdoptionFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def meeting(community, title, *, days, **fields):
    start = timezone.now() + timedelta(days=days)
    return MeetingFactory(community=community, title=title, starts_at=start, **fields)


def resource(community, title, *, days_ago, **fields):
    r = ResourceFactory(community=community, title=title, **fields)
    Resource.objects.filter(pk=r.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return r


@pytest.fixture
def community():
    c = CommunityFactory(visibility=Community.Visibility.LISTED)
    for n, days in enumerate([1, 3, 2, 9]):
        meeting(c, f"Upcoming {days}", days=days, visibility="public" if n else "members")
    for days in [-3, -1, -2, -9]:
        meeting(c, f"Past {-days}", days=days, visibility="public")
    meeting(c, "Cancelled soon", days=1.5, visibility="public", status="cancelled")
    for n in range(7):
        resource(c, f"Resource {n}", days_ago=n, visibility="public" if n % 2 else "members")
    return c


def panel_texts(client, community):
    page = soup(client.get(reverse("communities:detail", args=[community.slug])))
    meetings = page.find("h2", string="Meetings").find_next("ul")
    last_met = page.find(string=lambda s: s and "Last met" in s).parent
    library = page.select_one(".app-library-panel")
    return (
        [a.get_text() for a in meetings.find_all("a")],
        len(last_met.find_all("a")),
        [a.get_text() for a in library.find("ul").find_all("a")],
        " ".join(library.get_text().split()),
    )


def test_a_member_sees_the_next_meetings_the_last_ones_and_the_newest_resources(community, client):
    member = MembershipFactory(community=community).user
    client.force_login(member)
    upcoming, past, recent, _ = panel_texts(client, community)
    assert upcoming == ["Upcoming 1", "Cancelled soon", "Upcoming 2"]
    assert past == 3
    assert recent == [f"Resource {n}" for n in range(5)]
    page = client.get(reverse("communities:detail", args=[community.slug])).content.decode()
    assert "cancelled</strong>" in page


def test_others_see_only_what_is_open_to_them(community, client):
    client.force_login(UserFactory())
    upcoming, _, recent, _ = panel_texts(client, community)
    assert upcoming == ["Cancelled soon", "Upcoming 2", "Upcoming 3"]  # not the members' one
    assert recent == ["Resource 1", "Resource 3", "Resource 5"]


def test_where_the_work_spread(community, client):
    elsewhere = CommunityFactory(name="Elsewhere", visibility=Community.Visibility.LISTED)
    hidden = CommunityFactory(name="Hidden place", visibility=Community.Visibility.PRIVATE)
    shared = Resource.objects.get(title="Resource 1")
    AdoptionFactory(resource=shared, community=elsewhere, note="Used on ward 3")
    AdoptionFactory(resource=shared, community=hidden, note="Secret")
    AdoptionFactory(resource=shared, community=community, note="At home")
    client.force_login(UserFactory())
    _, _, _, text = panel_texts(client, community)
    assert "Resource 1 adopted by" in text and "in Elsewhere: “Used on ward 3”" in text
    assert "Hidden place" not in text and "Secret" not in text and "At home" not in text


@pytest.mark.parametrize("size", [2, 20])
def test_the_blocks_take_a_fixed_number_of_queries(client, get_within, size):
    c = CommunityFactory()
    member = MembershipFactory(community=c).user
    for n in range(size):
        meeting(c, f"Meeting {n}", days=n - size / 2)
        r = resource(c, f"Resource {n}", days_ago=n)
        AdoptionFactory(resource=r, community=CommunityFactory())
    client.force_login(member)
    get_within(reverse("communities:detail", args=[c.slug]), 17)


def test_the_spread_lists_the_ten_newest_adoptions_the_viewer_may_see(community, client):
    """Newest first and ten at most, read through the copy of the resource's community:
    a members-only resource shows only to members, another community's resource never."""
    from knowledge.models import Adoption

    elsewhere = CommunityFactory(name="Elsewhere", visibility=Community.Visibility.LISTED)
    other_home = CommunityFactory(name="Other home", visibility=Community.Visibility.LISTED)
    public = Resource.objects.get(title="Resource 1")
    members_only = Resource.objects.get(title="Resource 0")
    foreign = ResourceFactory(community=other_home, title="Foreign resource")
    now = timezone.now()
    for n in range(12):
        a = AdoptionFactory(resource=public, community=elsewhere, note=f"Public use {n}")
        Adoption.objects.filter(pk=a.pk).update(created_at=now - timedelta(hours=n + 1))
    newest = AdoptionFactory(resource=members_only, community=elsewhere, note="Members' use")
    AdoptionFactory(resource=foreign, community=elsewhere, note="Not ours")
    assert newest.resource_community_id == community.pk

    def notes(viewer):
        client.force_login(viewer)
        page = soup(client.get(reverse("communities:detail", args=[community.slug])))
        return [
            li.get_text(" ", strip=True).split("“")[1].rstrip("”")
            for li in page.select(".app-spread li")
        ]

    assert notes(UserFactory()) == [f"Public use {n}" for n in range(10)]
    assert notes(MembershipFactory(community=community).user) == ["Members' use"] + [
        f"Public use {n}" for n in range(9)
    ]


def test_every_adoption_keeps_its_resource_community(community):
    from knowledge.services import adoption_record
    from tests.factories import NetworkFactory

    shared = Resource.objects.get(title="Resource 1")
    adopter = MembershipFactory(community=CommunityFactory()).user
    recorded = adoption_record(
        resource=shared, user=adopter, note="On the ward", organisation_name="Harbourside Trust"
    )
    assert recorded.resource_community_id == community.pk
    network_resource = ResourceFactory(community=None, network=NetworkFactory())
    assert AdoptionFactory(resource=network_resource).resource_community_id is None


def test_a_posted_resource_cannot_be_moved_in_the_admin(community, client):
    """Its adoptions keep a copy of its community: the admin shows where it was posted and
    offers no field to change it (a new one still chooses its community)."""
    shared = Resource.objects.get(title="Resource 1")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = soup(client.get(reverse("admin:knowledge_resource_change", args=[shared.pk])))
    assert change.find("input", attrs={"name": "community"}) is None
    assert change.find("input", attrs={"name": "network"}) is None
    assert change.find(class_="field-community").get_text(strip=True)  # shown, read-only
    add = soup(client.get(reverse("admin:knowledge_resource_add")))
    assert add.find("input", attrs={"name": "community"}) is not None
