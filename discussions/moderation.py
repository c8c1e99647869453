"""Discussions and replies as kinds of content members report and conveners hide, through
the shared moderation path (communities.moderation)."""

from django.urls import reverse

from accounts.notifications.services import notifications_withdraw
from communities.moderation.registry import Kind
from communities.moderation.selectors import community_moderators
from core.attachments import attachments_delete
from discussions import permissions
from discussions.models import Discussion, Reply


def _discussion_title(discussion):
    return discussion.title


def _reply_title(reply):
    return f"Reply in {reply.discussion.title}"


# A safe-space discussion never leaves the community: the e-mail telling an author that
# their post was hidden names the community, not the discussion (they open the link).
def _discussion_notice(discussion):
    return {"title": "A safe-space discussion"} if discussion.is_safe_space else {}


def _reply_notice(reply):
    return {"title": "Reply in a safe-space discussion"} if reply.discussion.is_safe_space else {}


# Hidden, it is named in nobody's notifications any more (nor in the next digest's); a
# hidden reply's files are deleted.
def _discussion_hidden(discussion):
    notifications_withdraw(group_key=f"discussion:{discussion.pk}")


def _reply_hide_note(reply):
    count = reply.attachments.count()
    if not count:
        return ""
    files = "Its attached file is" if count == 1 else f"Its {count} attached files are"
    return f"{files} deleted, and not brought back if the reply is shown again."


def _reply_hidden(reply):
    notifications_withdraw(dedupes=[f"reply:{reply.pk}", f"mention:reply-{reply.pk}"])
    # Its files go for good once the hiding commits (a convener hides what should not be
    # there: a file with a patient's details must not wait on a server to be shown again).
    attachments_delete(reply.attachments.all())


DISCUSSION = Kind(
    key="discussion",
    label="discussion",
    model=Discussion,
    community=lambda d: d.community,
    author=lambda d: d.author,
    title=_discussion_title,
    url=lambda d: reverse("discussions:detail", args=[d.pk]),
    hide_url=lambda d: reverse("discussions:hide", args=[d.pk]),
    can_view=permissions.can_view_discussion,
    can_moderate=permissions.can_moderate,
    moderators=lambda d: community_moderators(d.community),
    select_related=("community", "author"),
    notice_context=_discussion_notice,
    on_hide=_discussion_hidden,
)

REPLY = Kind(
    key="reply",
    label="reply",
    model=Reply,
    community=lambda r: r.discussion.community,
    author=lambda r: r.author,
    title=_reply_title,
    url=lambda r: r.get_absolute_url(),
    hide_url=lambda r: reverse("discussions:reply_hide", args=[r.discussion_id, r.pk]),
    can_view=permissions.can_view_reply,
    can_moderate=permissions.can_moderate_reply,
    moderators=lambda r: community_moderators(r.discussion.community),
    select_related=("discussion__community", "author"),
    notice_context=_reply_notice,
    on_hide=_reply_hidden,
    hide_note=_reply_hide_note,
)
