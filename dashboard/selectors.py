"""Reads for the home pages."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from communities.models import Community, Invitation, Membership
from conveners.models import Application
from conveners.selectors import meetings_convened
from dashboard.updates import updates_for
from meetings.models import ActionItem, Meeting, Registration, SeriesRegistration
from meetings.permissions import actions_visible_to


def welcome_context():
    public = Community.objects.active().filter(visibility=Community.Visibility.PUBLIC)
    return {
        "public_communities": public.select_related("network").annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)
            )
        )[:6],
    }


def upcoming_meetings(*, user, now=None, community_ids=None, limit=8):
    """The next meetings of the person's communities and those they are registered or waiting
    for elsewhere (network events, say), soonest first, each with `my_status`: "registered",
    "waiting" or None. `community_ids`: their active communities, when already read."""
    now = now or timezone.now()
    if community_ids is None:
        community_ids = list(
            Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
                "community_id", flat=True
            )
        )
    mine = dict(
        Registration.objects.filter(
            user=user,
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
            meeting__ends_at__gte=now,
        ).values_list("meeting_id", "status")
    )
    # Both sets as lists of ids: the planner reads them from the indexes on (community,
    # ends_at) and on the key (a BitmapOr) and sorts the hundred or so rows left. Two things
    # keep it from walking the index on (status, starts_at) instead, through every meeting
    # of the platform that has already ended (tens of thousands): "not cancelled" rather
    # than "scheduled" (the same meetings: a meeting is one or the other), which that index
    # cannot serve in order, and no sub-select under the OR. The soonest are picked first,
    # and only they are joined to their community or network.
    # A series is one row, its next meeting: seven "not registered" rows of one monthly
    # series said nothing the first did not. A meeting is left out when an earlier one of
    # its series is still to come (a probe of the index on series for each candidate).
    earlier_of_its_series = (
        Meeting.objects.filter(series=OuterRef("series"), ends_at__gte=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .filter(
            Q(starts_at__lt=OuterRef("starts_at"))
            | Q(starts_at=OuterRef("starts_at"), pk__lt=OuterRef("pk"))
        )
    )
    soonest = (
        Meeting.objects.filter(Q(community__in=community_ids) | Q(pk__in=list(mine)))
        .filter(ends_at__gte=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .exclude(Exists(earlier_of_its_series))
        .order_by("starts_at", "pk")
        .values("pk")[:limit]
    )
    meetings = list(
        Meeting.objects.filter(pk__in=soonest)
        .select_related("community", "network")
        .only(
            "title",
            "starts_at",
            "community_id",
            "network_id",
            "series_id",
            "community__name",
            "network__name",
        )
        .order_by("starts_at", "pk")
    )
    series_ids = {meeting.series_id for meeting in meetings if meeting.series_id}
    to_come, followed = {}, set()
    if series_ids:
        to_come = dict(
            Meeting.objects.filter(series_id__in=series_ids, ends_at__gte=now)
            .exclude(status=Meeting.Status.CANCELLED)
            .order_by()
            .values("series_id")
            .annotate(n=Count("pk"))
            .values_list("series_id", "n")
        )
        followed = set(
            SeriesRegistration.objects.filter(user=user, series_id__in=series_ids).values_list(
                "series_id", flat=True
            )
        )
    for meeting in meetings:
        meeting.my_status = mine.get(meeting.pk)
        # For a series' row: how many of its meetings are to come, and whether the person
        # registered for all of them.
        meeting.series_to_come = to_come.get(meeting.series_id, 0)
        meeting.follows_series = meeting.series_id in followed
    return meetings


def home_context(*, user, now=None):
    now = now or timezone.now()
    since = user.last_home_visit or now - timedelta(days=30)
    # The same updates as the digest, in the same order: what needs the person, then what is
    # new, grouped by community.
    feed = updates_for([user], since_by_user={user.pk: since}, now=now)[user.pk]
    upcoming = upcoming_meetings(
        user=user, community_ids=[group.community.pk for group in feed["communities"]], now=now
    )
    # The lists below read only the columns the page shows: building the SQL and the rows of
    # whole people and communities (long texts among them) was most of their cost.
    invitations = (
        Invitation.objects.filter(
            email__iexact=user.email, status=Invitation.Status.PENDING, expires_at__gt=now
        )
        .select_related("community")
        .only("token", "community", "community__name")
    )
    participation = []
    for application in Application.objects.filter(
        applicant=user, status=Application.Status.ACCEPTED
    ).select_related("programme"):
        next_session = (
            application.programme.sessions.filter(meeting__starts_at__gte=now)
            .select_related("meeting")
            .order_by("meeting__starts_at")
            .first()
        )
        participation.append(
            {
                "application": application,
                "next_session": next_session,
                "convened": meetings_convened(application=application).count(),
            }
        )
    return {
        "since": since,
        "feed": feed,
        "upcoming": upcoming,
        # Through the same rule as "my actions": published minutes of a meeting they may see.
        # Those due soon are already at the top, under what needs them: listed once.
        "actions": actions_visible_to(user)
        .filter(owner=user, status=ActionItem.Status.OPEN)
        .exclude(pk__in=[a.pk for a in feed["needs"]["actions"]])
        .select_related("community")
        .only("description", "due_date", "community", "community__name")[:10],
        "invitations": invitations,
        "participation": participation,
        "managed_networks": user.managed_networks.only("slug", "name").order_by("name"),
    }
