"""What meetings tell people in the notification centre: a meeting announced, a meeting one
registered for moved, minutes published. Each is e-mailed as before, under its own switch
(meeting announcements, minutes; a move always): these kinds are the centre's only
(email_template None), so no event is e-mailed twice. Registered from MeetingsConfig.ready().
"""

from django.urls import reverse

from accounts.notifications.registry import NotificationKind
from accounts.notifications.services import notify

MEETING_NEW = NotificationKind("meeting_new", "A meeting is announced in your communities", None)
MEETING_CHANGED = NotificationKind("meeting_changed", "A meeting you registered for moves", None)
MINUTES_PUBLISHED = NotificationKind(
    "minutes_published", "Minutes of a meeting are published", None
)
KINDS = (MEETING_NEW, MEETING_CHANGED, MINUTES_PUBLISHED)

# No time in the text: it is stored once for everyone, whatever time zone each reads in.
TEXTS = {
    MEETING_NEW.key: "New meeting: {title}",
    MEETING_CHANGED.key: "{title} has moved: see its new time",
    MINUTES_PUBLISHED.key: "Minutes published: {title}",
}


def meeting_notify(*, meeting, people, kind, dedupe, actor=None, text=None):
    """Tell these people about this meeting in the centre, grouped with everything else
    about it."""
    host = meeting.community if meeting.community_id else meeting.network
    return notify(
        recipients=people,
        kind=kind,
        dedupe=dedupe,
        group_key=f"meeting:{meeting.pk}",
        group_title=f"{meeting.title} ({host.name})",
        text=text or TEXTS[kind].format(title=meeting.title),
        url=reverse("meetings:detail", args=[meeting.pk]),
        actor=actor,
    )
