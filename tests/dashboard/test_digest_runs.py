"""The digest job's record of progress: every fault leaves a run the periodic sweep
(digest_resume) can finish, and each person still gets one digest."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from accounts.tasks import sweep_pending_emails_task
from core.models import AuditEntry
from dashboard.digest import digest_fan_out, digest_progress, digest_resume, digest_send
from dashboard.models import DigestBatch, DigestRun
from dashboard.tasks import send_digest_batch_task, send_digests_task
from tests.conftest import soup
from tests.factories import CommunityFactory, MeetingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(settings):
    """Five weekly readers of one community with a meeting coming: five digests, in three
    batches of two."""
    settings.DIGEST_BATCH_SIZE = 2
    settings.EMAIL_LEASE_SECONDS = 300
    settings.EMAIL_HANDOVER_SECONDS = 60
    community = CommunityFactory(name="Falls")
    people = UserFactory.create_batch(5, digest_frequency="weekly")
    for person in people:
        MembershipFactory(community=community, user=person)
    start = timezone.now() + timedelta(days=3)
    MeetingFactory(community=community, title="Falls huddle", starts_at=start)
    return people


def received(mailoutbox):
    return sorted(m.to[0] for m in mailoutbox)


@pytest.mark.eager_tasks
def test_a_run_records_its_batches_planned_built_and_delivered(
    readers, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests_task("weekly") == 3
    run = DigestRun.objects.get()
    assert run.frequency == "weekly" and run.period.startswith("weekly:")
    assert digest_progress(run) == {"delivered": 3}
    assert run.state == "building"  # until the sweep has seen every digest leave
    assert sorted(DigestBatch.objects.values_list("queued", flat=True)) == [1, 2, 2]
    digest_resume()
    run.refresh_from_db()
    assert run.state == "done" and run.finished_at is not None
    assert received(mailoutbox) == sorted(p.email for p in readers)
    # The job asked again for the same period: nobody gets a second one.
    with django_capture_on_commit_callbacks(execute=True):
        send_digests_task("weekly")
    digest_resume()
    assert len(mailoutbox) == 5 and DigestRun.objects.get().state == "done"


@pytest.mark.eager_tasks
def test_batches_lost_with_the_broker_are_built_by_the_sweep(
    readers, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """The tasks were published, then the broker restarted empty: nothing runs them. The
    run in the database says what is left; the sweep builds it once the hand-over passed."""
    monkeypatch.setattr(send_digest_batch_task, "apply_async", lambda *a, **k: None)
    assert digest_fan_out(frequency="weekly") == 3
    monkeypatch.undo()
    assert digest_progress(DigestRun.objects.get()) == {"planned": 3}
    assert digest_resume() == 0  # their tasks may still be queued: not yet
    with (
        time_machine.travel(timezone.now() + timedelta(seconds=61)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert digest_resume() == 3
        assert digest_resume() == 0
    digest_resume()
    assert DigestRun.objects.get().state == "done"
    assert received(mailoutbox) == sorted(p.email for p in readers)


@pytest.mark.eager_tasks
def test_a_batch_whose_worker_died_while_building_is_built_once_its_lease_passes(
    readers, mailoutbox, django_capture_on_commit_callbacks
):
    run = DigestRun.objects.create(
        frequency="weekly", period="weekly:test", started_at=timezone.now()
    )
    DigestBatch.objects.create(
        run=run,
        number=1,
        user_ids=[p.pk for p in readers],
        state="building",
        attempts=1,
        claimed_at=timezone.now(),
        claimed_by="worker-2:4242",  # killed
    )
    assert digest_resume() == 0 and mailoutbox == []
    with (
        time_machine.travel(timezone.now() + timedelta(seconds=301)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert digest_resume() == 1
        digest_resume()
    run.refresh_from_db()
    assert run.state == "done" and run.batches.get().attempts == 2
    assert received(mailoutbox) == sorted(p.email for p in readers)


@pytest.mark.eager_tasks
def test_a_batch_whose_worker_died_while_delivering_is_finished_by_the_outbox_sweep(
    readers, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # built; the worker dies
        digest_send(frequency="weekly")
    run = DigestRun.objects.get()
    assert digest_progress(run) == {"delivered": 3}
    digest_resume()
    run.refresh_from_db()
    assert run.state == "building" and mailoutbox == []  # five digests still to send
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        sweep_pending_emails_task()
        digest_resume()
    run.refresh_from_db()
    assert run.state == "done" and len(mailoutbox) == 5


def test_a_batch_retries_when_the_database_drops_while_it_is_built(
    readers, mailoutbox, django_capture_on_commit_callbacks
):
    """A PostgreSQL restart as the digests are stored: the transaction is lost whole, the
    task tries again, and everyone gets one digest."""
    run = DigestRun.objects.create(
        frequency="weekly", period="weekly:test", started_at=timezone.now()
    )
    batch = DigestBatch.objects.create(run=run, number=1, user_ids=[p.pk for p in readers])
    failures = []

    def restarting(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "emaildelivery" in sql and not failures:
            failures.append(sql)
            raise OperationalError("the database system is shutting down")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(restarting), django_capture_on_commit_callbacks(execute=True):
        send_digest_batch_task.apply(args=[batch.pk], throw=False)
    assert len(failures) == 1
    batch.refresh_from_db()
    assert (batch.state, batch.attempts, batch.queued) == ("delivered", 2, 5)
    assert received(mailoutbox) == sorted(p.email for p in readers)


@pytest.mark.eager_tasks
def test_a_failed_batch_is_shown_to_staff_and_built_again_on_request(
    readers, client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from dashboard import digest

    real = digest.updates_for

    def broken(*args, **kwargs):
        raise ValueError("a template tag failed")

    monkeypatch.setattr(digest, "updates_for", broken)
    with pytest.raises(ValueError), django_capture_on_commit_callbacks(execute=True):
        digest_send(frequency="weekly")
    monkeypatch.setattr(digest, "updates_for", real)
    failed = DigestBatch.objects.get(state="failed")
    assert failed.last_error == "ValueError: a template tag failed"
    with django_capture_on_commit_callbacks(execute=True):
        digest_resume()  # builds the two batches left...
    digest_resume()  # ...and closes the run, as failed
    run = DigestRun.objects.get()
    assert run.state == "failed" and len(mailoutbox) == 3

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = soup(client.get(reverse("admin:dashboard_digestrun_changelist")))
    row = [td.get_text() for td in page.select("#result_list tbody tr")[0].find_all("td")]
    assert row[-4:] == ["3", "2", "2", "1"]  # planned, built, delivered, failed
    page = soup(client.get(reverse("admin:dashboard_digestbatch_changelist"), {"state": "failed"}))
    assert "ValueError: a template tag failed" in page.get_text()
    response = client.post(
        reverse("admin:dashboard_digestbatch_changelist"),
        {"action": "retry", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="digest.retry").data == {"batches": [failed.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        digest_resume()
    digest_resume()
    run.refresh_from_db()
    assert run.state == "done" and len(mailoutbox) == 5
    assert EmailDelivery.objects.filter(status="sent").count() == 5


def test_the_tasks_keep_the_names_queued_tasks_and_the_schedule_use(settings):
    """Tasks already in the queue and the periodic schedule name them by these names: a
    renamed task would leave them undelivered."""
    from cop_platform.celery import app
    from dashboard.tasks import resume_digests_task

    names = {
        "dashboard.tasks.send_digests_task": send_digests_task,
        "dashboard.tasks.send_digest_batch_task": send_digest_batch_task,
        "dashboard.tasks.resume_digests_task": resume_digests_task,
    }
    for name, task in names.items():
        assert task.name == name and app.tasks[name].name == name
    scheduled = {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert set(names) & scheduled == {
        "dashboard.tasks.send_digests_task",
        "dashboard.tasks.resume_digests_task",
    }
