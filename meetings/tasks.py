from celery import shared_task

from core.queue import RETRY_TRANSIENT
from meetings.services import reminders_send


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def send_due_reminders_task():
    """Queue the reminders that are due. Run it twice, or after an outage: each person gets
    one reminder per meeting start time, and only for meetings that have not started.

    The scan keeps its progress in the database: each meeting's reminders are stored in the
    outbox, and the meeting marked as reminded for its start time, in one transaction,
    before any task is published; the scan itself is the periodic sweep of that work (every
    five minutes it finds every meeting whose reminders are due and not yet stored). A
    database restart mid-scan is retried with a growing pause; what it interrupted is found
    by the retry or the next scan."""
    return reminders_send().emails
