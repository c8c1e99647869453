from django.db.models import Q
from django.utils import timezone

from accounts.personal_data import Export, Part
from accounts.retention import Rule, register_rule, updating
from meetings.models import (
    ActionItem,
    CalendarFeed,
    MeetingGuest,
    Registration,
    SeriesRegistration,
)

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
        "guest_attendance",
        "Meetings you came to as a guest before you had an account, as the convener "
        "recorded you, and when your account claimed them (each is also a registration).",
        "meetings.MeetingGuest",
        "user",
        (
            "meeting__title",
            "meeting__starts_at",
            "name",
            "organisation",
            "email",
            "claimed_at",
            "created_at",
        ),
    ),
    Part(
        "guests_you_recorded",
        "Guests you recorded at meetings you ran: which meeting and when (the guests' own "
        "details are theirs, not repeated here).",
        "meetings.MeetingGuest",
        "recorded_by",
        ("meeting__title", "meeting__starts_at", "created_at"),
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
    # The name, organisation and address they came under as a guest: the attendance itself
    # stays as their registration, like every other.
    MeetingGuest.objects.filter(user=user).delete()
    if remove_contributions:
        ActionItem.objects.filter(owner=user).update(owner=None)


# --- retention ---------------------------------------------------------------------------------


def _guests_due(cutoff):
    # Guests no account claimed, of meetings long past: the row stays (it counts in the
    # meeting's attendance), with the organisation, which names no one.
    return MeetingGuest.objects.filter(user__isnull=True, meeting__starts_at__lt=cutoff).exclude(
        Q(name="") & Q(email="")
    )


register_rule(
    Rule(
        "meeting_guests",
        "The name and e-mail address of guests without an account recorded at meetings "
        "(counted from the meeting); the guest still counts in its attendance, with their "
        "organisation.",
        _guests_due,
        updating(MeetingGuest, name="", email=""),
    )
)
