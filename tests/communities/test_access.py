"""Every URL of the communities app, for every kind of person, against public, listed and
private communities, checked against one declared table. A URL nobody classified fails."""

import pytest
from django.urls import reverse

from communities import urls as community_urls
from communities.models import Community, Invitation, Membership
from tests.conftest import ROLES
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


# What each URL requires. Anonymous people meet the sign-in redirect on every page that
# needs an account (before anything is looked up, so nothing leaks).
RULES = {
    "list": "public",
    "network": "public",
    "create": "signed_in",
    "person": "signed_in",
    "invitation": "token",
    "detail": "see",
    "charter": "see",
    "join": "join",
    "leave": "member_only",
    "members": "member",
    "member": "member",
    "needs_offers": "member",
    "needs_offers_mine": "member_only",
    "charter_version": "member",
    "edit": "manage",
    "requests": "manage",
    "request": "manage",
    "invite": "manage",
    "member_manage": "manage",
    "phase": "manage",
    "transform": "manage",
    "activity": "manage",
    "charter_edit": "manage",
}


def can_see(role, visibility):
    if visibility == "public":
        return True
    if role == "anonymous":
        return False
    if visibility == "listed":
        return True
    return role in ("member", "convener", "manager", "staff")


def expected(rule, role, visibility):
    login_redirect = 302
    if rule == "public" or rule == "token":
        return 200
    if rule == "signed_in":
        return login_redirect if role == "anonymous" else 200
    if rule == "see":
        return 200 if can_see(role, visibility) else 404
    if role == "anonymous":
        return login_redirect
    if rule == "join":
        if not can_see(role, visibility):
            return 404
        return 302 if role in ("member", "convener") else 200  # members go back to the page
    if rule == "member":
        return 200 if role in ("member", "convener", "staff") else 404
    if rule == "member_only":
        return 200 if role in ("member", "convener") else 404
    if rule == "manage":
        return 200 if role in ("convener", "staff") else 404
    raise AssertionError(rule)


def community_in(world, visibility):
    network, people = world
    community = CommunityFactory(
        network=network, visibility=visibility, join_policy=Community.JoinPolicy.APPROVAL
    )
    MembershipFactory(community=community, user=people["member"])
    MembershipFactory(community=community, user=people["convener"], role=Membership.Role.CONVENER)
    requester = MembershipFactory(community=community, status=Membership.Status.REQUESTED)
    invitation = Invitation.objects.create(
        community=community, email="guest@example.org", invited_by=people["convener"]
    )
    member = Membership.objects.get(community=community, user=people["member"])
    args = {
        "list": [],
        "create": [],
        "network": [network.slug],
        "person": [people["member"].pk],
        "invitation": [invitation.token],
        "request": [community.slug, requester.pk],
        "member": [community.slug, member.pk],
        "member_manage": [community.slug, member.pk],
        "charter_version": [community.slug, 1],
    }
    from communities.services import charter_save

    charter_save(community=community, actor=people["convener"], trying_to_do="Safer medicines.")
    return community, args


def test_every_url_is_classified():
    names = {p.name for p in community_urls.urlpatterns}
    assert names == set(RULES), f"unclassified: {names - set(RULES)}; stale: {set(RULES) - names}"


@pytest.mark.parametrize("visibility", ["public", "listed", "private"])
def test_access_table(client, world, visibility):
    _, people = world
    community, args = community_in(world, visibility)
    mismatches = []
    for name, rule in RULES.items():
        url = reverse(f"communities:{name}", args=args.get(name, [community.slug]))
        for role in ROLES:
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            status = client.get(url).status_code
            want = expected(rule, role, visibility)
            if status != want:
                mismatches.append(f"{role:>14} GET {url}: {status}, expected {want}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "other_convener", "other_manager"])
def test_private_community_is_invisible_in_lists(client, world, role):
    network, people = world
    community, _ = community_in(world, "private")
    if role != "anonymous":
        client.force_login(people[role])
    for url in [
        reverse("communities:list"),
        reverse("communities:network", args=[network.slug]),
        reverse("communities:list") + f"?q={community.name}",
        "/",
    ]:
        body = client.get(url).content.decode()
        link = reverse("communities:detail", args=[community.slug])
        assert link not in body, f"{role} sees the private community at {url}"
        if "?q=" in url:  # not even counted
            assert "0 communities" in body
    if role != "anonymous":
        # Its members' profiles show only name and organisation to outsiders.
        page = client.get(
            reverse("communities:person", args=[people["member"].pk])
        ).content.decode()
        assert community.name not in page


@pytest.mark.parametrize("role", ["member", "manager", "staff"])
def test_private_community_is_listed_for_those_who_may_know(client, world, role):
    _, people = world
    community, _ = community_in(world, "private")
    client.force_login(people[role])
    link = reverse("communities:detail", args=[community.slug])
    assert link in client.get(reverse("communities:list")).content.decode()


def test_posts_are_refused_like_gets(client, world):
    """A non-convener cannot change anything by posting either."""
    _, people = world
    community, args = community_in(world, "listed")
    client.force_login(people["member"])
    for name in [
        "edit",
        "invite",
        "phase",
        "transform",
        "charter_edit",
        "request",
        "member_manage",
    ]:
        url = reverse(f"communities:{name}", args=args.get(name, [community.slug]))
        assert (
            client.post(url, {"note": "x", "to_phase": "unite", "decision": "approve"}).status_code
            == 404
        ), name
    community.refresh_from_db()
    assert community.phase == Community.Phase.DISCOVER
