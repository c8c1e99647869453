"""What the meetings app does when something happens in the apps below it (connected in
MeetingsConfig.ready)."""

from django.utils import timezone

from meetings import services
from meetings.models import ActionItem, Meeting
from meetings.selectors import meetings_to_carry


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


def merge_meetings(sender, community, into, actor, **kwargs):
    """A merged community's future meetings and open action points go on in `into`."""
    meetings = services.meetings_transfer(community=community, to=into, actor=actor)
    actions = services.actions_transfer(community=community, to=into, actor=actor)
    return {"meetings": len(meetings), "actions": actions}


def split_meetings(sender, community, new, actor, chosen, **kwargs):
    """The future meetings the convener chose go to the community split off."""
    meeting_ids = chosen.get("meetings")
    if not meeting_ids:
        return {"meetings": 0}
    meetings = services.meetings_transfer(
        community=community, to=new, actor=actor, meeting_ids=meeting_ids
    )
    return {"meetings": len(meetings)}


# What a merge or a split would move, for the screens that say so before it happens.
def future_meetings_count(community):
    return meetings_to_carry(community=community).count()


def future_meetings_choices(community):
    return [
        (m.pk, f"{m.title}, {timezone.localtime(m.starts_at):%-d %B %Y, %H:%M}")
        for m in meetings_to_carry(community=community)
    ]


def open_actions_count(community):
    return ActionItem.objects.filter(community=community, status=ActionItem.Status.OPEN).count()
