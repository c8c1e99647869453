"""Who may see and do what in communities: one place, each question with its queryset form.

Visibility: public (anyone), listed (signed-in people), private (members only; everyone
else gets a 404 as if it did not exist). Programme managers see the figures and metadata
(name, phase, counts) of every community of their networks on the programme dashboard, and
nothing more of a private one: its pages, charter, meetings and library answer them 404 as
they do any non-member (DESIGN.md's permissions table). Staff see everything.
Content inside a community (members, needs and offers, charter history...) is for its
members, and for staff.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from communities.models import Community, Membership
from core.access import allowed_or_denied, get_visible_or_404


def active_membership(user, community):
    if not user.is_authenticated:
        return None
    # Views call this several times per request: remember the answer on the user object.
    cache = user.__dict__.setdefault("_membership_cache", {})
    if community.pk not in cache:
        cache[community.pk] = Membership.objects.filter(
            community=community, user=user, status=Membership.Status.ACTIVE
        ).first()
    return cache[community.pk]


def can_post_in(user, community):
    """Add to a community (a resource, a discussion): its active members, while it is not
    archived."""
    return (
        user.is_authenticated
        and not community.is_archived
        and active_membership(user, community) is not None
    )


def communities_visible_to(user):
    """Every community this person may know exists."""
    qs = Community.objects.all()
    if not user.is_authenticated:
        return qs.filter(visibility=Community.Visibility.PUBLIC)
    if user.is_staff:
        return qs
    # Correlated EXISTS, not joins: no duplicate rows to remove with DISTINCT, and the planner
    # checks the person's memberships by index instead of joining every membership.
    member = Membership.objects.filter(
        community=OuterRef("pk"), user=user, status=Membership.Status.ACTIVE
    )
    return qs.filter(
        Q(visibility__in=[Community.Visibility.PUBLIC, Community.Visibility.LISTED])
        | Exists(member)
    )


def can_view(user, community):
    if (
        community.visibility == Community.Visibility.PUBLIC
        or user.is_authenticated
        and user.is_staff
    ):
        return True
    if not user.is_authenticated:
        return False
    if community.visibility == Community.Visibility.LISTED:
        return True
    return active_membership(user, community) is not None


def is_member(user, community):
    return active_membership(user, community) is not None


def can_see_content(user, community):
    """Members' things: the member list, needs and offers, the charter's history."""
    return is_member(user, community) or (user.is_authenticated and user.is_staff)


def can_manage(user, community):
    """Conveners and co-conveners (and staff): edit, approve, invite, change phase."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    membership = active_membership(user, community)
    return membership is not None and membership.role in Membership.LEADING_ROLES


def can_manage_network(user, network):
    """Programme managers of the network (and staff)."""
    return user.is_authenticated and (user.is_staff or network.managers.filter(pk=user.pk).exists())


def can_join(user, community):
    return (
        user.is_authenticated
        and not community.is_archived
        and community.join_policy != Community.JoinPolicy.INVITATION
        and not is_member(user, community)
    )


def communities_managed_by(user):
    return Community.objects.filter(
        memberships__user=user,
        memberships__status=Membership.Status.ACTIVE,
        memberships__role__in=Membership.LEADING_ROLES,
    )


def merge_targets(user, community):
    """The communities this person may merge `community` into: active ones they convene
    (or, for staff, any active one), never the community itself."""
    targets = Community.objects.active().exclude(pk=community.pk)
    if user.is_staff:
        return targets
    return targets.filter(pk__in=communities_managed_by(user).values("pk"))


class CommunityMoved(Exception):
    """The community merged into `to`: its pages answer a redirect to the same page of `to`
    (communities.middleware.MergedCommunityMiddleware)."""

    def __init__(self, community, to):
        super().__init__(f"{community.slug} merged into {to.slug}")
        self.community, self.to = community, to


def merge_successor(user, community):
    """Where a merged community's pages lead this person: the community it merged into,
    when they may see it, and only if they may know the merged one existed (a former
    member, or anyone for a community that was not private). None otherwise: they see the
    archived record, or a missing page."""
    into = community.merged_into
    if into is None or not can_view(user, into):
        return None
    if community.visibility == Community.Visibility.PRIVATE and not (
        user.is_staff or Membership.objects.filter(community=community, user=user).exists()
    ):
        return None
    return into


def community_get(user, slug, *, follow_merge=True):
    """The community, if this person may know it exists; 404 otherwise (never 403). A
    merged community's pages lead to the community it merged into (CommunityMoved), except
    its conveners' pages (follow_merge=False), which keep answering for its record."""
    visible = communities_visible_to(user).select_related("network", "merged_into", "split_from")
    try:
        community = get_visible_or_404(visible, slug=slug)
    except Http404:
        if follow_merge:
            # Those who may know a private community existed follow it to where it went.
            merged = Community.objects.filter(slug=slug, merged_into__isnull=False)
            _follow_merge(user, merged.select_related("merged_into").first())
        raise
    if follow_merge:
        _follow_merge(user, community)
    return community


def _follow_merge(user, community):
    """Where a merged community leads this person, if anywhere: raises CommunityMoved."""
    into = merge_successor(user, community) if community is not None else None
    if into is not None:
        raise CommunityMoved(community, into)


def community_get_content(user, slug):
    # Known to exist, but its content is for members: same answer as a missing page.
    return allowed_or_denied(user, community_get(user, slug), can_see_content, "Members only")


def community_get_managed(user, slug):
    return allowed_or_denied(
        user, community_get(user, slug, follow_merge=False), can_manage, "Conveners only"
    )


def profile_visible_in_full(viewer, person):
    """Only people who share a community see more than name and organisation."""
    if viewer.pk == person.pk or viewer.is_staff:
        return True
    shared = Membership.objects.filter(
        user=viewer,
        status=Membership.Status.ACTIVE,
        community__memberships__user=person,
        community__memberships__status=Membership.Status.ACTIVE,
    )
    return shared.exists()
