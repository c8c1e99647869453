"""Every task of the project retries a transient database or broker error (a restart), with
a growing pause and a bounded number of times; what it still cannot do is picked up by its
periodic sweep from the database."""

from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from cop_platform.celery import app


def test_every_task_of_the_project_retries_transient_errors_a_bounded_number_of_times():
    app.loader.import_default_modules()
    ours = {
        name: task
        for name, task in app.tasks.items()
        if not name.startswith("celery.") and task.__module__.split(".")[0] != "celery"
    }
    assert {
        "accounts.tasks.send_email_task",
        "accounts.tasks.send_email_batch_task",
        "accounts.tasks.sweep_pending_emails_task",
        "dashboard.tasks.send_digests_task",
        "dashboard.tasks.send_digest_batch_task",
        "dashboard.tasks.resume_digests_task",
        "meetings.tasks.send_due_reminders_task",
        "knowledge.tasks.send_review_reminders_task",
    } <= set(ours)
    for name, task in ours.items():
        retried = set(getattr(task, "autoretry_for", ()))
        assert {OperationalError, InterfaceError, BrokerError} <= retried, name
        assert task.retry_backoff and task.max_retries is not None, name
        assert task.max_retries <= 10, name
