"""Meetings of a community (or events of a network), registrations with a waiting list,
attendance, minutes and the action points that carry from one meeting to the next."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from communities.models import Community, Network

# The earliest a reminder can go: four weeks before the meeting. The reminder scan reads
# meetings starting up to this far ahead (meetings.services.reminders_due). The latest is
# an hour before: a reminder due at the start would never go (nobody is reminded of a
# meeting that has begun).
MAX_REMINDER_HOURS = 24 * 28


class MeetingSeries(models.Model):
    """A rule that created several meetings; each stays editable on its own."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="meeting_series"
    )
    title = models.CharField(max_length=200)
    description = models.CharField(
        max_length=300, help_text="The rule in words, e.g. second Tuesday of every month."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "meeting series"

    def __str__(self):
        return f"{self.title} ({self.description})"


class SeriesRegistration(models.Model):
    """A person registered for a whole series: for every meeting of it to come, and for
    those added to it later (meetings.services.series_register)."""

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series_registrations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "user"], name="series_registration_once")
        ]

    def __str__(self):
        return f"{self.user} → {self.series}"


class MeetingQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at", "pk")

    def past(self):
        return self.filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-pk")


class Meeting(models.Model):
    class Format(models.TextChoices):
        IN_PERSON = "in-person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "Hybrid (in person and online)"

    class Visibility(models.TextChoices):
        MEMBERS = "members", "Members only"
        PUBLIC = "public", "Public: anyone who can see the community"

    class Kind(models.TextChoices):
        MEETING = "meeting", "Community meeting"
        MASTERCLASS = "masterclass", "Masterclass"
        LAUNCH = "launch", "Launch event"
        SHARING_DAY = "sharing-day", "Sharing day"
        WEBINAR = "webinar", "Webinar"
        PROGRAMME = "programme", "Leadership programme session"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="meetings"
    )
    # A network event belongs to a network instead: open to the members of all its communities.
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MEETING)
    title = models.CharField(max_length=200)
    agenda = models.TextField(blank=True, help_text="Markdown")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.IN_PERSON)
    venue = models.CharField(max_length=300, blank=True)
    joining_link = models.URLField(max_length=500, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.TextField(blank=True)
    reminder_hours = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(MAX_REMINDER_HOURS)]
    )
    # The start time whose reminders are queued: a meeting moved later is reminded again.
    reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    # Calendar clients follow a meeting by UID and take a higher SEQUENCE as an update.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(community__isnull=False, network__isnull=True)
                | Q(community__isnull=True, network__isnull=False),
                name="meeting_of_community_or_network",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="meeting_community_start"),
            models.Index(fields=["status", "starts_at"], name="meeting_status_start"),
            # The next meetings of a person's communities: those not yet ended (the home).
            models.Index(fields=["community", "ends_at"], name="meeting_community_end"),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self):
        return self.ends_at < timezone.now()

    @property
    def reminder_due_at(self):
        """When the reminder goes (meetings.services.reminders_due compares the same)."""
        return self.starts_at - timedelta(hours=self.reminder_hours)

    @property
    def reminder_queued(self):
        """Whether the reminders for the meeting's present start time are queued."""
        return self.reminded_for == self.starts_at

    @property
    def host_name(self):
        return self.community.name if self.community_id else self.network.name

    @property
    def duration_minutes(self):
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REGISTERED)
    # The waiting list is in the order people joined it.
    waiting_since = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    walk_in = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="registration_once")
        ]
        indexes = [models.Index(fields=["meeting", "status"], name="registration_by_status")]

    def __str__(self):
        return f"{self.user} → {self.meeting} ({self.status})"


class MeetingGuest(models.Model):
    """Someone without an account who came to a meeting, recorded by a convener by name,
    organisation and e-mail. Counted in the meeting's attendance until claimed: when a
    person verifies that address on an account, the attendance becomes theirs (a walk-in
    registration, counted as such) and `user` says who claimed it
    (meetings.services.guests_claim). Unclaimed, the name and address are cleared after
    the `meeting_guests` retention period (SECURITY.md)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    # Stored lower-cased (meetings.services.guest_record): the claim compares it exactly.
    email = models.EmailField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guest_attendance",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "email"], condition=~Q(email=""), name="meeting_guest_once"
            )
        ]
        # A new account's verified address finds the attendance recorded under it.
        indexes = [models.Index(fields=["email"], name="meeting_guest_email")]

    def __str__(self):
        return f"{self.name} (guest) → {self.meeting}"


def minutes_document_path(instance, filename):
    """A random name, whatever the file was called: meetings.services stores the checked
    upload as minutes/<hex>.<detected extension>; this keeps any other way in random too."""
    return f"minutes/{uuid.uuid4().hex}"


class Minutes(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    notes = models.TextField(blank=True, help_text="Markdown")
    decisions = models.TextField(blank=True, help_text="One per line")
    document = models.FileField(upload_to=minutes_document_path, blank=True)
    document_name = models.CharField(
        max_length=255,
        blank=True,
        help_text="The uploaded file's own name, sanitised: shown and offered as the download "
        "name only (the file is stored under a random name).",
    )
    previous_minutes_agreed = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "minutes"
        # The minutes published since a date (the home's feed, the digest): a short range.
        indexes = [models.Index(fields=["published_at"], name="minutes_published")]

    def __str__(self):
        return f"Minutes of {self.meeting}"

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def decision_list(self):
        return [line.strip() for line in self.decisions.splitlines() if line.strip()]


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="action_items")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    # The meeting whose minutes closed it (or None when its owner marked it done).
    closed_in = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["community", "status"], name="action_by_community")]

    def __str__(self):
        return self.description


class CalendarFeed(models.Model):
    """A person's private calendar address: a secret token they can reset."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    include_community_meetings = models.BooleanField(
        default=False,
        help_text="Also show every meeting of my communities, not only those I registered for.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar of {self.user}"
