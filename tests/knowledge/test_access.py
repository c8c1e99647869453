"""Posting to a resource is refused like getting it, and a members-only resource stays with
the members. Every URL for every kind of person is in tests/test_access.py."""

import pytest
from django.urls import reverse

from communities.models import Community
from knowledge.models import Resource
from tests.factories import CommunityFactory, MembershipFactory, ResourceFactory
from tests.test_access import place_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["outsider", "manager"])
def test_posts_are_refused_like_gets(client, world, role):
    """Neither an outsider nor the network's programme manager (who knows the community but
    not its content) can change a private community's resource by posting either."""
    _, people = world
    place = place_in(world, "private")
    resource = place.resource
    client.force_login(people[role])
    for name in ["adopt", "useful", "comment_create", "resource_edit", "resource_hide"]:
        url = place.url(f"knowledge:{name}")
        response = client.post(url, {"note": "x", "body": "x", "reason": "x", "title": "x"})
        assert response.status_code == 404, name
    resource.refresh_from_db()
    assert resource.adoption_count == 0 and resource.useful_count == 0
    assert resource.comments.count() == 1 and not resource.is_hidden


def test_members_only_resource_in_public_community(client, world):
    _, people = world
    community = CommunityFactory(visibility=Community.Visibility.PUBLIC)
    MembershipFactory(community=community, user=people["member"])
    resource = ResourceFactory(community=community, visibility=Resource.Visibility.MEMBERS)
    url = reverse("knowledge:resource", args=[resource.pk])
    assert client.get(url).status_code == 404
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(people["member"])
    assert client.get(url).status_code == 200
