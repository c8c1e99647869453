"""A real Celery worker process, a real broker (Redis when REDIS_URL is set, as in CI;
the filesystem transport otherwise) and a real SMTP server on loopback (aiosmtpd)."""

import subprocess
import time
import uuid

import pytest

from accounts.models import EmailDelivery
from accounts.outbox.delivery import email_queue_rendered
from accounts.tasks import sweep_pending_emails_task
from cop_platform.celery import app as celery_app
from tests.conftest import ROOT, run_python
from tests.factories import UserFactory
from tests.integration.conftest import celery_worker, child_env, stop, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(smtp_sink):
    """Start `celery worker` on a queue of its own, sending through the SMTP sink."""
    _, port = smtp_sink
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = child_env(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    proc = subprocess.Popen(
        celery_worker("--pool=solo", "-Q", queue),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield proc
    finally:
        celery_app.conf.task_default_queue = previous
        print(stop(proc))


@pytest.mark.real_broker
def test_worker_delivers_over_smtp_exactly_once(worker, smtp_sink):
    sink, _ = smtp_sink
    user = UserFactory(email="kit@example.org")
    # Outside a transaction: on_commit publishes at once, to the real broker.
    delivery = email_queue_rendered(
        to_address=user.email,
        recipient=user,
        purpose="integration:1",
        subject="Minutes of the March meeting",
        text="The minutes are ready.",
        html="<p>The minutes are ready.</p>",
        preference="digest",
        unsubscribe="http://testserver/unsubscribe/x/",
    )
    email_queue_rendered(  # the same purpose again: nothing new is queued
        to_address=user.email,
        recipient=user,
        purpose="integration:1",
        subject="x",
        text="x",
    )
    assert wait_for(lambda: len(sink.messages) >= 1), "the worker did not deliver within 60 s"
    assert wait_for(
        lambda: EmailDelivery.objects.get(pk=delivery.pk).status == EmailDelivery.Status.SENT
    )
    time.sleep(1)  # anything duplicated would have arrived by now
    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert message["To"] == "kit@example.org"
    assert message["Subject"] == "Minutes of the March meeting"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert worker.poll() is None, "the worker died"


@pytest.mark.eager_tasks
def test_broker_outage_at_commit_time_does_not_hang_and_the_sweep_sends(smtp_sink, settings):
    """A page that queues an e-mail while the broker is down answers quickly; the row waits."""
    UserFactory(email="lee@example.org")
    script = (
        "import time, django; django.setup();"
        "from accounts.models import User; from accounts.outbox.delivery import email_queue_rendered;"
        "u = User.objects.get(email='lee@example.org'); t = time.monotonic();"
        "d = email_queue_rendered(to_address=u.email, recipient=u, purpose='outage:1', subject='s', text='t');"
        "print(round(time.monotonic() - t, 2), d.status)"
    )
    # Port 9 on loopback: nothing listens, the connection is refused.
    env = child_env(
        REDIS_URL="redis://127.0.0.1:9/0", DJANGO_SETTINGS_MODULE="cop_platform.settings"
    )
    result = run_python(script, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    elapsed, status = result.stdout.split()[-2:]
    assert status == "pending"
    assert float(elapsed) < 10, f"queueing took {elapsed}s with the broker down"
    assert "will pick it up" in result.stderr

    sink, port = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    EmailDelivery.objects.update(next_attempt_at=EmailDelivery.objects.get().created_at)
    assert sweep_pending_emails_task() == 1
    assert sweep_pending_emails_task() == 0
    assert len(sink.messages) == 1 and sink.messages[0]["To"] == "lee@example.org"


def test_a_worker_keeps_its_database_connection_from_task_to_task_until_conn_max_age():
    """Celery's Django fix-up closes the connection around every task unless
    CELERY_DB_REUSE_MAX is set; the project's own handler then closes it as Django does
    after a request: when older than CONN_MAX_AGE (or broken)."""
    import time

    from celery import signals
    from celery.fixups.django import DjangoWorkerFixup
    from django.db import connection

    from accounts.tasks import send_email_batch_task as task
    from cop_platform.celery import app

    fixup = DjangoWorkerFixup(app)
    assert not task.request.is_eager  # as in a worker

    def run_a_task():
        fixup.on_task_prerun(sender=task)
        signals.task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
        EmailDelivery.objects.exists()  # the task's work
        fixup.on_task_postrun(sender=task)
        signals.task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={})

    connection.ensure_connection()
    first = connection.connection
    connection.close_at = time.monotonic() + 60  # as CONN_MAX_AGE = 60 sets it
    for _ in range(3):
        run_a_task()
    assert connection.connection is first
    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    run_a_task()
    assert connection.connection is not first
