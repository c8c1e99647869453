"""The convener leadership programme: programmes, their sessions, applications with a
sponsor, reviews, offers within the cohort size, journals and completion."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation, Profession, Region
from communities.models import Community, Network
from meetings.models import Meeting


class LeadershipProgramme(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="programmes")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField()
    cohort_size = models.PositiveIntegerField(default=24)
    applications_open = models.DateField()
    applications_close = models.DateField()
    starts_on = models.DateField("programme starts")
    ends_on = models.DateField("programme ends")
    meeting_commitment = models.PositiveSmallIntegerField(
        default=5, help_text="Face-to-face community meetings each participant commits to convene."
    )
    criteria = models.TextField(help_text="Selection criteria, one per line.")
    balance_threshold = models.PositiveSmallIntegerField(
        default=40,
        help_text="Warn when one region or profession takes more than this share (%) of the cohort.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(applications_close__gte=models.F("applications_open")),
                name="programme_window_order",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="programme_dates_order"
            ),
        ]

    def __str__(self):
        return self.name

    def criteria_list(self):
        return [c.strip() for c in self.criteria.splitlines() if c.strip()]

    @property
    def window_is_open(self):
        today = timezone.localdate()
        return self.applications_open <= today <= self.applications_close


class ProgrammeSession(models.Model):
    """A module, webinar or coaching session: a network event, so registration, reminders,
    calendars and attendance work as for any meeting."""

    class Kind(models.TextChoices):
        MODULE = "module", "One-day module"
        WEBINAR = "webinar", "Reflective webinar"
        COACHING = "coaching", "Coaching or individual leadership work"

    programme = models.ForeignKey(
        LeadershipProgramme, on_delete=models.CASCADE, related_name="sessions"
    )
    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="programme_session"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MODULE)

    class Meta:
        ordering = ["meeting__starts_at"]

    def __str__(self):
        return f"{self.programme}: {self.meeting.title}"


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        SHORTLISTED = "shortlisted", "Shortlisted"
        WAITLISTED = "waitlisted", "On the waiting list"
        OFFERED = "offered", "Offered a place"
        ACCEPTED = "accepted", "Accepted: participant"
        DECLINED = "declined", "Offer declined"
        REJECTED = "rejected", "Not selected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    programme = models.ForeignKey(
        LeadershipProgramme, on_delete=models.CASCADE, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The community you convene.",
    )
    proposed_domain = models.TextField("or the community you want to start", blank=True)
    motivation = models.TextField("why you want to take part", blank=True)
    hopes = models.TextField("what you hope to learn", blank=True)
    region = models.CharField(max_length=32, choices=Region.choices, blank=True)
    profession = models.ForeignKey(
        Profession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sponsor_name = models.CharField(max_length=150, blank=True)
    sponsor_role = models.CharField(max_length=150, blank=True)
    sponsor_email = models.EmailField(blank=True)
    sponsor_confirmed_at = models.DateTimeField(null=True, blank=True)
    commitment = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    completed = models.BooleanField(null=True, blank=True)
    trains_others = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "applicant"], name="application_once")
        ]
        indexes = [models.Index(fields=["programme", "status"], name="application_by_status")]

    def __str__(self):
        return f"{self.applicant} → {self.programme} ({self.status})"

    @property
    def is_participant(self):
        return self.status == self.Status.ACCEPTED


class Review(models.Model):
    """One reviewer's scores (1 to 5 per criterion) for one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    scores = models.JSONField(default=dict)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="review_once")
        ]

    def __str__(self):
        return f"Review of {self.application} by {self.reviewer}"

    @property
    def total(self):
        return sum(self.scores.values())


class JournalEntry(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="journal")
    title = models.CharField(max_length=200)
    body = models.TextField()
    shared_with_managers = models.BooleanField(
        default=False, help_text="Private to you unless you share it with the programme managers."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "journal entries"

    def __str__(self):
        return self.title
