"""The reminder scan after a fault: its progress is the outbox and each meeting's mark,
written a batch of meetings at a time before any task is published, so a scan the database
interrupted is finished by its retry, and each person still gets one reminder."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.utils import timezone

from accounts.models import EmailDelivery
from meetings import services
from meetings.tasks import send_due_reminders_task
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.eager_tasks]


def test_a_scan_the_database_interrupted_is_finished_by_its_retry(
    mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "REMINDER_BATCH", 1)  # a batch for each meeting
    community = CommunityFactory()
    lead = MembershipFactory(community=community, role="convener").user
    people = UserFactory.create_batch(2)
    for title in ("Falls huddle", "Sepsis huddle"):
        start = timezone.now() + timedelta(hours=20)
        meeting = services.meeting_schedule(
            actor=lead,
            community=community,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        for person in people:
            services.registration_create(meeting=meeting, user=person)
    mailoutbox.clear()
    inserts = []

    def restarting(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "emaildelivery" in sql:
            inserts.append(sql)
            if len(inserts) == 2:  # the second batch's reminders: the server restarts
                raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with (
        connection.execute_wrapper(restarting),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = send_due_reminders_task.apply(throw=False)
    # The retry skips the first batch's meeting (marked as reminded) and does the second.
    assert result.successful() and len(inserts) == 3
    reminders = sorted((m.to[0], m.subject) for m in mailoutbox)
    assert len(reminders) == 4 and len(set(reminders)) == 4
    assert EmailDelivery.objects.filter(purpose__startswith="meeting-reminder").count() == 4
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert send_due_reminders_task() == 0  # the next scan: nothing more to do


@pytest.mark.parametrize("size", [5, 50])
@pytest.mark.eager_tasks
def test_the_scan_reads_and_writes_a_batch_of_meetings_in_the_same_queries(
    size, django_assert_num_queries, django_capture_on_commit_callbacks, mailoutbox
):
    """However many meetings are due in a batch: their ids, the meetings (locked, with their
    community), everyone registered, the outbox's insert (with what it needs on each
    database) and the meetings' marks. One person each: SQLite takes 58 messages an insert
    (PostgreSQL copies them all at once)."""
    starts = timezone.now() + timedelta(hours=20)
    for person in UserFactory.create_batch(size):
        meeting = MeetingFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
        RegistrationFactory(meeting=meeting, user=person)
    # The count, the ids, the meetings, the people, the outbox's insert and read back
    # (PostgreSQL: a table to copy into, the insert from it, the table dropped), the marks,
    # the next ids (none); the batch's savepoint and the outbox's, each made and released.
    expected = 13 if connection.vendor == "postgresql" else 12
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(expected):
        assert services.reminders_send().emails == size
    assert not services.reminders_due().exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send().emails == 0  # run again: nothing more
    assert EmailDelivery.objects.filter(purpose__startswith="meeting-reminder:").count() == size
