"""Every yes/no permission question agrees with its queryset form.

Lists and most pages fetch through the queryset (core.access.get_visible_or_404), a
meeting's page and templates and services ask the yes/no form of the same rule
(core.access.get_allowed_or_404): for every kind of person (tests/conftest.py
ROLES) and every community visibility, both must give the same answer for every object of
a world with each kind of meeting, resource and story, hidden ones and a merged community's
record included.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from communities import permissions as community_permissions
from communities.models import Community, Membership
from knowledge import permissions as knowledge_permissions
from knowledge.models import Resource, Story, Visibility
from meetings import permissions as meeting_permissions
from meetings.models import Meeting, Registration
from tests.conftest import ROLES
from tests.factories import CommunityFactory, MembershipFactory, ResourceFactory, StoryFactory

VISIBILITIES = ["public", "listed", "private"]


def _meeting(**fields):
    start = timezone.now() + timedelta(days=3)
    return Meeting.objects.create(
        title="A meeting", starts_at=start, ends_at=start + timedelta(hours=1), **fields
    )


def _place(world, visibility):
    """A community of the visibility with its member and convener, the record of a private
    community that merged into it, and every kind of meeting, resource and story."""
    network, people = world
    community = CommunityFactory(network=network, visibility=visibility)
    MembershipFactory(community=community, user=people["member"])
    MembershipFactory(community=community, user=people["convener"], role=Membership.Role.CONVENER)
    merged = CommunityFactory(
        network=network, visibility=Community.Visibility.PRIVATE, merged_into=community
    )
    for place in (community, merged):
        for meeting_visibility in Meeting.Visibility.values:
            _meeting(community=place, visibility=meeting_visibility)
    # Network events, and people registered for them without belonging to the network: a
    # registration or a place on the waiting list lets them see it, a cancelled one does not.
    registered = {
        Registration.Status.REGISTERED: people["outsider"],
        Registration.Status.WAITING: people["other_convener"],
        Registration.Status.CANCELLED: people["other_manager"],
    }
    for meeting_visibility in Meeting.Visibility.values:
        event = _meeting(network=network, visibility=meeting_visibility)
        for status, person in registered.items():
            Registration.objects.create(meeting=event, user=person, status=status)
    for item_visibility in Visibility.values:
        ResourceFactory(community=community, visibility=item_visibility)
        ResourceFactory(community=None, network=network, visibility=item_visibility)
        StoryFactory(community=community, visibility=item_visibility)
        ResourceFactory(
            community=community,
            visibility=item_visibility,
            owner=people["member"],
            status=Resource.Status.HIDDEN,
        )
        StoryFactory(
            community=community,
            visibility=item_visibility,
            author=people["member"],
            is_hidden=True,
        )
    ResourceFactory(community=None, network=network, owner=None, status=Resource.Status.HIDDEN)


def _disagreements(person, objects, can, queryset):
    visible = set(queryset.values_list("pk", flat=True))
    return [
        (str(obj), can(person, obj)) for obj in objects if can(person, obj) != (obj.pk in visible)
    ]


@pytest.fixture(params=VISIBILITIES)
def place(request, world):
    _place(world, request.param)
    return world


@pytest.mark.parametrize("role", ROLES)
def test_each_permission_agrees_with_its_queryset(place, role):
    _network, people = place
    person = AnonymousUser() if role == "anonymous" else people[role]
    twins = [
        (
            Community.objects.select_related("merged_into"),
            community_permissions.can_view,
            community_permissions.communities_visible_to,
        ),
        (
            Meeting.objects.select_related("community", "network"),
            meeting_permissions.can_view,
            meeting_permissions.meetings_visible_to,
        ),
        (
            Resource.objects.select_related("community", "network", "owner"),
            knowledge_permissions.can_view_resource,
            knowledge_permissions.resource_pages_visible_to,
        ),
        (
            Story.objects.select_related("community"),
            knowledge_permissions.can_view_story,
            knowledge_permissions.story_pages_visible_to,
        ),
    ]
    for objects, can, visible_to in twins:
        assert _disagreements(person, objects, can, visible_to(person)) == [], can.__qualname__


@pytest.mark.parametrize("role", ROLES)
def test_the_lists_are_the_pages_less_what_is_hidden(place, role):
    """What lists show is what the pages open, less hidden resources and stories, whose pages
    stay open to their authors and moderators only."""
    _network, people = place
    person = AnonymousUser() if role == "anonymous" else people[role]
    pages = knowledge_permissions.resource_pages_visible_to(person)
    assert set(knowledge_permissions.resources_visible_to(person)) == set(
        pages.filter(status=Resource.Status.PUBLISHED)
    )
    stories = knowledge_permissions.story_pages_visible_to(person)
    assert set(knowledge_permissions.stories_visible_to(person)) == set(
        stories.filter(is_hidden=False)
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_communitys_resources_are_the_whole_rule_narrowed_to_it(place, role):
    """community_resources_visible_to (a community's page and forms) works the rule out for
    one community: for every community of the world, the same resources as the whole rule
    narrowed to it."""
    _network, people = place
    person = AnonymousUser() if role == "anonymous" else people[role]
    for community in Community.objects.all():
        whole = knowledge_permissions.resources_visible_to(person).filter(community=community)
        narrowed = knowledge_permissions.community_resources_visible_to(person, community)
        assert set(narrowed) == set(whole), community
    assert Resource.objects.filter(community__isnull=False).exists()
