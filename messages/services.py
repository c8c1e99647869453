"""Every write of private messages: sending (which starts a conversation the first time),
reading, muting, blocking, the contact preference and reports."""

from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.inbound.tokens import reply_address
from accounts.notifications.services import notification_mark_read, notify
from core.attachments import attachments_stored
from core.services import audit_log
from messages import permissions
from messages.models import (
    Block,
    ContactPreference,
    Conversation,
    ConversationReport,
    Message,
    MessageAttachment,
    Participant,
)

# An account younger than this may start conversations with only so many new people a day:
# the cheap way to send unsolicited messages is a fresh account.
NEW_ACCOUNT_AGE = timedelta(days=7)
NEW_ACCOUNT_NEW_PEOPLE_PER_DAY = 3
NEW_ACCOUNT_REFUSED = (
    "New accounts can start conversations with up to "
    f"{NEW_ACCOUNT_NEW_PEOPLE_PER_DAY} new people a day. You can still reply in your "
    "conversations; try again tomorrow."
)


class MessageRefused(ValidationError):
    """The message may not be sent; the text says why, in words the sender may read."""


def group_key(conversation):
    return f"conversation:{conversation.pk}"


def conversation_url(conversation):
    return reverse("member_messages:conversation", args=[conversation.pk])


def _reply_address(person, *, conversation_id):
    return reply_address(user=person, handler="message", object_id=conversation_id)


def _check_new_account(sender, now):
    if sender.date_joined <= now - NEW_ACCOUNT_AGE:
        return
    started = Participant.objects.filter(
        user=sender, started=True, created_at__gte=now - timedelta(days=1)
    ).count()
    if started >= NEW_ACCOUNT_NEW_PEOPLE_PER_DAY:
        raise MessageRefused({"body": NEW_ACCOUNT_REFUSED})


def _conversation_start(sender, recipient, now):
    conversation = Conversation.objects.create(last_message_at=now)
    Participant.objects.bulk_create(
        [
            Participant(conversation=conversation, user=sender, other=recipient, started=True),
            Participant(conversation=conversation, user=recipient, other=sender),
        ]
    )
    return conversation


def message_send(*, sender, recipient, body, files=()):
    """Send `body` from `sender` to `recipient`, in their conversation (started now if they
    have none), with `files` attached (core.attachments: each checked, up to three). Raises
    MessageRefused when they may not be in contact.

    The files are checked and stored first, under random names (no file work while the
    sender's row is locked); if the message is refused, they are deleted again."""
    with attachments_stored(files, folder="messages") as stored:
        return _message_send(sender=sender, recipient=recipient, body=body, stored=stored)


@transaction.atomic
def _message_send(*, sender, recipient, body, stored):
    now = timezone.now()
    if not permissions.may_contact(sender, recipient):
        raise MessageRefused({"body": permissions.REFUSED})
    mine = (
        Participant.objects.select_for_update()
        .filter(user=sender, other=recipient)
        .select_related("conversation")
        .first()
    )
    refusal = permissions.send_refusal(sender=sender, recipient=recipient, starting=mine is None)
    if refusal:
        raise MessageRefused({"body": refusal})
    if mine is None:
        _check_new_account(sender, now)
        try:
            with transaction.atomic():  # two first messages at once: one conversation
                conversation = _conversation_start(sender, recipient, now)
        except IntegrityError:
            conversation = Participant.objects.get(user=sender, other=recipient).conversation
    else:
        conversation = mine.conversation
    message = Message.objects.create(conversation=conversation, sender=sender, body=body)
    files = MessageAttachment.objects.bulk_create(MessageAttachment.rows(stored, message=message))
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    Participant.objects.filter(conversation=conversation, user=sender).update(
        last_message_at=message.created_at, unread=False
    )
    Participant.objects.filter(conversation=conversation, user=recipient).update(
        last_message_at=message.created_at, unread=True
    )
    _notify(message, conversation, sender, recipient, files)
    return message


def _notify(message, conversation, sender, recipient, files):
    """The recipient hears of it unless they muted the conversation. The notification's
    text names the sender only; the e-mail carries the message and the names of its files
    (which are downloaded on the site), the recipient's to read."""
    if Participant.objects.filter(conversation=conversation, user=recipient, muted=True).exists():
        return
    notify(
        recipients=[recipient],
        kind="message",
        dedupe=f"message:{message.pk}",
        group_key=group_key(conversation),
        group_title=f"Messages with {sender.name}",
        text=f"{sender.name} sent you a message",
        url=conversation_url(conversation),
        actor=sender,
        email_context={
            "sender_name": sender.name,
            "message_body": message.body,
            "attachments": [(f.original_name, f.size) for f in files],
        },
        # The e-mail can be answered: the reply is sent as its writer (messages.inbound).
        reply_to=partial(_reply_address, conversation_id=conversation.pk),
    )


@transaction.atomic
def conversation_read(*, conversation, user):
    """The person opened the conversation: nothing in it is new to them any more."""
    changed = Participant.objects.filter(conversation=conversation, user=user, unread=True).update(
        unread=False
    )
    if changed:
        notification_mark_read(user=user, group_key=group_key(conversation))
    return changed


@transaction.atomic
def conversation_mute(*, conversation, user, muted):
    """Muted: new messages arrive without a notification or an e-mail."""
    Participant.objects.filter(conversation=conversation, user=user).update(muted=muted)
    audit_log(
        actor=user,
        action="messages.mute" if muted else "messages.unmute",
        target=conversation,
    )


@transaction.atomic
def person_block(*, blocker, blocked):
    if blocker.pk == blocked.pk:
        raise ValidationError("You cannot block yourself.")
    block, _ = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    audit_log(actor=blocker, action="messages.block", target=blocked)
    return block


@transaction.atomic
def person_unblock(*, blocker, blocked):
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if deleted:
        audit_log(actor=blocker, action="messages.unblock", target=blocked)
    return bool(deleted)


@transaction.atomic
def contact_preference_save(*, user, met_only):
    preference, _ = ContactPreference.objects.update_or_create(
        user=user, defaults={"met_only": met_only}
    )
    audit_log(actor=user, action="messages.contact_preference", data={"met_only": met_only})
    return preference


@transaction.atomic
def conversation_report(*, conversation, reporter, reason):
    """A participant asks staff to read the conversation."""
    if not conversation.participants.filter(user=reporter).exists():
        raise ValidationError("Only someone in the conversation can report it.")
    report = ConversationReport.objects.create(
        conversation=conversation, reporter=reporter, reason=reason
    )
    audit_log(actor=reporter, action="messages.report", target=conversation)
    return report


@transaction.atomic
def report_read(*, report, actor):
    """Staff open a reported conversation: every reading is recorded, by whom and of what."""
    audit_log(
        actor=actor,
        action="messages.report_read",
        target=report.conversation,
        data={"report": report.pk},
    )


@transaction.atomic
def report_close(*, report, actor):
    if report.closed_at is None:
        report.closed_at = timezone.now()
        report.closed_by = actor
        report.save(update_fields=["closed_at", "closed_by"])
        audit_log(actor=actor, action="messages.report_close", target=report.conversation)
    return report
