"""Networks of communities, communities, their members, charters and phase history."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from taggit.managers import TaggableManager

from accounts.models import Region


class Network(models.Model):
    """A programme of communities run by programme managers."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_networks",
        help_text="Programme managers: they see every community of the network side by side.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommunityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Community.Status.ACTIVE)


class Community(models.Model):
    class Phase(models.TextChoices):
        DISCOVER = "discover", "Discover"
        UNITE = "unite", "Unite"
        MATURE = "mature", "Mature"
        STEWARD = "steward", "Steward"
        TRANSFORM = "transform", "Transform"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public: anyone can see it"
        LISTED = "listed", "Listed: signed-in people can see it"
        PRIVATE = "private", "Private: only its members know it exists"

    class JoinPolicy(models.TextChoices):
        OPEN = "open", "Open: anyone signed in can join"
        APPROVAL = "approval", "Approval: conveners approve requests"
        INVITATION = "invitation", "Invitation only"

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Every two weeks"
        MONTHLY = "monthly", "Monthly"
        BIMONTHLY = "bimonthly", "Every two months"
        QUARTERLY = "quarterly", "Quarterly"
        AD_HOC = "ad-hoc", "When needed"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.SET_NULL, related_name="communities"
    )
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    domain = models.TextField("Domain: what do we care about?")
    practice = models.TextField("Practice: what do we do?", blank=True)
    who_we_are = models.TextField("Community: who are we together?", blank=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.DISCOVER)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.LISTED
    )
    join_policy = models.CharField(
        max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.APPROVAL
    )
    cadence = models.CharField(
        "meeting cadence", max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    approved_email_domains = models.CharField(
        max_length=500,
        blank=True,
        help_text="People whose e-mail address ends with one of these domains join without approval.",
    )
    topics = TaggableManager(blank=True, help_text="Topics, separated by commas")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    # What became of it (Transform): merged into another, or split off from one.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="split_into"
    )
    archive_note = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self):
        return self.name

    @property
    def is_archived(self):
        return self.status == self.Status.ARCHIVED

    def email_domains(self):
        return [
            d.strip().lower().lstrip("@")
            for d in self.approved_email_domains.split(",")
            if d.strip()
        ]


class CommunityRegion(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="regions")
    region = models.CharField(max_length=32, choices=Region.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "region"], name="community_region_once")
        ]
        indexes = [models.Index(fields=["region"], name="community_region_idx")]

    def __str__(self):
        return self.get_region_display()


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        CORE = "core", "Core member"
        CO_CONVENER = "co-convener", "Co-convener"
        CONVENER = "convener", "Convener"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REQUESTED = "requested", "Asked to join"
        DECLINED = "declined", "Request declined"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed"

    LEADING_ROLES = (Role.CONVENER, Role.CO_CONVENER)

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    request_note = models.TextField(blank=True)
    decision_message = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_reason = models.TextField(blank=True)
    needs = models.TextField("what I need from the community", blank=True)
    needs_topics = models.CharField(max_length=300, blank=True)
    offers = models.TextField("what I can offer", blank=True)
    offers_topics = models.CharField(max_length=300, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A copy of the member's name, so that a member list is read in name order from an
    # index instead of sorting every member of a large community by a column of the users
    # table. Set on every full save; communities/signals.py copies a changed name to all of
    # the person's memberships.
    member_name = models.CharField(max_length=150, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="membership_once"),
        ]
        indexes = [
            models.Index(fields=["community", "status", "role"], name="membership_by_role"),
            models.Index(
                fields=["community", "status", "member_name", "id"], name="membership_by_name"
            ),
            # "New members since" in the home feed and the digest: a range of one index.
            models.Index(fields=["community", "status", "joined_at"], name="membership_joined"),
        ]

    def __str__(self):
        return f"{self.user} in {self.community} ({self.role}, {self.status})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "user" in update_fields:
            self.member_name = self.user.name
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Whether the stored row counts in its community's figures: a save changes the
        # figures only if this changes (None: not known, the status was not loaded).
        status = instance.__dict__.get("status")
        instance.counted_in_figures = None if status is None else status == cls.Status.ACTIVE
        return instance

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def leads(self):
        return self.is_active and self.role in self.LEADING_ROLES

    @staticmethod
    def split_topics(text):
        return sorted({t.strip().lower() for t in text.split(",") if t.strip()})

    def need_topic_list(self):
        return self.split_topics(self.needs_topics)

    def offer_topic_list(self):
        return self.split_topics(self.offers_topics)


ACTIVE_MEMBERSHIP = Q(memberships__status=Membership.Status.ACTIVE)


class CommunityFigures(models.Model):
    """What a community's pages say about its active members: how many, and from how many
    organisations, professions and regions (with the ids behind each, for the member
    list's filters).

    A denormalised copy of an aggregate over the community's active memberships joined to
    their people, which is too slow to compute on every view of a large community. It is
    recomputed by `services.community_figures_refresh` whenever a membership, or the
    organisation, profession or region of a member, changes (communities/signals.py), in
    the transaction of that change. Read it through `selectors.community_figures`, which
    computes the figures of a community that has no row yet.
    """

    community = models.OneToOneField(
        Community, primary_key=True, on_delete=models.CASCADE, related_name="figures"
    )
    member_count = models.PositiveIntegerField(default=0)
    organisation_count = models.PositiveIntegerField(default=0)
    profession_count = models.PositiveIntegerField(default=0)
    region_count = models.PositiveIntegerField(default=0)
    organisation_ids = models.JSONField(default=list)
    profession_ids = models.JSONField(default=list)
    regions = models.JSONField(default=list)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "community figures"

    def __str__(self):
        return f"Figures of community {self.community_id}"


def _invitation_token():
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Withdrawn"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and community; answered ones stay as history.
            models.UniqueConstraint(
                fields=["community", "email"],
                condition=Q(status="pending"),
                name="invitation_pending_once",
            )
        ]

    def __str__(self):
        return f"{self.email} to {self.community}"

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at


class PhaseChange(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=16, choices=Community.Phase.choices, blank=True)
    to_phase = models.CharField(max_length=16, choices=Community.Phase.choices)
    note = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.community}: {self.from_phase} → {self.to_phase}"


class CharterVersion(models.Model):
    """Each save of the charter is a new version; the newest is the charter."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="charter_versions"
    )
    number = models.PositiveIntegerField()
    trying_to_do = models.TextField("What are we trying to do?", blank=True)
    how_to_do_it = models.TextField("How do we need to do it?", blank=True)
    who_needs_to = models.TextField("Who needs to do it?", blank=True)
    how_we_know = models.TextField("How will we know we are doing it?", blank=True)
    problem_statement = models.TextField("Our problem statement", blank=True)
    priorities = models.TextField("Our priorities, one per line, most important first", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="charter_version_once")
        ]

    def __str__(self):
        return f"{self.community} charter v{self.number}"

    def priority_list(self):
        return [line.strip() for line in self.priorities.splitlines() if line.strip()]


class HideRecord(models.Model):
    """Why, by whom and when a convener hid a piece of content (communities.moderation)."""

    hidden_reason = models.TextField(blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Moderated(HideRecord):
    """The four fields the moderation registry (communities.moderation) reads and writes: a
    hidden item is out of every list; its page stays open to its author, the conveners and
    staff, with the reason."""

    is_hidden = models.BooleanField(default=False)

    class Meta:
        abstract = True


class Report(models.Model):
    """Someone asked the conveners to look at a piece of content (a story, a comment...).

    What was reported is named by its kind (a key of communities.moderation.registry, which
    the app owning the content declares) and its primary key: no foreign key, so content of
    apps above this one can be reported without this app importing them. The report stays
    open until a convener hides the content (every open report on it is resolved with it)
    or dismisses the report.
    """

    class Outcome(models.TextChoices):
        HIDDEN = "hidden", "Hidden"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    # The community whose conveners answer it (empty for content of a whole network).
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reports_made"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open report per person and item: reporting again adds nothing to act on.
            models.UniqueConstraint(
                fields=["kind", "object_id", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_once",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "resolved_at"], name="report_queue"),
            models.Index(fields=["kind", "object_id"], name="report_target"),
        ]

    def __str__(self):
        return f"Report of {self.kind} {self.object_id}"

    @property
    def is_open(self):
        return self.resolved_at is None
