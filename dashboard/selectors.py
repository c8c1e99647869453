"""Reads for the home pages."""

from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from communities.models import Community, Invitation, Membership
from communities.permissions import communities_managed_by
from conveners.models import Application
from conveners.selectors import meetings_convened
from dashboard.feed import feed_for
from meetings.models import ActionItem, Meeting, Registration


def welcome_context():
    public = Community.objects.active().filter(visibility=Community.Visibility.PUBLIC)
    return {
        "public_communities": public.select_related("network").annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)
            )
        )[:6],
    }


def home_context(*, user, now=None):
    now = now or timezone.now()
    since = user.last_home_visit or now - timedelta(days=30)
    feed = feed_for([user], since_by_user={user.pk: since}, until=now)[user.pk]
    my_status = (
        Registration.objects.filter(meeting=OuterRef("pk"), user=user)
        .exclude(status="cancelled")
        .values("status")[:1]
    )
    upcoming = (
        # Semi-joins on the person's own memberships and registrations (both small and
        # indexed): joining them would multiply the meetings and need DISTINCT over them all.
        Meeting.objects.filter(
            Q(
                community__in=Membership.objects.filter(
                    user=user, status=Membership.Status.ACTIVE
                ).values("community")
            )
            | Q(
                pk__in=Registration.objects.filter(
                    user=user, status__in=["registered", "waiting"]
                ).values("meeting")
            ),
            status=Meeting.Status.SCHEDULED,
            ends_at__gte=now,
        )
        .annotate(my_status=Subquery(my_status))
        .select_related("community", "network")
        .order_by("starts_at")[:8]
    )
    led = communities_managed_by(user)
    requests = (
        Membership.objects.filter(community__in=led, status=Membership.Status.REQUESTED)
        .select_related("user", "community")
        .order_by("requested_at")[:10]
    )
    invitations = Invitation.objects.filter(
        email__iexact=user.email, status=Invitation.Status.PENDING, expires_at__gt=now
    ).select_related("community")
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
        "actions": ActionItem.objects.filter(
            owner=user, status=ActionItem.Status.OPEN
        ).select_related("community")[:10],
        "join_requests": requests,
        "invitations": invitations,
        "participation": participation,
        "managed_networks": user.managed_networks.order_by("name"),
    }
