from celery import shared_task

from core.queue import RETRY_TRANSIENT
from knowledge.services import review_reminders_send


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def send_review_reminders_task():
    """Tell each owner whose resource is past its review date, once per date. Safe to run
    twice: the e-mail's purpose names the resource and the review date."""
    return review_reminders_send()
