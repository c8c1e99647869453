"""The digest job's tasks. Each retries, with a growing pause, when the database or the
broker is briefly away; the job's progress is in the database (DigestRun, DigestBatch), and
the periodic resume_digests_task finishes whatever a task could not."""

from celery import shared_task

from core.queue import RETRY_TRANSIENT
from dashboard.digest import digest_batch_build, digest_fan_out, digest_resume


@shared_task(
    acks_late=True, ignore_result=True, time_limit=3600, soft_time_limit=3300, **RETRY_TRANSIENT
)
def send_digests_task(frequency):
    """Plan this period's digests and queue a task per batch of people; safe to run twice
    or after a crash (each person gets one digest per period)."""
    return digest_fan_out(frequency=frequency)


@shared_task(
    acks_late=True, ignore_result=True, time_limit=600, soft_time_limit=540, **RETRY_TRANSIENT
)
def send_digest_batch_task(batch_id):
    """Build one batch of a digest run and deliver it (nothing if another worker has it)."""
    return digest_batch_build(batch_id=batch_id)


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def resume_digests_task():
    """The periodic sweep of digest runs: what a lost task or a dead worker left."""
    return digest_resume()
