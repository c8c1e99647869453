"""Text that came in by e-mail and waits for its writer (imported by accounts.models, whose
app it belongs to)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class HeldReply(models.Model):
    """A reply the patient-identifiable data guard stopped: kept for its writer to edit or
    to confirm on the site, then posted through its handler; deleted when posted,
    discarded or expired."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_replies"
    )
    handler = models.CharField(max_length=12)
    object_id = models.PositiveBigIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="heldreply_expires")]

    def __str__(self):
        return f"Held reply {self.pk} ({self.handler} {self.object_id})"

    def get_absolute_url(self):
        return reverse("accounts:held_reply", args=[self.pk])

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()
