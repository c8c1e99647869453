"""People and how we reach them."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone


class Region(models.TextChoices):
    NORTH_EAST_YORKSHIRE = "north-east-yorkshire", "North East and Yorkshire"
    NORTH_WEST = "north-west", "North West"
    MIDLANDS = "midlands", "Midlands"
    EAST_OF_ENGLAND = "east-of-england", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south-east", "South East"
    SOUTH_WEST = "south-west", "South West"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"
    NATIONAL = "national", "National or several regions"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        NHS_TRUST = "nhs-trust", "NHS trust"
        ICB = "icb", "Integrated care board"
        PRIMARY_CARE = "primary-care", "GP practice or primary care network"
        COMMUNITY_PHARMACY = "community-pharmacy", "Community pharmacy"
        CARE_HOME = "care-home", "Care home"
        LOCAL_AUTHORITY = "local-authority", "Local authority"
        UNIVERSITY = "university", "University"
        CHARITY = "charity", "Charity or voluntary organisation"
        PATIENT_GROUP = "patient-group", "Patient or carer group"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        PENDING = "pending", "Waiting for confirmation"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    region = models.CharField(max_length=32, choices=Region.choices, blank=True)
    # A name someone typed (at sign-up, on their profile, at a first single sign-on) waits
    # for staff to confirm it or merge it into one already listed: until then it is kept on
    # that person's account but listed to no one else (accounts.selectors).
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        ]
        indexes = [models.Index(fields=["status", "name"], name="organisation_status")]

    def __str__(self):
        return self.name


class Profession(models.Model):
    """The managed list of professions (administrators add to it in the admin)."""

    name = models.CharField(max_length=120, unique=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


def timezone_choices():
    return sorted((tz, tz.replace("_", " ")) for tz in zoneinfo.available_timezones() if "/" in tz)


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list")


DEFAULT_TIMEZONE = "Europe/London"


def zone_of(user):
    """The time zone a person sees times in: their own, or Europe/London."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "timezone", None) or DEFAULT_TIMEZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)


def by_zone(people):
    """These people grouped by the time zone they see times in: {zone name: [person, ...]},
    for drawing something once per time zone rather than once per person."""
    groups = {}
    for person in people:
        groups.setdefault(zone_of(person).key, []).append(person)
    return groups


class User(AbstractBaseUser, PermissionsMixin):
    class Digest(models.TextChoices):
        NEVER = "never", "Never"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField("full name", max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    profession = models.ForeignKey(
        Profession, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    region = models.CharField(max_length=32, choices=Region.choices, blank=True)
    bio = models.TextField("short bio", max_length=1000, blank=True)
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    # E-mail preferences; each one is what a one-click unsubscribe switches off.
    digest_frequency = models.CharField(max_length=8, choices=Digest.choices, default=Digest.WEEKLY)
    meeting_reminders = models.BooleanField(default=True)
    meeting_announcements = models.BooleanField(
        default=True, help_text="New meetings in one's communities, and changes to them."
    )
    minutes_emails = models.BooleanField(default=True, help_text="Minutes when they are published.")
    resource_notices = models.BooleanField(
        default=True, help_text="Resources one owns that are due for review, and comments on them."
    )
    membership_notices = models.BooleanField(
        default=True,
        help_text="Join requests to answer (conveners) and answers to one's own requests.",
    )

    # When the person last opened their home page: "new since your last visit".
    last_home_visit = models.DateTimeField(null=True, blank=True, editable=False)

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email


class MessageTextField(models.TextField):
    """The text of an outbox message. Its own placeholder keeps bulk inserts of messages
    (a digest batch, a meeting's reminders) in Django's VALUES form: the UNNEST form sends
    each column as one array literal, which psycopg, binding on the client, escapes in
    Python, quote by quote, at a third of the cost of queueing a reminder."""

    def get_placeholder(self, value, compiler, connection):
        return "%s"


class EmailDelivery(models.Model):
    """The outbox and delivery log: one row per (recipient, purpose), so no e-mail goes twice.

    A row is written in the caller's transaction, sent by a task queued on commit, and
    swept up by a periodic job if that task never ran. A sender claims a row for a lease
    (claimed_at, claimed_by) before talking to SMTP and records its outcome as soon as the
    server answers; a row still "sending" once its lease has passed belonged to a sender
    that died, and the sweep hands it out again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent (preference off)"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.EmailField()
    purpose = models.CharField(
        max_length=200, help_text="What the message is for, unique per recipient."
    )
    preference = models.CharField(max_length=32, blank=True)
    subject = models.CharField(max_length=255)
    body_text = MessageTextField()
    body_html = MessageTextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Small text attachments (an .ics file): [{"filename", "content", "mimetype"}].
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=dj_timezone.now)
    # The lease of the sender that moved the row to "sending": when, and which process.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "e-mail deliveries"
        constraints = [
            models.UniqueConstraint(fields=["to_address", "purpose"], name="email_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="email_delivery_due")]

    def __str__(self):
        return f"{self.purpose} → {self.to_address} ({self.status})"


class RetentionSweep(models.Model):
    """One retention rule's progress (accounts.retention): when it last ran, up to which
    date, and how many rows it has cleared, written after every batch so that a sweep cut
    short is visible and the next one carries on from the rows still due."""

    rule = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Rows older than this were due in the sweep that started at started_at.
    cutoff = models.DateTimeField(null=True, blank=True)
    cleared_last_run = models.PositiveIntegerField(default=0)
    cleared_total = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["rule"]

    def __str__(self):
        return self.rule


# The notification centre's and the inbound mail's models live beside their code;
# importing them here registers them with this app.
from accounts.inbound.models import HeldReply  # noqa: E402, F401
from accounts.notifications.models import Notification, NotificationSetting  # noqa: E402, F401
