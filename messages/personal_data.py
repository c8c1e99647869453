"""What private messages hold about a person, to download or erase (accounts.personal_data).

Their conversations and every message in them (one's own and those written to one) are
in the download, with the names of the files attached to them and the files they sent. Who
blocked them is not: a block is the blocker's choice, and telling the blocked person would
undo it. On erasure their own messages go, with their files; the other person keeps theirs,
beside "A former member"."""

from accounts.personal_data import Export, Part
from core.attachments import attachments_delete
from messages.models import (
    Block,
    ContactPreference,
    ConversationReport,
    Message,
    MessageAttachment,
    Participant,
)


def _messages(user):
    mine = Participant.objects.filter(user=user).values("conversation_id")
    return list(
        Message.objects.filter(conversation_id__in=mine)
        .order_by("conversation_id", "created_at", "id")
        .values("conversation_id", "sender__name", "body", "created_at")
    )


def _attachments(user):
    mine = Participant.objects.filter(user=user).values("conversation_id")
    return list(
        MessageAttachment.objects.filter(message__conversation_id__in=mine)
        .order_by("message__conversation_id", "message__created_at", "pk")
        .values(
            "message__conversation_id",
            "message__sender__name",
            "original_name",
            "content_type",
            "size",
            "created_at",
        )
    )


def files(user):
    """Files you attached to private messages."""
    return [
        (f"message-{a.message_id}-{a.pk}-{a.original_name}", a.file.name)
        for a in MessageAttachment.objects.filter(message__sender=user).order_by("pk")
    ]


export = Export(
    Part(
        "conversations",
        "Your private conversations: with whom, whether you started or muted each.",
        "member_messages.Participant",
        "user",
        ("conversation_id", "other__name", "started", "muted", "created_at"),
    ),
    Part(
        "conversations_with_you",
        "The same conversations seen from the other side: who you talked with.",
        "member_messages.Participant",
        "other",
        ("conversation_id", "user__name", "created_at"),
    ),
    Part(
        "messages_sent",
        "Private messages you sent.",
        "member_messages.Message",
        "sender",
        ("conversation_id", "body", "created_at"),
    ),
    Part(
        "messages",
        "Every message of your conversations, yours and those written to you, with who wrote it.",
        rows=_messages,
    ),
    Part(
        "message_attachments",
        "The files attached to messages of your conversations, yours and those sent to you: "
        "their names, sizes and who sent them (the files you sent are in files/messages/).",
        rows=_attachments,
    ),
    Part(
        "people_you_blocked",
        "People you blocked from messaging you.",
        "member_messages.Block",
        "blocker",
        ("blocked__name", "created_at"),
    ),
    Part(
        "blocks_of_you",
        "Not included: whether someone blocked you is their choice, and is not shown to you.",
        "member_messages.Block",
        "blocked",
        rows=lambda user: [],
    ),
    Part(
        "message_settings",
        "Whether only people you have met in a meeting can start a conversation with you.",
        "member_messages.ContactPreference",
        "user",
        ("met_only", "updated_at"),
    ),
    Part(
        "conversation_reports",
        "Conversations you reported to the site's staff, and why.",
        "member_messages.ConversationReport",
        "reporter",
        ("conversation_id", "reason", "created_at", "closed_at"),
    ),
    Part(
        "conversation_reports_closed",
        "As staff: reports of conversations you closed.",
        "member_messages.ConversationReport",
        "closed_by",
        ("conversation_id", "closed_at"),
    ),
)


def erase(user, *, remove_contributions):
    """Private messages are removed whatever else is kept: one's own messages and their
    files (once the erasure commits), reports, blocks and settings go; the other person
    keeps the conversation and their messages, now beside "A former member" (the erased
    account's name)."""
    attachments_delete(MessageAttachment.objects.filter(message__sender=user))
    Message.objects.filter(sender=user).delete()
    ConversationReport.objects.filter(reporter=user).delete()
    Block.objects.filter(blocker=user).delete()
    Block.objects.filter(blocked=user).delete()
    ContactPreference.objects.filter(user=user).delete()
    Participant.objects.filter(user=user).delete()
