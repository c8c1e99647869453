"""A community's figures (members, organisations, professions, regions), stored in
CommunityFigures and kept right by the services and communities/signals.py; and the copy of
each member's name that orders the member list. Every test compares the stored figures with
a count made afresh from the memberships, so a refresh that was missed shows as a difference.
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Organisation, Profession, Region
from accounts.personal_data import account_erase
from accounts.services import organisation_confirm, user_profile_update
from communities import selectors, services
from communities.models import Community, CommunityFigures, Invitation, Membership
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

COUNTS = ("member_count", "organisation_count", "profession_count", "region_count")


def stored(community):
    row = CommunityFigures.objects.get(community=community)
    return {name: getattr(row, name) for name in COUNTS}


def fresh(community):
    """The figures counted now from the memberships, bypassing the stored row."""
    figures = selectors.community_figures_compute([community.pk])[community.pk]
    return {name: figures[name] for name in COUNTS}


def figures(members, organisations, professions, regions):
    return dict(zip(COUNTS, (members, organisations, professions, regions), strict=True))


@pytest.fixture
def nurse():
    return Profession.objects.get_or_create(name="Nurse")[0]


@pytest.fixture
def community(nurse):
    """Four active members (two organisations, two professions, two regions) and one who
    left, whose organisation appears nowhere else."""
    c = CommunityFactory(join_policy=Community.JoinPolicy.OPEN)
    north, south = OrganisationFactory(name="North Trust"), OrganisationFactory(name="South ICB")
    MembershipFactory(community=c, role="convener", user=UserFactory(organisation=north))
    MembershipFactory(community=c, user=UserFactory(organisation=north, profession=nurse))
    MembershipFactory(community=c, user=UserFactory(organisation=south, region=Region.NORTH_WEST))
    MembershipFactory(community=c, user=UserFactory(organisation=None, region=""))
    MembershipFactory(
        community=c,
        user=UserFactory(organisation=OrganisationFactory(name="Gone Hospice")),
        status=Membership.Status.LEFT,
    )
    return c


# --- the selector ---------------------------------------------------------------------------------


def test_figures_count_active_members_and_distinct_values(community, nurse):
    assert stored(community) == fresh(community) == figures(4, 2, 2, 2)
    got = selectors.community_figures(community_ids=[community.pk])[community.pk]
    assert got["member_count"] == 4
    assert got["organisation_ids"] == sorted(
        Organisation.objects.filter(name__in=["North Trust", "South ICB"]).values_list(
            "pk", flat=True
        )
    )
    assert nurse.pk in got["profession_ids"]
    assert got["regions"] == sorted([Region.LONDON, Region.NORTH_WEST])


def test_figures_of_several_communities_in_one_query(community, django_assert_num_queries):
    other = CommunityFactory()
    MembershipFactory(community=other)
    with django_assert_num_queries(1):
        got = selectors.community_figures(community_ids=[community.pk, other.pk])
    assert got[community.pk]["member_count"] == 4
    assert got[other.pk]["member_count"] == 1


def test_a_community_without_a_stored_row_is_counted_afresh(community):
    CommunityFigures.objects.filter(community=community).delete()
    got = selectors.community_figures(community_ids=[community.pk])[community.pk]
    assert {name: got[name] for name in COUNTS} == figures(4, 2, 2, 2)


def test_a_stale_row_would_show(community):
    """The tests below can fail: the pages read the stored row, not a fresh count."""
    CommunityFigures.objects.filter(community=community).update(member_count=99)
    assert (
        selectors.community_figures(community_ids=[community.pk])[community.pk]["member_count"]
        == 99
    )
    assert stored(community) != fresh(community)


# --- kept right by the services ---------------------------------------------------------------------


def test_joining_and_leaving(community):
    newcomer = UserFactory(organisation=OrganisationFactory(name="East PCN"))
    membership = services.membership_join(community=community, user=newcomer)
    assert stored(community) == fresh(community) == figures(5, 3, 2, 2)
    services.membership_leave(membership=membership)
    assert stored(community) == fresh(community) == figures(4, 2, 2, 2)


def test_approving_and_declining_requests(community):
    community.join_policy = Community.JoinPolicy.APPROVAL
    community.save()
    lead = community.memberships.get(role="convener").user
    asking = services.membership_join(community=community, user=UserFactory())
    assert stored(community) == fresh(community) == figures(4, 2, 2, 2)  # a request counts not
    services.membership_decide(membership=asking, actor=lead, approve=True)
    assert stored(community)["member_count"] == fresh(community)["member_count"] == 5
    declined = services.membership_join(community=community, user=UserFactory())
    services.membership_decide(membership=declined, actor=lead, approve=False)
    assert stored(community)["member_count"] == fresh(community)["member_count"] == 5


def test_removing_a_member(community):
    lead = community.memberships.get(role="convener").user
    south = community.memberships.get(user__organisation__name="South ICB")
    services.membership_remove(membership=south, actor=lead, reason="Left the service.")
    assert stored(community) == fresh(community) == figures(3, 1, 2, 1)


def test_accepting_an_invitation(community):
    person = UserFactory(email="new@example.org")
    invitation = Invitation.objects.create(community=community, email="new@example.org")
    services.invitation_accept(invitation=invitation, user=person)
    assert stored(community)["member_count"] == fresh(community)["member_count"] == 5


def test_a_merge_brings_the_figures_of_the_target_up_to_date(community):
    target = CommunityFactory()
    lead = MembershipFactory(community=target, role="convener").user
    services.community_merge(community=community, into=target, actor=lead, note="Together.")
    assert stored(target) == fresh(target)
    assert stored(target)["member_count"] == 5  # its convener and the four moved
    # The merged community's memberships are closed: it counts nobody any more.
    assert stored(community) == fresh(community) == figures(0, 0, 0, 0)


def test_a_batch_refreshes_once_on_the_way_out(community):
    with services.figures_batch():
        MembershipFactory(community=community)
        MembershipFactory(community=community)
        assert stored(community)["member_count"] == 4  # not yet
    assert stored(community) == fresh(community) == figures(6, 4, 2, 2)


def test_a_new_community_has_its_figures(user):
    c = services.community_create(creator=user, name="Sepsis", slug="sepsis", domain="Sepsis.")
    assert stored(c) == fresh(c) == figures(1, 1, 1, 1)


def test_role_changes_leave_the_figures_alone(community):
    lead = community.memberships.get(role="convener").user
    member = community.memberships.filter(role="member").first()
    services.membership_change_role(membership=member, actor=lead, role="core")
    assert stored(community) == fresh(community)


def test_deleting_memberships_people_and_communities(community):
    community.memberships.filter(user__organisation__name="South ICB").delete()
    assert stored(community) == fresh(community) == figures(3, 1, 2, 1)
    community.memberships.filter(role="member", user__organisation__isnull=True).get().user.delete()
    assert stored(community) == fresh(community) == figures(2, 1, 2, 1)
    community.delete()
    assert not CommunityFigures.objects.filter(community_id=community.pk).exists()


# --- kept right when a person changes (accounts, through signals) ------------------------------------


def test_a_member_changing_organisation_profession_or_region(community, nurse):
    other = CommunityFactory()
    person = community.memberships.get(user__organisation__name="South ICB").user
    MembershipFactory(community=other, user=person)
    assert stored(other) == figures(1, 1, 1, 1)
    user_profile_update(user=person, actor=person, organisation_name="North Trust")
    assert stored(community) == fresh(community) == figures(4, 1, 2, 2)
    user_profile_update(user=person, actor=person, profession=nurse, region=Region.LONDON)
    assert stored(community) == fresh(community) == figures(4, 1, 2, 1)
    assert stored(other) == fresh(other)  # every community of theirs


def test_signing_in_does_not_refresh(community):
    from django.test.utils import CaptureQueriesContext

    person = community.memberships.first().user
    person.last_login = person.date_joined
    with CaptureQueriesContext(connection) as queries:
        person.save(update_fields=["last_login"])
    assert not [q for q in queries.captured_queries if "communities_" in q["sql"]]


def test_closing_an_account(community):
    person = community.memberships.get(user__organisation__name="South ICB").user
    account_erase(user=person, actor=person)
    assert stored(community) == fresh(community) == figures(3, 1, 2, 1)


def test_deleting_an_organisation_or_a_profession(community, nurse):
    Organisation.objects.get(name="South ICB").delete()
    assert stored(community) == fresh(community) == figures(4, 1, 2, 2)
    nurse.delete()
    assert stored(community) == fresh(community) == figures(4, 1, 1, 2)


# --- concurrent changes (PostgreSQL: row locks) ---------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_joins_at_once_are_both_counted():
    """The first join holds its transaction open after refreshing; the second refreshes
    meanwhile. Without the lock on the figures row, the second would count only its own
    member and write last."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    from django.db import transaction

    community = CommunityFactory(join_policy=Community.JoinPolicy.OPEN)
    MembershipFactory(community=community, role="convener")  # the figures row exists
    first, second = UserFactory(), UserFactory()
    first_refreshed, errors = threading.Event(), []

    def join_first():
        try:
            with transaction.atomic():
                services.membership_join(community=community, user=first)
                first_refreshed.set()
                threading.Event().wait(0.5)  # hold the transaction open
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_refreshed.set()
        finally:
            connection.close()

    def join_second():
        try:
            first_refreshed.wait(5)
            services.membership_join(community=community, user=second)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=join_first), threading.Thread(target=join_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert stored(community) == fresh(community)
    assert stored(community)["member_count"] == 3


# --- the member's name, copied for the member list's order -------------------------------------------


def test_the_name_is_copied_and_follows_changes(community):
    person = community.memberships.first().user
    assert set(Membership.objects.filter(user=person).values_list("member_name", flat=True)) == {
        person.name
    }
    user_profile_update(user=person, actor=person, name="Zara Zephaniah")
    assert set(Membership.objects.filter(user=person).values_list("member_name", flat=True)) == {
        "Zara Zephaniah"
    }


# --- what a person sees ----------------------------------------------------------------------------


def card_text(client, community):
    page = soup(client.get(reverse("communities:list")))
    link = page.find("a", string=community.name)
    return " ".join(link.find_parent("li").get_text().split())


def test_directory_card_follows_changes(community, client):
    viewer = community.memberships.get(role="convener").user
    client.force_login(viewer)
    assert "4 members from 2 organisations across 2 professions" in card_text(client, community)
    person = community.memberships.get(user__organisation__name="South ICB").user
    user_profile_update(user=person, actor=person, organisation_name="North Trust")
    assert "4 members from 1 organisation across 2 professions" in card_text(client, community)
    client.force_login(UserFactory())
    client.post(reverse("communities:join", args=[community.slug]))
    assert "5 members from 2 organisations" in card_text(client, community)


def test_community_page_summary_follows_changes(community, client):
    client.force_login(UserFactory())
    url = reverse("communities:detail", args=[community.slug])
    text = " ".join(soup(client.get(url)).get_text().split())
    assert "4 members from 2 organisations across 2 professions." in text
    client.post(reverse("communities:join", args=[community.slug]))
    text = " ".join(soup(client.get(url)).get_text().split())
    assert "5 members from 3 organisations across 2 professions." in text


def test_member_list_order_count_and_filters_follow_changes(community, client):
    viewer = community.memberships.get(role="convener").user
    client.force_login(viewer)
    url = reverse("communities:members", args=[community.slug])

    def names(response):
        return [row.find("a").get_text() for row in soup(response).select("tbody tr")]

    def options(response, field):
        return [o.get_text() for o in soup(response).select(f"select[name={field}] option")]

    response = client.get(url)
    assert soup(response).find(attrs={"role": "status"}).get_text() == "4 members"
    # Only the organisations of active members, in the list's usual order (by name).
    assert options(response, "organisation") == ["Any organisation", "North Trust", "South ICB"]

    person = community.memberships.get(user__organisation__name="South ICB").user
    user_profile_update(user=person, actor=person, name="Aaaa Aardvark")
    user_profile_update(user=person, actor=person, organisation_name="West Hospice")
    response = client.get(url)
    assert names(response)[0] == "Aaaa Aardvark"
    # A typed organisation is offered once staff have confirmed it.
    assert options(response, "organisation") == ["Any organisation", "North Trust"]
    west = Organisation.objects.get(name="West Hospice")
    organisation_confirm(organisation=west, actor=None)
    response = client.get(url)
    assert options(response, "organisation") == ["Any organisation", "North Trust", "West Hospice"]

    filtered = client.get(url, {"organisation": west.pk})
    assert names(filtered) == ["Aaaa Aardvark"]
    assert soup(filtered).find(attrs={"role": "status"}).get_text() == "1 member"
    gone = Organisation.objects.get(name="Gone Hospice")  # only a former member's
    refused = client.get(url, {"organisation": gone.pk})
    assert len(names(refused)) == 4  # not a valid choice: the filter is ignored


def test_member_list_pages_follow_the_names(client):
    community = CommunityFactory()
    viewer = MembershipFactory(community=community, user=UserFactory(name="Aaa First")).user
    for n in range(24):
        MembershipFactory(community=community, user=UserFactory(name=f"Person {n:02d}"))
    client.force_login(viewer)
    url = reverse("communities:members", args=[community.slug])
    first = [r.find("a").get_text() for r in soup(client.get(url)).select("tbody tr")]
    second = [r.find("a").get_text() for r in soup(client.get(url, {"page": 2})).select("tbody tr")]
    assert first == ["Aaa First", *[f"Person {n:02d}" for n in range(19)]]
    assert second == [f"Person {n:02d}" for n in range(19, 24)]
    assert "25 members" in soup(client.get(url)).get_text()


def test_rebuilding_after_a_bulk_load(community):
    """Rows written around the services (seed_scale's COPY) leave the copies behind until
    the rebuild command runs."""
    from io import StringIO

    from django.core.management import call_command

    Membership.objects.bulk_create(
        [Membership(community=community, user=UserFactory(), status="active") for _ in range(3)]
    )
    assert stored(community)["member_count"] == 4  # behind
    assert Membership.objects.filter(member_name="").count() == 3
    call_command("community_copies_rebuild", stdout=StringIO())
    assert stored(community) == fresh(community)
    assert stored(community)["member_count"] == 7
    assert not Membership.objects.filter(member_name="").exists()
