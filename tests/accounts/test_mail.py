"""The one mail function: once per (recipient, purpose), retries, sweep, unsubscribe headers."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.mail.backends import locmem
from django.utils import timezone

from accounts.mail import (
    TransientEmailError,
    email_deliver,
    email_queue,
    email_queue_many,
    unsubscribe_token_read,
)
from accounts.models import EmailDelivery, User
from accounts.tasks import send_email_task, sweep_pending_emails_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queue(user, purpose="notice:1", preference="meeting_reminders", **context):
    return email_queue(
        recipient=user,
        purpose=purpose,
        template="test_notice",
        context={"body": "the agenda is ready.", **context},
        preference=preference,
    )


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
    with pytest.raises(KeyError):
        queue(user, preference=None)


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


def test_bulk_mail_goes_in_batches_over_one_connection_each(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.CountingBackend"
    settings.EMAIL_BATCH_SIZE = 50
    CountingBackend.opened, CountingBackend.fail_for = 0, ()
    people = UserFactory.create_batch(120)
    with django_capture_on_commit_callbacks(execute=True):
        queued = email_queue_many(
            messages=[(person, {"body": "the agenda is ready."}) for person in people],
            purpose="notice:bulk",
            template="test_notice",
            preference="meeting_reminders",
        )
    assert queued == 120
    assert len(mailoutbox) == 120
    assert CountingBackend.opened == 3
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_failure_in_a_batch_leaves_that_message_for_the_sweep(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.CountingBackend"
    people = UserFactory.create_batch(5)
    CountingBackend.opened, CountingBackend.fail_for = 0, (people[2].email.lower(),)
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_many(
            messages=[(person, {"body": "x"}) for person in people],
            purpose="notice:bulk",
            template="test_notice",
            preference="meeting_reminders",
        )
    assert len(mailoutbox) == 4
    failed = EmailDelivery.objects.get(to_address=people[2].email.lower())
    assert failed.status == EmailDelivery.Status.PENDING and failed.attempts == 1
    CountingBackend.fail_for = ()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert sweep_pending_emails_task() == 1
    assert len(mailoutbox) == 5


def test_a_batch_claims_only_rows_still_pending(mailoutbox):
    """Two senders over the same rows (the batch task and the sweep): each row is claimed
    by one of them, so each message goes once."""
    from accounts.mail import _claim

    people = UserFactory.create_batch(4)
    email_queue_many(
        messages=[(person, {"body": "x"}) for person in people],
        purpose="notice:overlap",
        template="test_notice",
        preference="meeting_reminders",
    )
    ids = sorted(EmailDelivery.objects.values_list("pk", flat=True))
    first = _claim(ids[:3])
    second = _claim(ids)
    assert sorted(first) == ids[:3] and second == [ids[3]]
    assert EmailDelivery.objects.filter(status="sending", attempts=1).count() == 4
