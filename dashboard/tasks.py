from celery import shared_task

from dashboard.digest import digest_send


@shared_task(acks_late=True, ignore_result=True, time_limit=3600, soft_time_limit=3300)
def send_digests_task(frequency):
    """Queue this period's digests; safe to run twice or after a crash."""
    return digest_send(frequency=frequency)
