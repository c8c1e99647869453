"""Conversations between two people. Each has one Participant row per person (their
unread flag, their mute, who the other person is), so that an inbox is one index range of
one's own rows; the text is in Message, and its files in MessageAttachment."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from core.attachments import Attachment


class Conversation(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Conversation {self.pk}"


class Participant(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_places"
    )
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Whether this person wrote the first message: the new-account limit counts these.
    started = models.BooleanField(default=False)
    unread = models.BooleanField(default=False)
    muted = models.BooleanField(default=False)
    # A copy of the conversation's, so that the inbox is read in order from one index.
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One conversation per pair of people, whoever started it.
            models.UniqueConstraint(fields=["user", "other"], name="conversation_once_per_pair"),
            models.UniqueConstraint(fields=["conversation", "user"], name="participant_once"),
            models.CheckConstraint(condition=~Q(user=F("other")), name="participant_not_self"),
        ]
        indexes = [
            models.Index(fields=["user", "-unread", "-last_message_at"], name="participant_inbox"),
        ]

    def __str__(self):
        return f"{self.user} in conversation {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages_sent"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="message_thread"),
        ]

    def __str__(self):
        return f"Message {self.pk} in conversation {self.conversation_id}"


class MessageAttachment(Attachment):
    """A file sent with a message: for the conversation's two people only."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")

    def get_absolute_url(self):
        # `message` comes with the rows when they are prefetched with their message.
        return reverse("member_messages:attachment", args=[self.message.conversation_id, self.pk])


class Block(models.Model):
    """`blocker` no longer hears from `blocked`, and may not write to them either."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
        ]

    def __str__(self):
        return f"{self.blocker} blocked {self.blocked}"


class ContactPreference(models.Model):
    """A person's choice of who may start a conversation with them (no row: anyone who
    shares an active community)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_preference"
    )
    met_only = models.BooleanField(
        "Only people I have met in a meeting can start a conversation with me", default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Contact preference of {self.user}"


class ConversationReport(models.Model):
    """A participant asks staff to look at a conversation: the one way staff may read it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_reports"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Report {self.pk} of conversation {self.conversation_id}"
