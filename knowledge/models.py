"""The knowledge library: resources (with file versions), who adopted them, stories of
changed practice, comments and "useful" marks.

A resource belongs to one community, or (posted by a programme manager) to a whole
network. Its own visibility never widens its community's: see knowledge.permissions.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

from accounts.models import Organisation
from communities.models import Community, HideRecord, Moderated, Network


class Visibility(models.TextChoices):
    MEMBERS = "members", "Community members only"
    SIGNED_IN = "signed-in", "Every signed-in user"
    PUBLIC = "public", "Public: anyone, signed in or not"


class Resource(HideRecord):
    class Kind(models.TextChoices):
        TRAINING = "training", "Training package"
        LEAFLET = "leaflet", "Information leaflet"
        PROCESS = "process", "Process or protocol"
        TOOLKIT = "toolkit", "Toolkit or template"
        CASE_STUDY = "case-study", "Case study"
        EVALUATION = "evaluation", "Evaluation report"
        PRESENTATION = "presentation", "Presentation"
        LINK = "link", "Link"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden by a convener"

    Visibility = Visibility

    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="resources"
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="resources"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="Two or three sentences: what it is and who it is for.")
    body = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    external_url = models.URLField("link", max_length=500, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    visibility = models.CharField(
        "who may see it", max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_resources",
    )
    review_date = models.DateField(null=True, blank=True)
    # The review date the owner was last reminded about: the job reminds once per date.
    review_reminded_for = models.DateField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    # Hidden by its own service (knowledge.services.resource_hide), which sets the status.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    topics = TaggableManager(blank=True, help_text="Topics, separated by commas")
    # Counters kept by the services that add adoptions and marks, so lists sort on a column.
    adoption_count = models.PositiveIntegerField(default=0)
    useful_count = models.PositiveIntegerField(default=0)
    # Weighted (A title, B summary, C body) by knowledge.services; PostgreSQL only, with a
    # GIN index created by migration 0002 (SQLite searches with a plain fallback).
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(community__isnull=False, network__isnull=True)
                | Q(community__isnull=True, network__isnull=False),
                name="resource_in_community_or_network",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="resource_recent"),
            models.Index(fields=["review_date"], name="resource_review"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledge:resource", args=[self.pk])

    @property
    def is_hidden(self):
        return self.status == self.Status.HIDDEN

    @property
    def place(self):
        return self.community or self.network


class ResourceVersion(models.Model):
    """One uploaded file; a new upload is a new version and the old ones stay downloadable."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    change_note = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="resource_version_once")
        ]

    def __str__(self):
        return f"{self.resource} v{self.number}"


class AdoptionQuerySet(models.QuerySet):
    def elsewhere(self):
        """Adoptions beyond the community that made the resource: by another community, or
        by an organisation on its own (no community named). The one definition behind every
        "adopted elsewhere" figure, list and export. A network's resource has no community:
        every adoption of it is elsewhere."""
        return self.filter(
            Q(community__isnull=True)
            | Q(resource_community__isnull=True)
            | ~Q(community=F("resource_community"))
        )

    def resource_community_copy(self):
        """Set each adoption's copy of its resource's community, as Adoption.save() does,
        for rows written around save() (bulk loads); returns how many were updated."""
        return self.update(
            resource_community_id=Subquery(
                Resource.objects.filter(pk=OuterRef("resource_id")).values("community_id")[:1]
            )
        )


class Adoption(models.Model):
    """'We adopted this': an organisation and/or a community took the resource up."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="adoptions")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    note = models.CharField("how you use it", max_length=500)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A copy of the resource's community (which never changes once posted; empty for a
    # network's resource), so that "where our work spread" reads a community's newest
    # adoptions from one index and stops at the few it shows, instead of joining every
    # resource of the community to every adoption.
    resource_community = models.ForeignKey(
        Community, null=True, on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = AdoptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["resource_community", "-created_at"], name="adoption_spread"),
        ]

    def __str__(self):
        return f"{self.resource} adopted by {self.organisation or self.community}"

    def save(self, *args, **kwargs):
        # The copy always matches the resource: whoever creates the adoption.
        self.resource_community_id = self.resource.community_id
        super().save(*args, **kwargs)


class Story(Moderated):
    """A change in practice told along the value cycle."""

    Visibility = Visibility
    # The steps of the value cycle, in order: each a question the story may answer.
    CYCLE_FIELDS = (
        "what_happened",
        "new_knowledge",
        "how_applied",
        "difference_made",
        "reframed_success",
    )

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="stories")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="stories"
    )
    title = models.CharField(max_length=200)
    what_happened = models.TextField("What happened?")
    new_knowledge = models.TextField("What new knowledge came of it?", blank=True)
    how_applied = models.TextField("How was it applied in practice?", blank=True)
    difference_made = models.TextField("What difference did it make?", blank=True)
    reframed_success = models.TextField(
        "What did it change about how we judge success?", blank=True
    )
    visibility = models.CharField(
        "who may see it", max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    resources = models.ManyToManyField(Resource, blank=True, related_name="stories")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "stories"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledge:story", args=[self.pk])

    def cycle(self):
        """The value cycle's steps that were written, as (question, answer) pairs."""
        return [
            (self._meta.get_field(n).verbose_name, getattr(self, n))
            for n in self.CYCLE_FIELDS
            if getattr(self, n)
        ]


class Comment(Moderated):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment on {self.resource}"


class UsefulMark(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="useful_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "user"], name="useful_once")]

    def __str__(self):
        return f"{self.user} found {self.resource} useful"
