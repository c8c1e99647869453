from django.utils import timezone

from accounts.personal_data import Export, Part
from meetings.models import ActionItem, CalendarFeed, Registration, SeriesRegistration

export = Export(
    Part(
        "registrations",
        "Meetings you registered for, your place (or waiting list) and your attendance.",
        "meetings.Registration",
        "user",
        (
            "meeting__title",
            "meeting__community__name",
            "meeting__starts_at",
            "meeting__ends_at",
            "status",
            "waiting_since",
            "attended",
            "walk_in",
            "created_at",
        ),
    ),
    Part(
        "series_registrations",
        "Series of meetings you registered for as a whole.",
        "meetings.SeriesRegistration",
        "user",
        ("series__title", "series__community__name", "created_at"),
    ),
    Part(
        "action_points",
        "Action points given to you in meetings.",
        "meetings.ActionItem",
        "owner",
        ("description", "due_date", "status", "done_at", "meeting__title", "community__name"),
    ),
    Part(
        "calendar_feed",
        "Whether you have a personal calendar feed, and since when (its secret link is not "
        "repeated here).",
        "meetings.CalendarFeed",
        "user",
        ("include_community_meetings", "created_at"),
    ),
    Part(
        "meetings_you_scheduled",
        "Meetings you scheduled as a convener.",
        "meetings.Meeting",
        "created_by",
        ("title", "community__name", "starts_at", "status", "created_at"),
    ),
    Part(
        "meeting_series_you_created",
        "Series of meetings you set up.",
        "meetings.MeetingSeries",
        "created_by",
        ("title", "community__name", "created_at"),
    ),
    Part(
        "minutes_you_published",
        "Minutes you published.",
        "meetings.Minutes",
        "published_by",
        ("meeting__title", "published_at"),
    ),
)


def erase(user, *, remove_contributions):
    from meetings.services import registration_cancel

    # Places in coming meetings go to the waiting list, as if the person had cancelled.
    for registration in Registration.objects.filter(
        user=user, status__in=["registered", "waiting"], meeting__starts_at__gt=timezone.now()
    ):
        registration_cancel(registration=registration)
    CalendarFeed.objects.filter(user=user).delete()
    SeriesRegistration.objects.filter(user=user).delete()  # no place in meetings added later
    if remove_contributions:
        ActionItem.objects.filter(owner=user).update(owner=None)
