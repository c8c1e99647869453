"""What the meetings app does when something happens in the apps below it (connected in
MeetingsConfig.ready)."""

from django.utils import timezone

from meetings import services
from meetings.models import Meeting


def cancel_future_meetings(sender, community, actor, **kwargs):
    """An archived community meets no more: its future meetings are cancelled, and the people
    registered or waiting are told (their calendars follow the cancellation)."""
    upcoming = Meeting.objects.filter(
        community=community, starts_at__gt=timezone.now(), status=Meeting.Status.SCHEDULED
    )
    for meeting in upcoming:
        services.meeting_cancel(
            meeting=meeting,
            actor=actor,
            reason=f"{community.name} has been archived: it will not meet again.",
        )
