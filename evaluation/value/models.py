"""Value-creation tags: a story of changed practice (or a journal entry shared with the
programme managers) claims a cycle of the Wenger-Trayner value-creation framework, with the
evidence it cites, if any."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

CYCLE_HINTS = {
    "immediate": "Taking part was worth it in itself: a useful conversation, help with a problem, "
    "feeling less alone.",
    "potential": "Something was gained that may be used later: new knowledge, a contact, a tool, "
    "confidence.",
    "applied": "What was gained was put to use: a practice, a process or a tool changed.",
    "realised": "The change made a difference to outcomes: for patients, staff or the service.",
    "reframing": "It changed how success is judged: new goals, measures or ways of working "
    "together.",
}


# What a tag says, the library resource it may cite aside: the form shows these, the
# personal-data export lists them.
STATED = ("cycle", "evidence_kind", "figure", "figure_unit", "url", "quote", "quote_by")


class ValueTag(models.Model):
    class Cycle(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate value"
        POTENTIAL = "potential", "Potential value"
        APPLIED = "applied", "Applied value"
        REALISED = "realised", "Realised value"
        REFRAMING = "reframing", "Reframing value"

    class Evidence(models.TextChoices):
        NONE = "", "No evidence yet"
        FIGURE = "figure", "A figure"
        DOCUMENT = "document", "A document"
        QUOTE = "quote", "A quote"

    story = models.ForeignKey(
        "knowledge.Story",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="value_tags",
    )
    journal_entry = models.ForeignKey(
        "conveners.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="value_tags",
    )
    cycle = models.CharField(max_length=16, choices=Cycle.choices)
    evidence_kind = models.CharField(
        "evidence", max_length=16, choices=Evidence.choices, blank=True, default=""
    )
    figure = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    figure_unit = models.CharField("what the figure measures", max_length=200, blank=True)
    resource = models.ForeignKey(
        "knowledge.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.URLField("link", max_length=500, blank=True)
    quote = models.TextField(blank=True)
    quote_by = models.CharField("who said it", max_length=200, blank=True)
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cycle", "pk"]
        constraints = [
            # A tag is about exactly one thing: a story or a shared journal entry.
            models.CheckConstraint(
                condition=Q(story__isnull=False, journal_entry__isnull=True)
                | Q(story__isnull=True, journal_entry__isnull=False),
                name="value_tag_one_subject",
            ),
            # A story claims a cycle once, so "how many stories claim it" is a count of tags.
            models.UniqueConstraint(fields=["story", "cycle"], name="value_tag_story_cycle"),
            models.UniqueConstraint(
                fields=["journal_entry", "cycle"], name="value_tag_entry_cycle"
            ),
        ]

    def __str__(self):
        return self.get_cycle_display()

    @property
    def has_evidence(self):
        return bool(self.evidence_kind)

    @property
    def hint(self):
        return CYCLE_HINTS[self.cycle]
