"""A person's notifications and their channel for each kind (imported by accounts.models,
whose app they belong to)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.notifications.registry import DIGEST, IMMEDIATE, OFF


class Channel(models.TextChoices):
    IMMEDIATE = IMMEDIATE, "E-mail immediately"
    DIGEST = DIGEST, "In the digest"
    OFF = OFF, "Off"


class Notification(models.Model):
    """One event that concerns one person: unique per (recipient, dedupe), so telling
    someone about the same event twice stores it once and e-mails it once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=25)
    # Names the event ("reply:42"): what makes a second notice about it a repeat.
    dedupe = models.CharField(max_length=150)
    # Rows about one thing ("discussion:7") are shown together under group_title.
    group_key = models.CharField(max_length=100)
    group_title = models.CharField(max_length=255)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The recipient's channel for the kind when it was stored: "digest" rows wait for the
    # next digest (digested_at), "immediate" ones were e-mailed then.
    channel = models.CharField(max_length=12, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(fields=["read_at"], name="notification_read_at"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}: {self.text}"

    @property
    def is_read(self):
        return self.read_at is not None


class NotificationSetting(models.Model):
    """How one person hears about one kind; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    kind = models.CharField(max_length=25)
    channel = models.CharField(max_length=12, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_once"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.kind} → {self.channel}"
