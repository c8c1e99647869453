"""The outbox's rows from first to last: queueing a message (one row per address and
purpose), storing it, claiming it under a lease, delivering it over SMTP and recording the
outcome at once, and the sweep that sends whatever is still due; with the Celery tasks that
run them, beside what they run.

The tasks keep the names they had when they lived in accounts/tasks.py (name=...): a
queued task and the beat schedule find a task by its name. accounts/tasks.py names them
again for Celery's autodiscovery.
"""

import logging
import os
import smtplib
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from email.utils import format_datetime
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import EmailDelivery, User
from accounts.outbox.bulk import rows_store
from accounts.outbox.preferences import (
    PREFERENCES,
    preference_get,
    preferences_page_url,
    unsubscribe_headers,
)
from accounts.outbox.render import render_one, render_same
from core.queue import RETRY_TRANSIENT, enqueue_on_commit, publish

logger = logging.getLogger(__name__)


class TransientEmailError(Exception):
    """SMTP said 'try again later' (4xx) or the network failed: worth retrying."""


# --- queueing and storing -------------------------------------------------------------------


def email_queue(
    *,
    recipient,
    purpose,
    template,
    context=None,
    preference=None,
    transactional=False,
    attachments=None,
    reply_to=None,
):
    """Render templates/emails/<template>.{subject.txt,txt,html} and queue it once (with a
    Reply-To header when `reply_to` names an address).

    Returns the delivery row, or None when the recipient has switched the preference off
    or the account is inactive. Raises MissingPreference when a message that is not
    transactional names no preference (every such message can be switched off).
    """
    message = render_one(
        recipient=recipient,
        template=template,
        context=context,
        preference=preference,
        transactional=transactional,
        reply_to=reply_to,
    )
    if message is None:
        return None
    return _store(
        to_address=recipient.email,
        recipient=recipient,
        purpose=purpose,
        preference=preference or "",
        attachments=attachments,
        **message,
    )


def email_queue_many(
    *, messages, purpose, template, preference, attachments=(), deliver_here=False, reply_to=None
):
    """Queue one message per (recipient, context) in `messages` with a fixed number of
    queries, whatever their number: one insert, one read back. Rows that exist already
    (the same purpose for the same address) are left as they are and not queued again.

    They are sent on commit by tasks, a batch each; or, with deliver_here (a caller that is
    itself one batch of a larger job running in a worker), here, EMAIL_BATCH_SIZE to a
    connection, from the messages as rendered (not read back), while the other workers
    build the next batches. Whatever is not sent stays for the sweep.

    `reply_to(recipient)`, when given, is the address each person's reply goes to."""
    preferences_url = preferences_page_url()
    rendered = (
        (
            recipient,
            render_one(
                recipient=recipient,
                template=template,
                context=context,
                preference=preference,
                transactional=False,
                preferences_url=preferences_url,
                reply_to=reply_to(recipient) if reply_to else None,
            ),
            purpose,
            attachments,
        )
        for recipient, context in messages
    )
    return _queue_many(rendered, preference=preference, deliver_here=deliver_here)


@dataclass(frozen=True)
class Mailing:
    """One message to many people (a meeting's reminder to everyone registered for it)."""

    recipients: list
    context: dict
    purpose: str
    attachments: list = field(default_factory=list)


def email_queue_same(*, recipients, context, purpose, template, preference, attachments=()):
    """email_queue_many of one message to many people: the same messages, each in its
    recipient's time zone, with the templates rendered once per time zone rather than once
    per person."""
    mailing = Mailing(recipients, context, purpose, list(attachments))
    return email_queue_mailings(mailings=[mailing], template=template, preference=preference)


def email_queue_mailings(*, mailings, template, preference):
    """email_queue_same of several mailings at once (a batch of meetings' reminders): each
    drawn once per time zone, and the rows of all of them stored at once."""
    rendered = (
        (recipient, message, mailing.purpose, mailing.attachments)
        for mailing in mailings
        for recipient, message in render_same(
            recipients=mailing.recipients,
            template=template,
            context=mailing.context,
            preference=preference,
        )
    )
    return _queue_many(rendered, preference=preference, deliver_here=False)


def _queue_many(rendered, *, preference, deliver_here):
    """Store (recipient, message or None, purpose, attachments) as pending rows at once
    (accounts.outbox.bulk), and send them (see email_queue_many)."""
    rows = []
    for recipient, message, purpose, attachments in rendered:
        if message is not None:
            rows.append(
                EmailDelivery(
                    to_address=recipient.email.strip().lower(),
                    recipient=recipient,
                    purpose=purpose,
                    preference=preference,
                    subject=message["subject"],
                    body_text=message["text"],
                    body_html=message["html"],
                    headers=message["headers"],
                    attachments=list(attachments),
                    next_attempt_at=_handover_until(),
                )
            )
    if not rows:
        return 0
    new_ids = rows_store(rows)
    if deliver_here:
        # The rows as built here are the rows stored (the store left out only those that
        # existed already): they get their ids and are sent without reading them back.
        stored = {}
        for row in rows:
            pk = new_ids.get((row.to_address, row.purpose))
            if pk is not None and pk not in stored:  # the first of one address was stored
                row.pk = pk
                row._state.adding = False
                stored[pk] = row
        transaction.on_commit(partial(_deliver, list(stored), stored=stored))
        return len(stored)
    # Batches, each sent by one task over one SMTP connection: a digest for thousands of
    # people costs a connection and a task per batch, not per message.
    ids = list(new_ids.values())
    size = settings.EMAIL_BATCH_SIZE
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        enqueue_on_commit(send_email_batch_task, batch, on_failure=partial(_due_now, *batch))
    return len(ids)


def email_queue_rendered(
    *,
    to_address,
    purpose,
    subject,
    text,
    html="",
    recipient=None,
    preference="",
    unsubscribe=None,
    attachments=None,
):
    """Store an already rendered message once per (address, purpose) and queue its delivery."""
    return _store(
        to_address=to_address,
        purpose=purpose,
        subject=subject,
        text=text,
        html=html,
        recipient=recipient,
        preference=preference,
        headers=unsubscribe_headers(unsubscribe),
        attachments=attachments,
    )


def _store(
    *, to_address, purpose, subject, text, html, recipient, preference, headers, attachments
):
    to_address = to_address.strip().lower()
    try:
        with transaction.atomic():
            delivery, created = EmailDelivery.objects.get_or_create(
                to_address=to_address,
                purpose=purpose,
                defaults={
                    "recipient": recipient,
                    "preference": preference,
                    "subject": subject[:255],
                    "body_text": text,
                    "body_html": html,
                    "headers": headers,
                    "attachments": attachments or [],
                    # The on-commit task sends it at once; the sweep waits a minute first
                    # (or not at all if the task could not be published: see _due_now).
                    "next_attempt_at": _handover_until(),
                },
            )
    except IntegrityError:  # a concurrent call stored it first
        return EmailDelivery.objects.get(to_address=to_address, purpose=purpose)
    if created:
        enqueue_on_commit(send_email_task, delivery.pk, on_failure=partial(_due_now, delivery.pk))
    return delivery


def _due_now(*delivery_ids):
    """No task is coming for these rows (the broker was down): the next sweep sends them,
    rather than waiting out the minute left for the task."""
    EmailDelivery.objects.filter(pk__in=delivery_ids, status=EmailDelivery.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )


def _handover_until():
    """Until when a new row is left to the task queued for it (EMAIL_HANDOVER_SECONDS):
    after that the sweep sends it, should the task have been lost with the broker."""
    return timezone.now() + timedelta(seconds=settings.EMAIL_HANDOVER_SECONDS)


def one_off_purpose(prefix):
    """A purpose key for a message that may legitimately be sent again (e.g. a reset link)."""
    return f"{prefix}:{uuid.uuid4().hex}"


def _is_transient(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError)


def _backoff(attempts):
    first = settings.EMAIL_RETRY_SECONDS
    return timedelta(seconds=min(first * 2 ** (max(attempts, 1) - 1), 3600))


# --- recording outcomes --------------------------------------------------------------------

# What a database restart raises: the connection dropped, or no new one yet.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)


def worker_name():
    """Which process holds a claim: shown to staff beside a stuck row."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _with_database(write):
    """Run `write()` (a statement recording an outcome), trying again for up to
    EMAIL_DB_RETRY_SECONDS while the database is unreachable: a message SMTP has accepted
    must be recorded as sent, or its row would be sent again once its lease passes."""
    deadline = time.monotonic() + settings.EMAIL_DB_RETRY_SECONDS
    pause = 0.2
    while True:
        try:
            return write()
        except TRANSIENT_DB_ERRORS:
            if time.monotonic() >= deadline:
                raise
            logger.warning("The database is unreachable; recording again in %.1fs", pause)
            if not db_connection.in_atomic_block:
                db_connection.close()  # the next statement connects afresh
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _record(delivery_id, **fields):
    """Record one message's outcome (status and the like) on its own, at once."""
    fields.setdefault("claimed_by", "")
    _with_database(lambda: EmailDelivery.objects.filter(pk=delivery_id).update(**fields))


def _claim(delivery_ids):
    """Move these rows from pending to sending under a lease held by this process, in one
    statement, and return {id: attempts} of the rows this caller moved: only one caller can
    claim a row, so a message is sent at most once while its lease lasts."""
    ids = list(delivery_ids)
    if not ids:
        return {}
    table = EmailDelivery._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s, "  # noqa: S608  # nosec B608: our table name; values are parameters
            f"claimed_by = %s WHERE id IN ({marks}) AND status = %s RETURNING id, attempts",
            [
                EmailDelivery.Status.SENDING,
                timezone.now(),
                worker_name(),
                *ids,
                EmailDelivery.Status.PENDING,
            ],
        )
        return dict(cursor.fetchall())


def _renew(delivery_ids):
    """Extend this process's lease on the rows of its chunk not sent yet."""
    _with_database(
        lambda: EmailDelivery.objects.filter(
            pk__in=delivery_ids, status=EmailDelivery.Status.SENDING, claimed_by=worker_name()
        ).update(claimed_at=timezone.now())
    )


def _release(delivery_ids, *, until):
    """Give back rows claimed but not tried (the server refuses for now): pending again,
    due `until`, their claim's attempt not counted."""
    if delivery_ids:
        _with_database(
            lambda: EmailDelivery.objects.filter(
                pk__in=delivery_ids, status=EmailDelivery.Status.SENDING, claimed_by=worker_name()
            ).update(
                status=EmailDelivery.Status.PENDING,
                attempts=F("attempts") - 1,
                next_attempt_at=until,
                claimed_by="",
            )
        )


def _defer(delivery_ids, *, until):
    """Rows not claimed yet wait until `until` (the server refused, or cannot be reached)."""
    if delivery_ids:
        _with_database(
            lambda: EmailDelivery.objects.filter(
                pk__in=list(delivery_ids), status=EmailDelivery.Status.PENDING
            ).update(next_attempt_at=until)
        )


def _unwanted(delivery):
    """A preference switched off (or an account closed) after queueing stops the message."""
    user = delivery.recipient
    if user is None or not delivery.preference:
        return False
    pref = preference_get(delivery.preference)
    return not user.is_active or (pref is not None and not pref.is_on(user))


def _message_id(delivery):
    """The Message-ID of a stored message: the same at every attempt to send it (a message
    the server took twice, its sender dying in between, is then one message to the mail
    program that receives it), on the site's own domain. The row's id is hashed with the
    time it was stored, to the second: unique without telling how many e-mails the site
    has sent, and the same whether the row was read back or not."""
    stamp = delivery.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    key = salted_hmac("accounts.mail.message-id", f"{delivery.pk}.{stamp}").hexdigest()[:20]
    return f"<{stamp}.{key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def _message(delivery, connection):
    # Date with a real offset: Django's own header says "-0000" (RFC 5322: zone unknown).
    # Auto-Submitted tells other machines not to answer (an out-of-office would otherwise
    # reply to a reply address, and the inbound service drops such answers too).
    headers = {
        "Auto-Submitted": "auto-generated",
        **delivery.headers,
        "Message-ID": _message_id(delivery),
        "Date": format_datetime(timezone.now().astimezone(UTC)),
    }
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_address],
        headers=headers,
        connection=connection,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    for attachment in delivery.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def _not_sent(delivery, exc):
    """Record a failed send: pending again with a back-off when transient (returns True),
    failed for good otherwise."""
    delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
    if _is_transient(exc) and delivery.attempts < settings.EMAIL_MAX_ATTEMPTS:
        delivery.status = EmailDelivery.Status.PENDING
        delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
        _record(
            delivery.pk,
            status=delivery.status,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
        )
        logger.warning("E-mail %s deferred: %s", delivery.pk, delivery.last_error)
        return True
    delivery.status = EmailDelivery.Status.FAILED
    _record(delivery.pk, status=delivery.status, last_error=delivery.last_error)
    logger.error("E-mail %s failed: %s", delivery.pk, delivery.last_error)
    return False


def _given_up(delivery):
    """A row claimed more often than EMAIL_MAX_ATTEMPTS (its senders kept dying: a lease
    passed each time) is failed rather than tried again."""
    if delivery.attempts <= settings.EMAIL_MAX_ATTEMPTS:
        return False
    delivery.status = EmailDelivery.Status.FAILED
    delivery.last_error = (
        f"No outcome recorded after {delivery.attempts - 1} attempts (each sender stopped)"
    )
    _record(delivery.pk, status=delivery.status, last_error=delivery.last_error)
    return True


# --- sending ------------------------------------------------------------------------------


def email_deliver_many(*, delivery_ids):
    """Send these rows (those still pending), EMAIL_BATCH_SIZE to a connection to the mail
    server: per connection one claim and one read, then one statement per message recording
    its outcome as soon as the server answers. Returns how many were sent. One transient
    failure leaves that row pending for a retry; two in a row mean the server refuses for
    now, and every row left waits as long (the sweep then sends them all, in batches)."""
    return _deliver(delivery_ids)


def _deliver(delivery_ids, *, stored=None):
    """email_deliver_many; `stored` ({id: row}) holds the rows as their caller just stored
    them, so only their recipients' current preferences are read."""
    size = settings.EMAIL_BATCH_SIZE
    ids = list(delivery_ids)
    sent = 0
    for start in range(0, len(ids), size):
        try:
            connection = get_connection()
            connection.open()
        except Exception as exc:  # the server is down: the rest waits for the sweep
            logger.warning("E-mail batch of %s deferred: %s", len(ids) - start, exc)
            _defer(ids[start:], until=timezone.now() + _backoff(1))
            break
        try:
            count, refused_until = _deliver_over(connection, ids[start : start + size], stored)
        finally:
            connection.close()
        sent += count
        if refused_until is not None:
            _defer(ids[start + size :], until=refused_until)
            break
    return sent


def _deliver_over(connection, delivery_ids, stored):
    """Send one chunk over one connection. Returns (number sent, None), or with the time
    the rest must wait when the server refused two messages in a row."""
    claimed = _claim(delivery_ids)
    if stored is None:
        deliveries = list(
            EmailDelivery.objects.select_related("recipient").filter(pk__in=list(claimed))
        )
    else:
        deliveries = [stored[pk] for pk in delivery_ids if pk in claimed]
        for delivery in deliveries:
            delivery.attempts = claimed[delivery.pk]
        _refresh_recipients(deliveries)
    sent, refusals = 0, 0
    renewed = time.monotonic()
    for position, delivery in enumerate(deliveries):
        if time.monotonic() - renewed > settings.EMAIL_LEASE_SECONDS / 2:
            _renew([d.pk for d in deliveries[position:]])
            renewed = time.monotonic()
        if _given_up(delivery):
            continue
        if _unwanted(delivery):
            _record(delivery.pk, status=EmailDelivery.Status.SUPPRESSED)
            continue
        try:
            _message(delivery, connection).send()
        except Exception as exc:
            connection.close()  # reopened by the next send
            refusals = refusals + 1 if _not_sent(delivery, exc) else 0
            if refusals == 2:
                until = delivery.next_attempt_at
                _release([d.pk for d in deliveries[position + 1 :]], until=until)
                return sent, until
            continue
        refusals = 0
        # At once: if this process dies now, only this message can be sent twice.
        _record(delivery.pk, status=EmailDelivery.Status.SENT, sent_at=timezone.now())
        sent += 1
    return sent, None


def _refresh_recipients(deliveries):
    """The recipients as they are now (what _unwanted reads), in one query: a preference
    switched off since the rows were built stops the message as it would for a stored row."""
    ids = {d.recipient_id for d in deliveries if d.recipient_id}
    fields = {"is_active", *(p.field for p in PREFERENCES.values())}
    users = User.objects.only(*fields).in_bulk(ids) if ids else {}
    for delivery in deliveries:
        if delivery.recipient_id:
            delivery.recipient = users.get(delivery.recipient_id)


def email_deliver(*, delivery_id, connection=None):
    """Send one pending row. Returns the row's new status, or None if it was not ours to send.

    Raises TransientEmailError after putting the row back to pending, so the caller (a
    task) may retry; the sweep retries it anyway once next_attempt_at passes.
    """
    claimed = _claim([delivery_id])
    if not claimed:
        return None
    delivery = EmailDelivery.objects.select_related("recipient").get(pk=delivery_id)
    if _given_up(delivery):
        return delivery.status
    if _unwanted(delivery):
        delivery.status = EmailDelivery.Status.SUPPRESSED
        _record(delivery.pk, status=delivery.status)
        return delivery.status
    try:
        _message(delivery, connection).send()
    except Exception as exc:
        if _not_sent(delivery, exc):
            raise TransientEmailError(delivery.last_error) from exc
        return delivery.status
    delivery.status = EmailDelivery.Status.SENT
    _record(delivery.pk, status=delivery.status, sent_at=timezone.now())
    return delivery.status


# --- the sweep ----------------------------------------------------------------------------


def email_stuck():
    """Rows whose sender's lease has passed without an outcome: it died holding them."""
    expired = timezone.now() - timedelta(seconds=settings.EMAIL_LEASE_SECONDS)
    return EmailDelivery.objects.filter(status=EmailDelivery.Status.SENDING, claimed_at__lt=expired)


def email_due_ids(*, limit=5000):
    return list(
        EmailDelivery.objects.filter(
            status=EmailDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def email_sweep():
    """Send every due row: rows a dead sender held (lease passed) become pending again,
    then every pending row that is due goes out in batches of EMAIL_BATCH_SIZE, a task each
    so that every worker process takes part (as fast as the first attempt was), or here
    when the broker cannot take them. A row handed to a task waits EMAIL_HANDOVER_SECONDS
    before a later sweep sends it again. Returns how many rows were sent or handed out."""
    email_stuck().update(status=EmailDelivery.Status.PENDING, next_attempt_at=timezone.now())
    size = settings.EMAIL_BATCH_SIZE
    published, handled, seen = True, 0, set()
    # Each page handed out is due later (EMAIL_HANDOVER_SECONDS), so the next page holds
    # other rows; a row seen twice (no hand-over time at all) ends the sweep.
    while ids := [pk for pk in email_due_ids() if pk not in seen]:
        seen.update(ids)
        EmailDelivery.objects.filter(pk__in=ids, status=EmailDelivery.Status.PENDING).update(
            next_attempt_at=_handover_until()
        )
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            # Once the broker has refused one, the rest are sent here without asking it.
            published = published and publish(send_email_batch_task, batch)
            if not published:
                _deliver(batch)
        handled += len(ids)
    return handled


def email_retry(*, delivery_ids, actor):
    """Staff send failed or stuck messages again: pending at once, attempts from zero."""
    from core.services import audit_log

    rows = EmailDelivery.objects.filter(pk__in=list(delivery_ids)).filter(
        Q(status=EmailDelivery.Status.FAILED) | Q(pk__in=email_stuck().values("pk"))
    )
    with transaction.atomic():
        chosen = list(rows.select_for_update().values_list("pk", flat=True))
        EmailDelivery.objects.filter(pk__in=chosen).update(
            status=EmailDelivery.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_by="",
        )
        if chosen:
            audit_log(actor=actor, action="email.retry", data={"deliveries": chosen})
    return len(chosen)


# --- the tasks ----------------------------------------------------------------------------
# Each retries, with a growing pause, when the database or the broker is briefly away (a
# restart); what a task could not finish stays in the outbox, where the sweep finds it.


@shared_task(
    name="accounts.tasks.send_email_task",
    bind=True,
    acks_late=True,
    ignore_result=True,
    **RETRY_TRANSIENT,
)
def send_email_task(self, delivery_id):
    try:
        email_deliver(delivery_id=delivery_id)
    except TransientEmailError as exc:
        # The row is pending again; retry later (the sweep would find it too).
        if self.request.retries + 1 < settings.EMAIL_MAX_ATTEMPTS:
            raise self.retry(
                exc=exc, countdown=settings.EMAIL_RETRY_SECONDS * 2**self.request.retries
            ) from exc


@shared_task(
    name="accounts.tasks.send_email_batch_task",
    acks_late=True,
    ignore_result=True,
    **RETRY_TRANSIENT,
)
def send_email_batch_task(delivery_ids):
    """Deliver a batch over one connection; what fails stays pending for the sweep."""
    return email_deliver_many(delivery_ids=delivery_ids)


@shared_task(
    name="accounts.tasks.sweep_pending_emails_task",
    acks_late=True,
    ignore_result=True,
    **RETRY_TRANSIENT,
)
def sweep_pending_emails_task():
    """Deliver every due pending e-mail, and what a dead sender held. Safe to run twice, or
    alongside the tasks."""
    return email_sweep()
