"""Networks of communities, communities and their members.

The foundation holds only what the demo data and the permission model need; the
community features (directory, joining, charter, phase history) build on these.
"""

from django.conf import settings
from django.db import models
from taggit.managers import TaggableManager


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

    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.SET_NULL, related_name="communities"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    domain = models.TextField("Domain: what do we care about?")
    practice = models.TextField("Practice: what do we do?", blank=True)
    community = models.TextField("Community: who are we together?", blank=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.DISCOVER)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.LISTED
    )
    join_policy = models.CharField(
        max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.APPROVAL
    )
    region = models.CharField(max_length=32, blank=True)
    topics = TaggableManager(blank=True, help_text="Topics, separated by commas")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        CORE = "core", "Core member"
        CO_CONVENER = "co-convener", "Co-convener"
        CONVENER = "convener", "Convener"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REQUESTED = "requested", "Asked to join"
        INVITED = "invited", "Invited"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    needs = models.TextField("what I need from the community", blank=True)
    offers = models.TextField("what I can offer", blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="membership_once"),
        ]
        indexes = [models.Index(fields=["community", "status", "role"], name="membership_by_role")]

    def __str__(self):
        return f"{self.user} in {self.community} ({self.role}, {self.status})"
