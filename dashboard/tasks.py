from datetime import datetime

from celery import shared_task

from dashboard.digest import digest_batch_ids, digest_fan_out


@shared_task(acks_late=True, ignore_result=True, time_limit=3600, soft_time_limit=3300)
def send_digests_task(frequency):
    """Queue this period's digests, a task per batch of people; safe to run twice or after
    a crash (each person gets one digest per period)."""
    return digest_fan_out(frequency=frequency)


@shared_task(acks_late=True, ignore_result=True, time_limit=600, soft_time_limit=540)
def send_digest_batch_task(frequency, user_ids, now):
    return digest_batch_ids(frequency=frequency, ids=user_ids, now=datetime.fromisoformat(now))
