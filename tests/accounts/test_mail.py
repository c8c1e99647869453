"""The one mail function: once per (recipient, purpose), retries, sweep, unsubscribe headers."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.mail.backends import locmem
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery, User
from accounts.outbox.delivery import (
    TransientEmailError,
    _message_id,
    email_deliver,
    email_queue,
    email_queue_many,
)
from accounts.outbox.preferences import MissingPreference, unsubscribe_token_read
from accounts.tasks import send_email_task, sweep_pending_emails_task
from core.models import AuditEntry
from tests.conftest import soup
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


def queue(user, purpose="notice:1", preference="meeting_reminders", **context):
    return email_queue(
        recipient=user,
        purpose=purpose,
        template="test_notice",
        context={"body": "the agenda is ready.", **context},
        preference=preference,
    )


def notices(people, *, purpose, body="x", **options):
    """A test notice to each person, queued in bulk (email_queue_many)."""
    return email_queue_many(
        messages=[(person, {"body": body}) for person in people],
        purpose=purpose,
        template="test_notice",
        preference="meeting_reminders",
        **options,
    )


def due_rows(count, *, purpose):
    """`count` messages to different people, due a second ago."""
    EmailDelivery.objects.bulk_create(
        EmailDelivery(
            to_address=f"person{n}@example.org",
            purpose=purpose,
            subject="s",
            body_text="t",
            next_attempt_at=timezone.now() - timedelta(seconds=1),
        )
        for n in range(count)
    )


@pytest.mark.eager_tasks
def test_same_purpose_twice_sends_one_message(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(user)
        second = queue(user)
    assert first.pk == second.pk
    assert len(mailoutbox) == 1
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.SENT
    # And again later, in a new transaction: still one.
    with django_capture_on_commit_callbacks(execute=True):
        queue(user)
    assert len(mailoutbox) == 1


@pytest.mark.eager_tasks
def test_message_is_rendered_in_html_and_text_with_unsubscribe_headers(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue(user, body="<script>alert(1)</script>")
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.subject == f"Notice for {user.name}"
    html = message.alternatives[0][0]
    assert "&lt;script&gt;" in html and "<script>" not in html  # user text is escaped
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://testserver/unsubscribe/")
    assert url in message.body and url in html
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert unsubscribe_token_read(token) == (user.pk, "meeting_reminders")


def test_nothing_is_sent_before_commit_and_nothing_after_rollback(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(user)
    assert mailoutbox == []
    assert len(callbacks) == 1  # queued for after the commit, not before


def test_preference_off_means_no_row_and_no_message(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(meeting_reminders=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue(user) is None
    assert mailoutbox == [] and not EmailDelivery.objects.exists()


def test_preference_switched_off_after_queueing_suppresses_delivery(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    User.objects.filter(pk=user.pk).update(meeting_reminders=False)
    email_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SUPPRESSED and mailoutbox == []


def test_every_non_transactional_message_names_a_preference(user):
    with pytest.raises(MissingPreference) as raised:
        queue(user, preference=None)
    assert str(raised.value) == (
        "An e-mail that is not transactional is sent under a preference: name one of digest, "
        "meeting_reminders, membership_notices, meeting_announcements, minutes, "
        "resource_notices."
    )
    assert not EmailDelivery.objects.exists()


def test_a_preference_the_outbox_does_not_know_is_named_in_its_error(user):
    with pytest.raises(MissingPreference) as raised:
        queue(user, preference="meeting_remidners")
    assert str(raised.value) == (
        "No e-mail preference is called 'meeting_remidners': name one of digest, "
        "meeting_reminders, membership_notices, meeting_announcements, minutes, "
        "resource_notices."
    )


def test_a_missing_preference_is_refused_whoever_the_message_is_for(mailoutbox):
    """Not only for an active account that would have been sent it: the message is wrong
    whoever it goes to, and one message to many is refused as one to one."""
    from accounts.outbox.delivery import email_queue_same

    with pytest.raises(MissingPreference):
        queue(UserFactory(is_active=False), preference=None)
    with pytest.raises(MissingPreference):
        email_queue_same(
            recipients=[], context={}, purpose="notice:none", template="test_notice", preference=""
        )
    assert not isinstance(MissingPreference("x"), KeyError)


def test_task_retried_after_transient_smtp_failure_sends_one_message(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    calls = {"n": 0}
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", flaky):
        # The first run meets the failure and asks Celery for a retry, which Celery runs
        # (at once when applied in-process; after the countdown in a worker).
        assert send_email_task.apply(args=[delivery.pk], throw=False).state == "SUCCESS"
        assert calls["n"] == 2
        # A duplicate delivery of the task and the sweep afterwards change nothing.
        send_email_task.apply(args=[delivery.pk], retries=1)
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            sweep_pending_emails_task.apply()
    delivery.refresh_from_db()
    assert calls["n"] == 2
    assert len(mailoutbox) == 1
    assert delivery.status == EmailDelivery.Status.SENT and delivery.attempts == 2


@pytest.mark.eager_tasks
def test_transient_failure_leaves_row_pending_for_the_sweep(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    with (
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages",
            side_effect=smtplib.SMTPResponseException(421, b"Try again later"),
        ),
        pytest.raises(TransientEmailError),
    ):
        email_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.PENDING
    assert delivery.next_attempt_at > timezone.now()
    assert sweep_pending_emails_task() == 0  # not due yet
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert sweep_pending_emails_task() == 1
        assert sweep_pending_emails_task() == 0  # the periodic job twice: one e-mail
    assert len(mailoutbox) == 1


def test_permanent_smtp_failure_is_not_retried(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    refused = smtplib.SMTPRecipientsRefused({user.email: (550, b"No such user")})
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=refused
    ):
        assert email_deliver(delivery_id=delivery.pk) == EmailDelivery.Status.FAILED
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert sweep_pending_emails_task() == 0
    assert mailoutbox == []


def test_gives_up_after_the_maximum_attempts(user, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError(),
    ):
        with pytest.raises(TransientEmailError):
            email_deliver(delivery_id=delivery.pk)
        EmailDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert email_deliver(delivery_id=delivery.pk) == EmailDelivery.Status.FAILED


@pytest.mark.eager_tasks
def test_broker_outage_at_commit_time_loses_nothing(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    """Publishing fails (broker down): the page carries on, the row waits for the sweep."""
    from kombu.exceptions import OperationalError

    with (
        mock.patch.object(
            send_email_task, "apply_async", side_effect=OperationalError("Connection refused")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        delivery = queue(user)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.PENDING and mailoutbox == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        sweep_pending_emails_task.apply()
        sweep_pending_emails_task.apply()
    assert len(mailoutbox) == 1


def test_claim_prevents_a_second_sender(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    EmailDelivery.objects.filter(pk=delivery.pk).update(status=EmailDelivery.Status.SENDING)
    assert email_deliver(delivery_id=delivery.pk) is None
    assert mailoutbox == []


def test_inactive_account_gets_nothing(mailoutbox):
    assert queue(UserFactory(is_active=False)) is None


class CountingBackend(locmem.EmailBackend):
    """The test backend, counting the connections opened and failing where told to."""

    opened = 0
    fail_for = ()

    def open(self):
        CountingBackend.opened += 1
        return super().open()

    def send_messages(self, messages):
        if messages[0].to[0] in CountingBackend.fail_for:
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return super().send_messages(messages)


@pytest.mark.eager_tasks
@pytest.mark.parametrize("deliver_here", [False, True])
def test_bulk_mail_goes_in_batches_over_one_connection_each(
    settings, mailoutbox, django_capture_on_commit_callbacks, deliver_here
):
    """By a task per batch, or by the caller (a digest batch): EMAIL_BATCH_SIZE messages
    to a connection either way."""
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.CountingBackend"
    settings.EMAIL_BATCH_SIZE = 50
    CountingBackend.opened, CountingBackend.fail_for = 0, ()
    people = UserFactory.create_batch(120)
    with django_capture_on_commit_callbacks(execute=True):
        queued = notices(
            people, purpose="notice:bulk", body="the agenda is ready.", deliver_here=deliver_here
        )
    assert queued == 120
    assert len(mailoutbox) == 120
    assert CountingBackend.opened == 3
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.eager_tasks
@pytest.mark.parametrize("deliver_here", [False, True])
def test_a_failure_in_a_batch_leaves_that_message_for_the_sweep(
    settings, mailoutbox, django_capture_on_commit_callbacks, deliver_here
):
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.CountingBackend"
    people = UserFactory.create_batch(5)
    CountingBackend.opened, CountingBackend.fail_for = 0, (people[2].email.lower(),)
    with django_capture_on_commit_callbacks(execute=True):
        notices(people, purpose="notice:bulk", deliver_here=deliver_here)
    assert len(mailoutbox) == 4
    failed = EmailDelivery.objects.get(to_address=people[2].email.lower())
    assert failed.status == EmailDelivery.Status.PENDING and failed.attempts == 1
    assert "SMTPServerDisconnected" in failed.last_error
    assert failed.next_attempt_at > timezone.now()  # the first back-off, not at once
    CountingBackend.fail_for = ()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert sweep_pending_emails_task() == 1
    assert len(mailoutbox) == 5


def test_a_batch_claims_only_rows_still_pending(mailoutbox):
    """Two senders over the same rows (the batch task and the sweep): each row is claimed
    by one of them, so each message goes once."""
    from accounts.outbox.delivery import _claim

    people = UserFactory.create_batch(4)
    notices(people, purpose="notice:overlap")
    ids = sorted(EmailDelivery.objects.values_list("pk", flat=True))
    first = _claim(ids[:3])
    second = _claim(ids)
    assert sorted(first) == ids[:3] and list(second) == [ids[3]]
    assert first == dict.fromkeys(ids[:3], 1)  # each with its attempt counted
    assert EmailDelivery.objects.filter(status="sending", attempts=1).count() == 4


def built_batch(people, **kwargs):
    """A batch queued by a caller that delivers it itself (as a digest batch does)."""
    return notices(
        people, purpose="notice:built", body="the agenda is ready.", deliver_here=True, **kwargs
    )


def test_a_batch_delivered_by_its_builder_is_sent_as_rendered_without_reading_it_back(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.EMAIL_BATCH_SIZE = 50
    people = UserFactory.create_batch(60)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert built_batch(people) == 60
    assert mailoutbox == [] and len(callbacks) == 1  # sent once committed, not before
    with CaptureQueriesContext(connection) as queries:
        callbacks[0]()
    assert len(mailoutbox) == 60
    stored = EmailDelivery.objects.get(to_address=people[0].email.lower())
    sent = next(m for m in mailoutbox if m.to == [stored.to_address])
    assert (sent.subject, sent.body, sent.alternatives[0][0]) == (
        stored.subject,
        stored.body_text,
        stored.body_html,
    )
    assert stored.headers.items() <= sent.extra_headers.items()
    # The Message-ID of the row as built is the one the stored row gives a later attempt.
    assert sent.extra_headers["Message-ID"] == _message_id(stored)
    assert stored.status == EmailDelivery.Status.SENT and stored.attempts == 1
    # Per connection of 50: the claim and the recipients' preferences; then each message
    # recorded sent on its own, as soon as the server accepted it.
    statements = [q["sql"] for q in queries]
    assert len(statements) == 2 * 2 + 60, statements
    table = EmailDelivery._meta.db_table
    assert not [s for s in statements if s.startswith("SELECT") and table in s]


def test_a_preference_switched_off_before_a_built_batch_goes_stops_that_message(
    mailoutbox, django_capture_on_commit_callbacks
):
    keen, changed, closed = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        built_batch([keen, changed, closed])
    User.objects.filter(pk=changed.pk).update(meeting_reminders=False)
    User.objects.filter(pk=closed.pk).update(is_active=False)
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [[keen.email]]
    statuses = dict(EmailDelivery.objects.values_list("to_address", "status"))
    assert statuses == {
        keen.email.lower(): "sent",
        changed.email.lower(): "suppressed",
        closed.email.lower(): "suppressed",
    }


def test_a_built_batch_sends_only_the_rows_it_claims(
    mailoutbox, django_capture_on_commit_callbacks
):
    """The sweep took one row first (it was due): that one is its to send, not the batch's;
    and a row stored before the batch is neither sent again nor counted."""
    earlier, taken, fresh = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        built_batch([earlier])
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert built_batch([earlier, taken, fresh]) == 2
    EmailDelivery.objects.filter(to_address=taken.email.lower()).update(
        status=EmailDelivery.Status.SENDING
    )
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [[earlier.email], [fresh.email]]


@pytest.mark.eager_tasks
def test_a_built_batch_waits_for_the_sweep_when_the_server_is_down(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.CountingBackend"
    CountingBackend.opened, CountingBackend.fail_for = 0, ()
    people = UserFactory.create_batch(3)
    with (
        mock.patch.object(CountingBackend, "open", side_effect=ConnectionRefusedError()),
        django_capture_on_commit_callbacks(execute=True),
    ):
        built_batch(people)
    assert mailoutbox == []
    assert set(EmailDelivery.objects.values_list("status", "attempts")) == {("pending", 0)}
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert sweep_pending_emails_task() == 3
    assert len(mailoutbox) == 3


@pytest.mark.parametrize(
    "template",
    [
        "test_notice",  # reads recipient.name: nothing to share, each drawn alone
        "test_shout",  # the short name through |upper: the placeholder is changed
        "meeting_reminder",  # shared: drawn once
    ],
)
def test_the_same_message_to_many_is_what_each_would_get_alone(template):
    """email_queue_same stores, for every person, exactly what email_queue_many stores when
    it draws the message for each of them; whatever the templates read of the recipient."""
    from accounts.outbox.delivery import email_queue_same
    from tests.factories import CommunityFactory

    people = [
        UserFactory(name="Ana&<i>Jo</i> O'Neil"),
        UserFactory(name="Bo Lindqvist", timezone="Asia/Tokyo"),
        UserFactory(name="Cy Ward"),
    ]
    starts = timezone.now() + timedelta(days=1)
    meeting = MeetingFactory(
        community=CommunityFactory(), title="Falls & fractures", starts_at=starts
    )
    context = {"body": "the <agenda> is ready.", "meeting": meeting, "meeting_url": "https://x"}
    kwargs = {"template": template, "preference": "meeting_reminders"}
    # One instant for both: an unsubscribe token holds the second it was made in.
    with time_machine.travel(timezone.now(), tick=False):
        email_queue_same(recipients=people, context=context, purpose="notice:same", **kwargs)
        email_queue_many(
            messages=[(person, context) for person in people], purpose="notice:each", **kwargs
        )
    fields = ("to_address", "subject", "body_text", "body_html")
    same = list(EmailDelivery.objects.filter(purpose="notice:same").order_by("to_address"))
    each = list(EmailDelivery.objects.filter(purpose="notice:each").order_by("to_address"))
    assert len(same) == len(each) == 3
    for a, b in zip(same, each, strict=True):
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert a.headers == b.headers


def test_messages_are_inserted_as_a_values_list_not_as_arrays():
    """A batch of messages goes in one INSERT of VALUES rows: PostgreSQL's UNNEST form would
    send each column as an array literal that the client escapes in Python (the bodies are
    full of quotes), a third of the cost of queueing a reminder."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = UserFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        queued = notices(people, purpose="notice:values", body='a "quoted" agenda')
    assert queued == 3
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "UNNEST" not in inserts[0].upper()
    assert all('a "quoted" agenda' in d.body_text for d in EmailDelivery.objects.all())


# --- leases, outcomes recorded at once, catch-up, staff --------------------------------------


@pytest.mark.eager_tasks
def test_a_row_left_sending_by_a_dead_sender_goes_once_its_lease_has_passed(
    user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The sender claimed the row and died before SMTP (kill -9): the sweep leaves the row
    while the lease lasts, then sends it, once."""
    from accounts.outbox.delivery import _claim

    settings.EMAIL_LEASE_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    assert _claim([delivery.pk]) == {delivery.pk: 1}  # ...and the process dies here
    with time_machine.travel(timezone.now() + timedelta(seconds=200)):
        assert sweep_pending_emails_task() == 0
    assert mailoutbox == []
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        assert sweep_pending_emails_task() == 1
        assert sweep_pending_emails_task() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_by) == ("sent", 2, "")
    assert len(mailoutbox) == 1


@pytest.mark.eager_tasks
def test_a_row_whose_senders_keep_dying_is_failed_for_staff_to_see(
    user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.outbox.delivery import _claim

    settings.EMAIL_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    _claim([delivery.pk])  # the sender dies...
    EmailDelivery.objects.filter(pk=delivery.pk).update(status="pending")  # (the sweep)
    _claim([delivery.pk])  # ...and the next one too
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        sweep_pending_emails_task()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "No outcome recorded" in delivery.last_error
    assert mailoutbox == []


class RecordingBackend(locmem.EmailBackend):
    """The test backend, noting the statuses of the outbox each time a message goes."""

    seen = []

    def send_messages(self, messages):
        RecordingBackend.seen.append(
            dict(EmailDelivery.objects.values_list("to_address", "status"))
        )
        return super().send_messages(messages)


@pytest.mark.eager_tasks
@pytest.mark.parametrize("deliver_here", [False, True])
def test_each_message_is_recorded_sent_before_the_next_goes(
    settings, mailoutbox, django_capture_on_commit_callbacks, deliver_here
):
    """Not at the end of the chunk: a sender killed after the third message leaves the
    first three recorded, and only the one in flight can be sent again."""
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.RecordingBackend"
    RecordingBackend.seen = []
    people = UserFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=True):
        notices(people, purpose="notice:bulk", deliver_here=deliver_here)
    assert len(mailoutbox) == 5
    for position, statuses in enumerate(RecordingBackend.seen):
        sent = [a for a, status in statuses.items() if status == "sent"]
        assert len(sent) == position, statuses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_outcome_is_recorded_once_the_database_is_back(user, settings, mailoutbox):
    """The database drops as the server accepts the message (a restart): the sender waits
    for it and records the message sent, so the sweep does not send it again."""
    from django.db import OperationalError, connection

    settings.EMAIL_DB_RETRY_SECONDS = 10
    delivery = EmailDelivery.objects.create(
        to_address=user.email, recipient=user, purpose="notice:1", subject="s", body_text="t"
    )
    failures = []

    def restarting(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and "sent_at" in sql and len(failures) < 2:
            failures.append(sql)
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(restarting):
        assert email_deliver(delivery_id=delivery.pk) == "sent"
    assert len(failures) == 2
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert sweep_pending_emails_task() == 0
    assert len(mailoutbox) == 1


class RefusingBackend(CountingBackend):
    """A server answering 451 to every message while `refusing` is set."""

    refusing = True
    tried = 0

    def send_messages(self, messages):
        if RefusingBackend.refusing:
            RefusingBackend.tried += 1
            raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (451, b"Try again later")})
        return super().send_messages(messages)


@pytest.mark.eager_tasks
def test_after_a_temporary_refusal_every_row_goes_at_the_next_attempt(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The server refuses for a while: two refusals in a row, and every other row waits as
    long, with no attempt spent; the next sweep sends them all, in batches, at once."""
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.RefusingBackend"
    settings.EMAIL_BATCH_SIZE = 50
    RefusingBackend.refusing, RefusingBackend.tried, CountingBackend.opened = True, 0, 0
    people = UserFactory.create_batch(120)
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_many(
            messages=[(person, {"body": "x"}) for person in people],
            purpose="notice:bulk",
            template="test_notice",
            preference="meeting_reminders",
            deliver_here=True,
        )
    assert RefusingBackend.tried == 2 and mailoutbox == []
    rows = EmailDelivery.objects.all()
    assert set(rows.values_list("status", flat=True)) == {"pending"}
    assert sorted(rows.values_list("attempts", flat=True)).count(0) == 118
    retry_at = rows.order_by("-next_attempt_at")[0].next_attempt_at
    assert retry_at > timezone.now() + timedelta(seconds=30)  # the first back-off
    assert rows.filter(next_attempt_at__gte=retry_at - timedelta(seconds=1)).count() == 120
    RefusingBackend.refusing, CountingBackend.opened = False, 0
    with time_machine.travel(retry_at + timedelta(seconds=1)):
        assert sweep_pending_emails_task() == 120
    assert len(mailoutbox) == 120 and CountingBackend.opened == 3


@pytest.mark.eager_tasks
def test_the_sweep_sends_every_due_row_not_a_fixed_number_a_run(settings, mailoutbox):
    """After an outage thousands may be due: one sweep sends them all (it used to take 500
    a minute, and a 30-second refusal delayed a large digest by hours)."""
    settings.EMAIL_BATCH_SIZE = 100
    due_rows(1200, purpose="notice:catch-up")
    assert sweep_pending_emails_task() == 1200
    assert len(mailoutbox) == 1200
    assert sweep_pending_emails_task() == 0


@pytest.mark.eager_tasks
def test_staff_see_failed_and_stuck_messages_with_their_errors_and_retry_them(
    client, settings, mailoutbox
):
    settings.EMAIL_LEASE_SECONDS = 300
    staff = UserFactory(is_staff=True, is_superuser=True)
    long_ago = timezone.now() - timedelta(hours=1)
    failed, stuck, busy, sent = (
        EmailDelivery.objects.create(
            to_address=f"{name}@example.org",
            purpose="notice:admin",
            subject="s",
            body_text="t",
            status=status,
            attempts=attempts,
            last_error=error,
            claimed_at=claimed_at,
            claimed_by="worker-1:42" if claimed_at else "",
        )
        for name, status, attempts, error, claimed_at in (
            ("failed", "failed", 6, "SMTPRecipientsRefused: 451 Try again later", None),
            ("stuck", "sending", 1, "", long_ago),
            ("busy", "sending", 1, "", timezone.now()),
            ("sent", "sent", 1, "", None),
        )
    )
    client.force_login(staff)
    url = reverse("admin:accounts_emaildelivery_changelist")
    page = soup(client.get(url, {"problem": "failed"}))
    assert "451 Try again later" in page.get_text()
    assert "failed@example.org" in page.get_text() and "sent@example.org" not in page.get_text()
    page = soup(client.get(url, {"problem": "stuck"}))
    assert "stuck@example.org" in page.get_text() and "busy@example.org" not in page.get_text()

    response = client.post(
        url,
        {
            "action": "retry",
            "_selected_action": [failed.pk, stuck.pk, busy.pk, sent.pk],
        },
    )
    assert response.status_code == 302
    statuses = dict(EmailDelivery.objects.values_list("to_address", "status"))
    assert statuses == {
        "failed@example.org": "pending",
        "stuck@example.org": "pending",
        "busy@example.org": "sending",  # its sender is alive: not taken from it
        "sent@example.org": "sent",
    }
    assert AuditEntry.objects.get(action="email.retry").data == {
        "deliveries": sorted([failed.pk, stuck.pk])
    }
    assert sweep_pending_emails_task() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["failed@example.org", "stuck@example.org"]


def test_a_sweep_ends_even_when_what_it_hands_out_stays_due(settings, monkeypatch):
    """No hand-over time at all, and tasks that never run: each row is handed out once."""
    from accounts.tasks import send_email_batch_task

    settings.EMAIL_HANDOVER_SECONDS = 0
    monkeypatch.setattr(send_email_batch_task, "apply_async", lambda *args, **kwargs: None)
    due_rows(3, purpose="notice:lost")
    assert sweep_pending_emails_task() == 3
