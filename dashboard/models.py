"""The digest job's record of progress: what was planned, built and delivered for each
period, in the database, so that any fault (a worker killed, the broker restarted empty, the
database restarted) leaves it resumable by the periodic sweep. Publishing a task for a batch
is an optimisation, never the record."""

from django.db import models


class DigestRun(models.Model):
    """One period's digests ("weekly:2026-W49"): one run, however often the job is asked."""

    class State(models.TextChoices):
        BUILDING = "building", "Building and sending"
        DONE = "done", "Done"
        FAILED = "failed", "Done, with failed batches"

    frequency = models.CharField(max_length=10)
    period = models.CharField(max_length=40, unique=True)
    # What the digests cover up to: the time the job started, kept for every batch and retry.
    started_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.BUILDING)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.period} ({self.state})"


class DigestBatch(models.Model):
    """Up to DIGEST_BATCH_SIZE people of a run, built by one worker under a lease and
    delivered by the same worker (or, if it died, by the outbox's sweep)."""

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        BUILDING = "building", "Building"
        BUILT = "built", "Built (in the outbox)"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    user_ids = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PLANNED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When its task was last published: the sweep publishes it again only once this is old.
    published_at = models.DateTimeField(null=True, blank=True)
    # The lease of the worker building it.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    queued = models.PositiveIntegerField(default=0, help_text="Digests it put in the outbox.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "number"]
        verbose_name_plural = "digest batches"
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="digest_batch_once"),
        ]
        indexes = [models.Index(fields=["run", "state"], name="digest_batch_state")]

    def __str__(self):
        return f"{self.run.period} #{self.number} ({self.state})"
