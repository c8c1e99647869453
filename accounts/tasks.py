"""The app's Celery tasks, where Celery's autodiscovery looks for them. The outbox's tasks
live beside what they run, in accounts.outbox.delivery, under the names this module gave
them (accounts.tasks.*)."""

from accounts.outbox.delivery import (
    send_email_batch_task,
    send_email_task,
    sweep_pending_emails_task,
)

__all__ = ["send_email_batch_task", "send_email_task", "sweep_pending_emails_task"]
