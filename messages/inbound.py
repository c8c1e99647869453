"""Replies by e-mail to a private message (accounts.inbound): registered from apps.py
ready(). The token names the conversation; a reply is sent, as a message from its writer,
only while they may still write to the other person (a shared community, no block), with the
files of the e-mail that the checker accepts."""

from accounts.inbound.registry import ReplyHandler, register_handler
from core.attachments import MAX_FILES
from messages import permissions, services
from messages.models import Participant

KEY = "message"


def _other(user, object_id):
    """The other person of this person's conversation `object_id`, or None."""
    mine = Participant.objects.filter(user=user, conversation_id=object_id).select_related("other")
    place = mine.first()
    return place.other if place is not None else None


def may_reply(user, object_id):
    other = _other(user, object_id)
    return (
        other is not None
        and permissions.may_contact(user, other)
        and permissions.send_refusal(sender=user, recipient=other, starting=False) is None
    )


def post(user, object_id, text, files=()):
    other = _other(user, object_id)
    if other is None:
        raise services.MessageRefused(permissions.REFUSED)
    message = services.message_send(sender=user, recipient=other, body=text, files=files)
    return services.conversation_url(message.conversation)


def register():
    register_handler(
        ReplyHandler(
            key=KEY, may_reply=may_reply, post=post, label="a conversation", max_files=MAX_FILES
        )
    )
