"""Every URL of the knowledge app, for every kind of person, against resources in public,
listed and private communities, checked against one declared table. A URL nobody
classified fails."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communities.models import Community, Membership
from knowledge import services
from knowledge import urls as knowledge_urls
from knowledge.models import Resource
from tests.conftest import ROLES
from tests.factories import (
    MINIMAL_PDF,
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db


RULES = {
    "library": "public",
    "search": "public",
    "stories": "public",
    "resource_create": "signed_in",
    "community_library": "see_community",
    "resource": "see",
    "download": "see",
    "version_download": "see",
    "story": "see",
    "adopt": "take_part",
    "useful": "take_part_redirect",
    "comment_create": "take_part_redirect",
    "resource_edit": "edit",
    "version_create": "edit",
    "resource_hide": "moderate",
    "comment_hide": "moderate",
    "story_create": "member_only",
}


def can_see_community(role, visibility):
    if visibility == "public":
        return True
    if role == "anonymous":
        return False
    if visibility == "listed":
        return True
    return role in ("member", "convener", "manager", "staff")


def can_see_content(role, visibility):
    """A public resource: never more visible than its community's content."""
    if visibility == "public":
        return True
    if role == "anonymous":
        return False
    if visibility == "listed":
        return True
    return role in ("member", "convener", "staff")  # not the programme manager


def expected(rule, role, visibility):
    login_redirect = 302
    if rule == "public":
        return 200
    if rule == "see_community":
        return 200 if can_see_community(role, visibility) else 404
    if rule == "see":
        return 200 if can_see_content(role, visibility) else 404
    if role == "anonymous":
        return login_redirect
    if rule == "signed_in":
        return 200
    if rule == "take_part":
        return 200 if can_see_content(role, visibility) else 404
    if rule == "take_part_redirect":
        return 302 if can_see_content(role, visibility) else 404
    if rule == "edit":  # the owner is the member
        return 200 if role in ("member", "convener", "staff") else 404
    if rule == "moderate":
        return 200 if role in ("convener", "staff") else 404
    if rule == "member_only":
        return 200 if role in ("member", "convener") else 404
    raise AssertionError(rule)


def resource_in(world, visibility):
    network, people = world
    community = CommunityFactory(network=network, visibility=visibility)
    MembershipFactory(community=community, user=people["member"])
    MembershipFactory(community=community, user=people["convener"], role=Membership.Role.CONVENER)
    resource = services.resource_create(
        author=people["member"],
        community=community,
        title="Falls leaflet",
        summary="A leaflet about falls.",
        body="",
        kind=Resource.Kind.LEAFLET,
        external_url="",
        licence="",
        visibility=Resource.Visibility.PUBLIC,
        review_date=None,
        upload=SimpleUploadedFile("falls.pdf", MINIMAL_PDF),
    )
    comment = CommentFactory(resource=resource)
    story = StoryFactory(community=community, visibility=Resource.Visibility.PUBLIC)
    args = {
        "library": [],
        "search": [],
        "stories": [],
        "resource_create": [],
        "community_library": [community.slug],
        "story_create": [community.slug],
        "story": [story.pk],
        "version_download": [resource.pk, 1],
        "comment_hide": [resource.pk, comment.pk],
    }
    return community, resource, args


def test_every_url_is_classified():
    names = {p.name for p in knowledge_urls.urlpatterns}
    assert names == set(RULES), f"unclassified: {names - set(RULES)}; stale: {set(RULES) - names}"


@pytest.mark.parametrize("visibility", ["public", "listed", "private"])
def test_access_table(client, world, visibility):
    _, people = world
    community, resource, args = resource_in(world, visibility)
    mismatches = []
    for name, rule in RULES.items():
        url = reverse(f"knowledge:{name}", args=args.get(name, [resource.pk]))
        for role in ROLES:
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            status = client.get(url).status_code
            want = expected(rule, role, visibility)
            if status != want:
                mismatches.append(f"{role:>14} GET {url}: {status}, expected {want}")
    assert not mismatches, "\n".join(mismatches)


def test_posts_are_refused_like_gets(client, world):
    """An outsider cannot change a private community's resource by posting either."""
    _, people = world
    community, resource, args = resource_in(world, "private")
    client.force_login(people["outsider"])
    for name in ["adopt", "useful", "comment_create", "resource_edit", "resource_hide"]:
        url = reverse(f"knowledge:{name}", args=args.get(name, [resource.pk]))
        response = client.post(url, {"note": "x", "body": "x", "reason": "x", "title": "x"})
        assert response.status_code == 404, name
    resource.refresh_from_db()
    assert resource.adoption_count == 0 and resource.useful_count == 0
    assert resource.comments.count() == 1 and not resource.is_hidden


def test_members_only_resource_in_public_community(client, world):
    _, people = world
    community = CommunityFactory(visibility=Community.Visibility.PUBLIC)
    MembershipFactory(community=community, user=people["member"])
    from tests.factories import ResourceFactory

    resource = ResourceFactory(community=community, visibility=Resource.Visibility.MEMBERS)
    url = reverse("knowledge:resource", args=[resource.pk])
    assert client.get(url).status_code == 404
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(people["member"])
    assert client.get(url).status_code == 200
