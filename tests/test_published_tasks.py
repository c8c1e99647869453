"""A task published in a test runs in-process only where the test says so (the eager_tasks
marker); anywhere else it is recorded, neither run nor sent to a broker (tests/conftest.py)."""

import pytest

from accounts.models import EmailDelivery
from accounts.outbox.delivery import email_queue_rendered
from cop_platform.celery import app as celery_app
from core.queue import publish
from tests.conftest import PublishedTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_broker(monkeypatch):
    """Whatever would reach the broker fails the test."""

    def reached(*args, **kwargs):
        pytest.fail("a task reached the broker")

    monkeypatch.setattr(celery_app.amqp, "send_task_message", reached)


def queue_one(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return email_queue_rendered(
            to_address="robin@example.org",
            purpose="notice:1",
            subject="The minutes are ready",
            text="Read them on the site.",
        )


@pytest.mark.parametrize(
    "status, sent",
    [
        pytest.param(EmailDelivery.Status.PENDING, [], id="unmarked"),
        pytest.param(
            EmailDelivery.Status.SENT,
            [["robin@example.org"]],
            id="eager_tasks",
            marks=pytest.mark.eager_tasks,
        ),
    ],
)
def test_a_published_task_is_recorded_and_runs_only_with_the_marker(
    status, sent, published_tasks, mailoutbox, no_broker, django_capture_on_commit_callbacks
):
    delivery = queue_one(django_capture_on_commit_callbacks)
    assert published_tasks == [PublishedTask("accounts.tasks.send_email_task", (delivery.pk,), {})]
    delivery.refresh_from_db()
    assert delivery.status == status
    assert [m.to for m in mailoutbox] == sent


def test_without_the_marker_publishing_succeeds_without_a_broker(published_tasks, no_broker):
    from accounts.tasks import sweep_pending_emails_task

    assert publish(sweep_pending_emails_task) is True
    assert published_tasks == [PublishedTask("accounts.tasks.sweep_pending_emails_task", (), {})]
