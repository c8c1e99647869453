from celery import shared_task

from meetings.services import reminders_due, reminders_queue


@shared_task(acks_late=True, ignore_result=True)
def send_due_reminders_task():
    """Queue the reminders that are due. Run it twice, or after an outage: each person gets
    one reminder per meeting start time, and only for meetings that have not started."""
    queued = 0
    for meeting in reminders_due():
        queued += reminders_queue(meeting=meeting)
    return queued
