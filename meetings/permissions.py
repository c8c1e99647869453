"""Who may see, register for and run a meeting; each rule with its queryset form.

A community meeting is visible to those who may see its community, and, when it is for
members only, to its members (and staff). A merged community's meetings stay with its record,
read by the members of the community it merged into. A network event is visible to the members of
any community of the network and its programme managers, or to anyone when public.
Everyone else gets a 404.

An action point keeps the audience of the minutes it was agreed in: once they are published,
whoever may see that meeting; before, only the community's conveners (and staff). Wherever an
action point is shown (the next meeting's page, home, "my actions", e-mails), it is read
through actions_visible_to, never by community alone.
"""

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from communities import permissions as community_permissions
from communities.models import Community, Membership, Network
from core.access import allowed_or_denied, get_allowed_or_404, get_visible_or_404
from meetings.models import ActionItem, Meeting, Minutes, Registration


def _member_of_network(user, network_id):
    return Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, community__network_id=network_id
    ).exists()


def _member_of_successor(user, community):
    """A merged community's record (its past meetings, their minutes and the action points
    agreed in them, now carried on in the community it joined) is read by the members of
    the community it merged into, as its own members read it before the merge closed their
    memberships."""
    return (
        user.is_authenticated
        and community.merged_into_id is not None
        and Membership.objects.filter(
            user=user, status=Membership.Status.ACTIVE, community_id=community.merged_into_id
        ).exists()
    )


def can_view(user, meeting):
    if user.is_authenticated and user.is_staff:
        return True
    if user.is_authenticated and meeting.community_id is None and _registered(user, meeting):
        return True  # e.g. a participant of a programme whose sessions are network events
    if meeting.community_id and _member_of_successor(user, meeting.community):
        return True
    if meeting.community_id:
        community = meeting.community
        if not community_permissions.can_view(user, community):
            return False
        if meeting.visibility == Meeting.Visibility.PUBLIC:
            return True
        return community_permissions.is_member(user, community)
    if meeting.visibility == Meeting.Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    return meeting.network.managers.filter(pk=user.pk).exists() or _member_of_network(
        user, meeting.network_id
    )


def _registered(user, meeting):
    from meetings.models import Registration

    return Registration.objects.filter(
        meeting=meeting,
        user=user,
        status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
    ).exists()


def can_manage(user, meeting):
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if meeting.community_id:
        return community_permissions.can_manage(user, meeting.community)
    return meeting.network.managers.filter(pk=user.pk).exists()


can_manage_network = community_permissions.can_manage_network


def meetings_visible_to(user):
    qs = Meeting.objects.all()
    if user.is_authenticated and user.is_staff:
        return qs
    visible_communities = community_permissions.communities_visible_to(user).values("pk")
    public_community_meeting = Q(
        community__in=visible_communities, visibility=Meeting.Visibility.PUBLIC
    )
    public_event = Q(community__isnull=True, visibility=Meeting.Visibility.PUBLIC)
    if not user.is_authenticated:
        return qs.filter(public_community_meeting | public_event)
    member_of_community = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, community=OuterRef("community")
    )
    member_of_successor = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, community=OuterRef("community__merged_into")
    )
    member_of_network = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, community__network=OuterRef("network")
    )
    manager_of_network = Network.managers.through.objects.filter(
        network_id=OuterRef("network_id"), user_id=user.pk
    )
    registered = Registration.objects.filter(
        meeting=OuterRef("pk"),
        user=user,
        status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
    )
    # Correlated EXISTS throughout: joining registrations or managers here would multiply the
    # rows (and need DISTINCT over every meeting).
    return qs.filter(
        public_community_meeting
        | public_event
        | Q(community__isnull=False, community__in=visible_communities)
        & Exists(member_of_community)
        | Q(community__merged_into__isnull=False) & Exists(member_of_successor)
        | Q(community__isnull=True)
        & (Exists(member_of_network) | Exists(manager_of_network) | Exists(registered))
    )


def meeting_get(user, pk):
    """The meeting, if this person may see it (can_view); 404 otherwise (never 403)."""
    meetings = Meeting.objects.select_related(
        "community", "community__network", "network", "series"
    )
    return get_allowed_or_404(user, meetings, can_view, pk=pk)


def meeting_get_managed(user, pk):
    return allowed_or_denied(user, meeting_get(user, pk), can_manage, "Conveners only")


def guest_get_managed(user, meeting_pk, guest_pk):
    """An unclaimed guest of a meeting this person runs (a claimed one is the person's own
    registration now); anything else is not found."""
    meeting = meeting_get_managed(user, meeting_pk)
    return get_object_or_404(meeting.guests.filter(user__isnull=True), pk=guest_pk)


def community_meetings_visible(user, community: Community):
    qs = Meeting.objects.filter(community=community)
    if (
        community_permissions.is_member(user, community)
        or (user.is_authenticated and user.is_staff)
        or _member_of_successor(user, community)
    ):
        return qs
    return qs.filter(visibility=Meeting.Visibility.PUBLIC)


def actions_visible_to(user, *, among=None):
    """The action points this person may read: those of published minutes of a meeting they
    may see, and every one of the communities they convene (drafts included).

    `among`, the action points to choose from (one community's, a person's own, one), is
    read through the same rule worked out in Python for the few communities their meetings
    were held in (_among_readable), instead of building the set of every meeting of the
    database the person may see: the same answer (tests/meetings/test_action_audience.py)
    for a tenth of the Python."""
    qs = ActionItem.objects.all() if among is None else among
    if user.is_authenticated and user.is_staff:
        return qs
    published = Minutes.objects.filter(meeting=OuterRef("meeting"), status=Minutes.Status.PUBLISHED)
    if among is not None:
        return qs.filter(_among_readable(user, among, Exists(published)))
    readable = Exists(published) & Q(meeting__in=meetings_visible_to(user).values("pk"))
    if not user.is_authenticated:
        return qs.filter(readable)
    convened = community_permissions.communities_managed_by(user).values("pk")
    return qs.filter(readable | Q(community__in=convened))


def _among_readable(user, among, published):
    """The condition on action points of `among` this person may read: their meeting is one
    they may see, for the communities the meetings of `among` were held in (an action point
    is agreed at a community's meeting: minutes are a community's), and its minutes are
    published; or they convene its community. Each meeting community's part is the meeting
    rule: all its meetings for the members of the community it merged into and for its own
    members; the public ones for anyone else who may see it; none otherwise. Every
    community is named in the condition (no subquery): with one under the OR, PostgreSQL
    hashed every published minutes of the platform (27 ms) instead of probing each action
    point's. Two queries."""
    held_in = list(
        Community.objects.filter(pk__in=among.order_by().values("meeting__community_id")).only(
            "pk", "visibility", "merged_into_id"
        )
    )
    if not held_in:  # no action point to choose from
        return Q(pk__in=[])
    roles = {}
    if user.is_authenticated:
        places = ({c.pk for c in held_in} | {c.merged_into_id for c in held_in}) - {None}
        roles = dict(
            Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
            .filter(Q(community_id__in=places) | Q(role__in=Membership.LEADING_ROLES))
            .values_list("community_id", "role")
        )
    clauses = []
    for source in held_in:
        if source.pk in roles or source.merged_into_id in roles:
            clauses.append(Q(meeting__community=source))
        elif source.visibility == Community.Visibility.PUBLIC or (
            user.is_authenticated and source.visibility == Community.Visibility.LISTED
        ):
            clauses.append(
                Q(meeting__community=source, meeting__visibility=Meeting.Visibility.PUBLIC)
            )
    readable = published & reduce(or_, clauses) if clauses else Q(pk__in=[])
    convened = [c for c, role in roles.items() if role in Membership.LEADING_ROLES]
    return readable | Q(community__in=convened) if convened else readable


def community_actions_visible_to(user, community):
    """The action points of `community` this person may read (the community's conveners:
    every one, drafts' included)."""
    actions = ActionItem.objects.filter(community=community)
    if community_permissions.can_manage(user, community):
        return actions
    return actions_visible_to(user, among=actions)


def action_get(user, pk):
    """The action point, if this person may read it; 404 otherwise (never 403)."""
    visible = actions_visible_to(user, among=ActionItem.objects.filter(pk=pk))
    visible = visible.select_related("community", "meeting")
    return get_visible_or_404(visible, pk=pk)


def can_view_action(user, action):
    return actions_visible_to(user, among=ActionItem.objects.filter(pk=action.pk)).exists()
