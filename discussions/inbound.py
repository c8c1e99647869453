"""Replies by e-mail to a discussion (accounts.inbound): registered from apps.py ready().

Only an open discussion that the person may still reply to takes one; in a safe space the
reply's author is hidden from the other members, the more private of the form's choices.
The e-mail's files that the checker accepts are attached, as on the site.
"""

from accounts.inbound.registry import ReplyHandler, register_handler
from core.attachments import MAX_FILES
from discussions import permissions, services
from discussions.models import Discussion

KEY = "discussion"


def _discussion(object_id):
    return Discussion.objects.select_related("community").filter(pk=object_id).first()


def may_reply(user, object_id):
    discussion = _discussion(object_id)
    return discussion is not None and permissions.can_reply(user, discussion)


def post(user, object_id, text, files=()):
    discussion = _discussion(object_id)
    if discussion is None or not permissions.can_reply(user, discussion):
        raise services.DiscussionError("This discussion takes no replies from you")
    reply = services.reply_add(
        discussion=discussion,
        author=user,
        body=text,
        author_hidden=discussion.is_safe_space,
        files=files,
    )
    return reply.get_absolute_url()


def register():
    register_handler(
        ReplyHandler(
            key=KEY, may_reply=may_reply, post=post, label="a discussion", max_files=MAX_FILES
        )
    )
