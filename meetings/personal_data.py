from django.utils import timezone

from meetings.models import ActionItem, CalendarFeed, Registration


def export(user):
    return {
        "registrations": list(
            Registration.objects.filter(user=user).values(
                "meeting__title",
                "meeting__starts_at",
                "meeting__ends_at",
                "status",
                "attended",
                "walk_in",
            )
        ),
        "action_points": list(
            ActionItem.objects.filter(owner=user).values(
                "description", "due_date", "status", "meeting__title"
            )
        ),
    }


def erase(user, *, remove_contributions):
    from meetings.services import registration_cancel

    # Places in coming meetings go to the waiting list, as if the person had cancelled.
    for registration in Registration.objects.filter(
        user=user, status__in=["registered", "waiting"], meeting__starts_at__gt=timezone.now()
    ):
        registration_cancel(registration=registration)
    CalendarFeed.objects.filter(user=user).delete()
    if remove_contributions:
        ActionItem.objects.filter(owner=user).update(owner=None)
