"""Who may see and do what in the library: each question with its queryset form.

A resource's own visibility (community members / every signed-in user / public) never
makes it more visible than its community: a resource in a private community is for that
community's members (and staff) whatever it says; one in a listed community is for
signed-in people at most. Network-wide resources (no community) follow their own setting,
"members" meaning the network's managers and the members of its communities.
Programme managers see the metadata of their communities, not their private content.
Hidden resources are out of every list; their page stays open to the owner, the
community's conveners and staff, so they can read why.
Whatever a person may not see answers 404, never 403.
"""

from django.db.models import Q

from communities.models import Community, Membership, Network
from communities.moderation.permissions import can_report
from communities.permissions import (
    active_membership,
    can_manage,
    communities_managed_by,
    communities_visible_to,
)
from core.access import AccessDenied, allowed_or_denied, get_visible_or_404
from knowledge.models import Resource, Story, Visibility

OPEN_COMMUNITY = [Community.Visibility.PUBLIC, Community.Visibility.LISTED]
OPEN_ITEM = [Visibility.SIGNED_IN, Visibility.PUBLIC]


def _network_member(user, network):
    if network is None:
        return False
    cache = user.__dict__.setdefault("_network_member_cache", {})
    if network.pk not in cache:
        cache[network.pk] = (
            network.managers.filter(pk=user.pk).exists()
            or Membership.objects.filter(
                user=user, community__network=network, status=Membership.Status.ACTIVE
            ).exists()
        )
    return cache[network.pk]


def _visibility_q(user, *, network_wide=True):
    """The Q that says which rows (resources, or stories with network_wide=False) this
    person may see."""
    if not user.is_authenticated:
        in_public = Q(community__visibility=Community.Visibility.PUBLIC)
        if network_wide:
            in_public |= Q(community__isnull=True)
        return Q(visibility=Visibility.PUBLIC) & in_public
    if user.is_staff:
        return Q()
    # Uncorrelated IN subqueries: under OR, PostgreSQL hashes each once, where a correlated
    # EXISTS would run once per row (per matching resource, in a search).
    mine = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
    open_communities = Community.objects.filter(visibility__in=OPEN_COMMUNITY).values("pk")
    in_community = Q(community__in=mine.values("community")) | Q(
        community__in=open_communities, visibility__in=OPEN_ITEM
    )
    if not network_wide:
        return in_community
    network_member = Q(network__in=mine.values("community__network")) | Q(
        network__in=Network.managers.through.objects.filter(user=user).values("network")
    )
    in_network = Q(community__isnull=True) & (Q(visibility__in=OPEN_ITEM) | network_member)
    return (Q(community__isnull=False) & in_community) | in_network


def resources_visible_to(user):
    """Every published resource this person may know exists (hidden ones are in no list)."""
    return Resource.objects.filter(_visibility_q(user), status=Resource.Status.PUBLISHED)


def community_resources_visible_to(user, community):
    """resources_visible_to(user) narrowed to one community, the rule worked out here for
    it (community_resource_rule). Building the whole rule (four subqueries) cost a community
    page more than reading its panel; tests/test_permission_twins.py holds both to the same
    rows."""
    rule = community_resource_rule(user, community)
    if rule is None:
        return Resource.objects.none()
    return Resource.objects.filter(rule, community=community, status=Resource.Status.PUBLISHED)


def community_resource_rule(user, community):
    """Which published resources of `community` this person may see, as a condition on
    the resource (Q(): all of them), or None: none. Every one for its members and staff;
    for anyone else, those open to signed-in people in a public or listed community, and
    to the public in a public one."""
    if not user.is_authenticated:
        if community.visibility == Community.Visibility.PUBLIC:
            return Q(visibility=Visibility.PUBLIC)
        return None
    if user.is_staff or active_membership(user, community) is not None:
        return Q()
    if community.visibility in OPEN_COMMUNITY:
        return Q(visibility__in=OPEN_ITEM)
    return None


def stories_visible_to(user):
    """Every story this person may know exists: hidden ones are in no list, feed or count,
    whoever looks (their page stays open to the author, the conveners and staff)."""
    return Story.objects.filter(_visibility_q(user, network_wide=False), is_hidden=False)


def _moderated_by(user):
    """The Q of the resources whose community this person convenes or, network-wide, whose
    network they manage: can_moderate's twin."""
    convened = Q(community__in=communities_managed_by(user).values("pk"))
    managed = Network.managers.through.objects.filter(user=user).values("network")
    return convened | Q(community__isnull=True, network__in=managed)


def resource_pages_visible_to(user):
    """Every resource whose page this person may open (can_view_resource's twin): those
    they may see, and hidden ones to their owner, their moderators and staff, who read why."""
    shown = Q(_visibility_q(user), status=Resource.Status.PUBLISHED)
    if not user.is_authenticated:
        return Resource.objects.filter(shown)
    if user.is_staff:
        return Resource.objects.all()
    hidden = Q(status=Resource.Status.HIDDEN) & (Q(owner=user) | _moderated_by(user))
    return Resource.objects.filter(shown | hidden)


def story_pages_visible_to(user):
    """Every story whose page this person may open (can_view_story's twin): those they may
    see, and hidden ones to their author, the community's conveners and staff."""
    shown = Q(_visibility_q(user, network_wide=False), is_hidden=False)
    if not user.is_authenticated:
        return Story.objects.filter(shown)
    if user.is_staff:
        return Story.objects.all()
    convened = Q(community__in=communities_managed_by(user).values("pk"))
    return Story.objects.filter(shown | Q(is_hidden=True) & (Q(author=user) | convened))


def _item_visible(user, *, community, network, visibility):
    if user.is_authenticated and user.is_staff:
        return True
    if community is not None:
        if user.is_authenticated and active_membership(user, community) is not None:
            return True
        if visibility == Visibility.PUBLIC and community.visibility == Community.Visibility.PUBLIC:
            return True
        return (
            user.is_authenticated
            and visibility in OPEN_ITEM
            and community.visibility in OPEN_COMMUNITY
        )
    if visibility == Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    return visibility == Visibility.SIGNED_IN or _network_member(user, network)


def can_moderate(user, resource):
    """Conveners of the resource's community (or managers of its network) and staff."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if resource.community_id:
        return can_manage(user, resource.community)
    return resource.network.managers.filter(pk=user.pk).exists()


def can_take_over(user, resource):
    """A resource whose owner has left (closed account, or none recorded) can be taken over
    by one of those who look after it in the meantime."""
    orphaned = resource.owner_id is None or not resource.owner.is_active
    return orphaned and not resource.is_hidden and can_moderate(user, resource)


def can_view_resource(user, resource):
    if resource.is_hidden:
        return user.is_authenticated and (
            user.is_staff or resource.owner_id == user.pk or can_moderate(user, resource)
        )
    return _item_visible(
        user, community=resource.community, network=resource.network, visibility=resource.visibility
    )


def can_edit_resource(user, resource):
    """The owner (while they may still see it), the community's conveners, staff."""
    if not user.is_authenticated:
        return False
    if resource.owner_id == user.pk and can_view_resource(user, resource):
        return True
    return can_moderate(user, resource)


def can_take_part(user, resource):
    """Comment, mark useful, record an adoption: any signed-in person who may see it."""
    return user.is_authenticated and not resource.is_hidden and can_view_resource(user, resource)


def can_moderate_story(user, story):
    """Conveners of the story's community and staff."""
    return can_manage(user, story.community)


def can_view_story(user, story):
    if story.is_hidden:
        return user.is_authenticated and (
            story.author_id == user.pk or can_moderate_story(user, story)
        )
    return _item_visible(user, community=story.community, network=None, visibility=story.visibility)


def can_view_comment(user, comment):
    """Who may see it where it is shown: a hidden comment only its author and the
    resource's moderators, told why; the others do not see it at all."""
    resource = comment.resource
    if comment.is_hidden and not (
        user.is_authenticated and (comment.author_id == user.pk or can_moderate(user, resource))
    ):
        return False
    return can_view_resource(user, resource)


def communities_to_post_in(user):
    if not user.is_authenticated:
        return Community.objects.none()
    return Community.objects.filter(
        memberships__user=user,
        memberships__status=Membership.Status.ACTIVE,
        status=Community.Status.ACTIVE,
    ).order_by("name")


def networks_to_post_in(user):
    if not user.is_authenticated:
        return Network.objects.none()
    return user.managed_networks.order_by("name")


def resource_get(user, pk):
    """The resource, if this person may open its page; 404 otherwise (never 403)."""
    visible = resource_pages_visible_to(user).select_related(
        "community", "network", "owner", "superseded_by"
    )
    return get_visible_or_404(visible, pk=pk)


def resource_get_editable(user, pk):
    return allowed_or_denied(user, resource_get(user, pk), can_edit_resource, "Not yours to change")


def resource_get_moderated(user, pk):
    return allowed_or_denied(user, resource_get(user, pk), can_moderate, "Conveners only")


def resource_get_orphaned(user, pk):
    return allowed_or_denied(
        user,
        resource_get(user, pk),
        can_take_over,
        "Only a resource whose owner has left can be taken over",
    )


def resource_get_for_taking_part(user, pk):
    return allowed_or_denied(user, resource_get(user, pk), can_take_part, "No such resource")


def story_get(user, pk):
    """The story, if this person may open its page; 404 otherwise (never 403)."""
    return get_visible_or_404(
        story_pages_visible_to(user).select_related("community", "author"), pk=pk
    )


def story_get_moderated(user, pk):
    return allowed_or_denied(user, story_get(user, pk), can_moderate_story, "Conveners only")


def story_get_for_reporting(user, pk):
    story = story_get(user, pk)
    if not can_report(user, story, can_view=can_view_story):
        raise AccessDenied("No such story")
    return story


__all__ = ["communities_visible_to", "resources_visible_to", "stories_visible_to"]
