"""The outbox's tasks. Each retries, with a growing pause, when the database or the broker
is briefly away (a restart); what a task could not finish stays in the outbox, where the
periodic sweep finds it (see accounts.mail)."""

from celery import shared_task
from django.conf import settings

from accounts.mail import (
    TransientEmailError,
    email_deliver,
    email_deliver_many,
    email_sweep,
)
from core.queue import RETRY_TRANSIENT


@shared_task(bind=True, acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def send_email_task(self, delivery_id):
    try:
        email_deliver(delivery_id=delivery_id)
    except TransientEmailError as exc:
        # The row is pending again; retry later (the sweep would find it too).
        if self.request.retries + 1 < settings.EMAIL_MAX_ATTEMPTS:
            raise self.retry(
                exc=exc, countdown=settings.EMAIL_RETRY_SECONDS * 2**self.request.retries
            ) from exc


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def send_email_batch_task(delivery_ids):
    """Deliver a batch over one connection; what fails stays pending for the sweep."""
    return email_deliver_many(delivery_ids=delivery_ids)


@shared_task(acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def sweep_pending_emails_task():
    """Deliver every due pending e-mail, and what a dead sender held. Safe to run twice, or
    alongside the tasks."""
    return email_sweep()
