"""Private communities stay out of lists, search and profiles, and posting is refused like
getting. Every URL for every kind of person is in tests/test_access.py."""

import pytest
from django.urls import reverse

from communities.models import Community
from tests.test_access import place_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role", ["anonymous", "outsider", "other_convener", "manager", "other_manager", "participant"]
)
def test_private_community_is_invisible_in_lists(client, world, role):
    network, people = world
    community = place_in(world, "private").community
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


# Its network's programme manager sees it only as figures on the programme dashboard.
@pytest.mark.parametrize("role", ["member", "staff"])
def test_private_community_is_listed_for_those_who_may_know(client, world, role):
    _, people = world
    community = place_in(world, "private").community
    client.force_login(people[role])
    link = reverse("communities:detail", args=[community.slug])
    assert link in client.get(reverse("communities:list")).content.decode()


def test_posts_are_refused_like_gets(client, world):
    """A non-convener cannot change anything by posting either."""
    _, people = world
    place = place_in(world, "listed")
    community = place.community
    client.force_login(people["member"])
    for name in [
        "edit",
        "invite",
        "phase",
        "transform",
        "transform_archive",
        "transform_merge",
        "transform_split",
        "charter_edit",
        "request",
        "member_manage",
    ]:
        url = place.url(f"communities:{name}")
        assert (
            client.post(
                url, {"note": "x", "to_phase": "unite", "decision": "approve", "confirm": "yes"}
            ).status_code
            == 404
        ), name
    community.refresh_from_db()
    assert community.phase == Community.Phase.DISCOVER
