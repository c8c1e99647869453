"""Reads about meetings, each with its query shape decided once."""

from django.db.models import Count, Q

from meetings.models import ActionItem, Meeting, Registration
from meetings.permissions import community_meetings_visible, meetings_visible_to

REGISTERED = Q(registrations__status=Registration.Status.REGISTERED)
WAITING = Q(registrations__status=Registration.Status.WAITING)


def with_counts(qs):
    return qs.annotate(
        registered_count=Count("registrations", filter=REGISTERED, distinct=True),
        waiting_count=Count("registrations", filter=WAITING, distinct=True),
        attended_count=Count(
            "registrations", filter=Q(registrations__attended=True), distinct=True
        ),
    )


def community_meeting_list(*, user, community):
    qs = with_counts(community_meetings_visible(user, community)).select_related("minutes")
    return qs.upcoming(), qs.past()


def meeting_detail(*, meeting, user):
    counts = (
        with_counts(Meeting.objects.filter(pk=meeting.pk))
        .values("registered_count", "waiting_count", "attended_count")
        .get()
    )
    registration = (
        Registration.objects.filter(meeting=meeting, user=user).first()
        if user.is_authenticated
        else None
    )
    position = None
    if registration and registration.status == Registration.Status.WAITING:
        position = (
            Registration.objects.filter(
                meeting=meeting,
                status=Registration.Status.WAITING,
                waiting_since__lt=registration.waiting_since,
            ).count()
            + 1
        )
    return {**counts, "registration": registration, "waiting_position": position}


def open_actions_before(*, meeting):
    """Open action points of the same community from earlier meetings: carried forward."""
    if not meeting.community_id:
        return ActionItem.objects.none()
    return (
        ActionItem.objects.filter(
            community_id=meeting.community_id,
            status=ActionItem.Status.OPEN,
            meeting__starts_at__lt=meeting.starts_at,
        )
        .select_related("owner", "meeting")
        .order_by("due_date", "pk")
    )


def attended_meetings(*, user):
    return (
        Registration.objects.filter(user=user, attended=True)
        .select_related("meeting", "meeting__community", "meeting__network")
        .order_by("-meeting__starts_at")
    )


def feed_meetings(*, feed):
    user = feed.user
    registered_ids = set(
        Registration.objects.filter(user=user, status=Registration.Status.REGISTERED).values_list(
            "meeting_id", flat=True
        )
    )
    qs = Meeting.objects.filter(pk__in=registered_ids)
    if feed.include_community_meetings:
        qs = Meeting.objects.filter(
            Q(pk__in=registered_ids)
            | Q(
                pk__in=meetings_visible_to(user)
                .filter(community__memberships__user=user, community__memberships__status="active")
                .values("pk")
            )
        )
    return qs.select_related("community", "network").order_by("starts_at"), registered_ids


def my_open_actions(*, user):
    return (
        ActionItem.objects.filter(owner=user, status=ActionItem.Status.OPEN)
        .select_related("community", "meeting")
        .order_by("due_date", "pk")
    )
