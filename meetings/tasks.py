from celery import shared_task

from cop_platform.celery import RETRY_TRANSIENT
from meetings.services import reminders_due, reminders_queue


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def send_due_reminders_task():
    """Queue the reminders that are due. Run it twice, or after an outage: each person gets
    one reminder per meeting start time, and only for meetings that have not started.

    The scan keeps its progress in the database: each meeting's reminders are stored in the
    outbox in one transaction, before any task is published, and the scan itself is the
    periodic sweep of that work (every five minutes it finds again every meeting whose
    reminders are due and not yet stored). A database restart mid-scan is retried with a
    growing pause; what it interrupted is found by the next scan."""
    queued = 0
    for meeting in reminders_due():
        queued += reminders_queue(meeting=meeting)
    return queued
