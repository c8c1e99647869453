"""How long personal data is kept: each rule clears one kind of record once it is older
than its period (settings.PERSONAL_DATA_RETENTION_DAYS, documented in SECURITY.md).

Each app registers its rules (lower apps never import higher ones): `register_rule(Rule(...))`
from a module its AppConfig.ready() imports. A rule names the rows still due, oldest first,
and how to clear a batch of them. `retention_apply` runs every rule in batches of
RETENTION_BATCH_SIZE, each batch in its own transaction and followed by a progress row
(accounts.RetentionSweep): a cleared row is no longer due, so a second run, or one after a
crash, clears only what is left.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import EmailDelivery, HeldReply, Notification, RetentionSweep
from accounts.personal_data import SIGN_IN_REFUSALS
from core.models import AuditEntry
from core.queue import RETRY_TRANSIENT, enqueue_on_commit
from core.services import audit_log


@dataclass(frozen=True)
class Rule:
    key: str
    about: str  # what goes, said for the admin page
    due: Callable  # due(cutoff) -> QuerySet of rows to clear
    clear: Callable  # clear(pks) -> how many were cleared
    period: str = ""  # its key in settings.PERSONAL_DATA_RETENTION_DAYS, if not `key`


RULES: dict[str, Rule] = {}


def register_rule(rule):
    RULES[rule.key] = rule


def deleting(model):
    """The `clear` of a rule whose rows go altogether."""
    return lambda pks: model.objects.filter(pk__in=pks).delete()[0]


def updating(model, **values):
    """The `clear` of a rule that blanks some fields (`values`: what they become); the rows
    stay."""
    return lambda pks: model.objects.filter(pk__in=pks).update(**values)


def period_days(key):
    return settings.PERSONAL_DATA_RETENTION_DAYS[RULES[key].period or key]


def _sweep(rule, *, now, batch_size):
    cutoff = now - timedelta(days=period_days(rule.key))
    RetentionSweep.objects.update_or_create(
        rule=rule.key,
        defaults={"started_at": now, "finished_at": None, "cutoff": cutoff, "cleared_last_run": 0},
    )
    cleared = 0
    while True:
        with transaction.atomic():
            pks = list(rule.due(cutoff).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            count = rule.clear(pks)
            cleared += count
            RetentionSweep.objects.filter(rule=rule.key).update(
                cleared_last_run=F("cleared_last_run") + count,
                cleared_total=F("cleared_total") + count,
            )
    RetentionSweep.objects.filter(rule=rule.key).update(finished_at=timezone.now())
    return cleared


def sweep_rows_ensure(**kwargs):
    """One progress row per rule, so the admin page lists each period before its first run.
    Connected to post_migrate: reading the admin page writes nothing."""
    RetentionSweep.objects.bulk_create(
        [RetentionSweep(rule=key) for key in RULES], ignore_conflicts=True
    )


def retention_run_request(*, actor):
    """Staff ask for a run now rather than at night: queued after the commit, audited."""
    audit_log(actor=actor, action="retention.run_requested")
    enqueue_on_commit(apply_retention_task)


def retention_apply(*, now=None, batch_size=None):
    """Apply every rule; returns {rule: rows cleared}. Safe to run twice or late."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    return {key: _sweep(rule, now=now, batch_size=batch_size) for key, rule in RULES.items()}


@shared_task(**RETRY_TRANSIENT)
def apply_retention_task():
    return retention_apply()


# --- what the accounts app keeps ------------------------------------------------------------

_DONE = [EmailDelivery.Status.SENT, EmailDelivery.Status.FAILED, EmailDelivery.Status.SUPPRESSED]


def _outbox_due(cutoff):
    # Only messages that will not be sent again: a pending or sending one still needs its text.
    return EmailDelivery.objects.filter(status__in=_DONE, created_at__lt=cutoff).exclude(
        subject="", body_text="", body_html=""
    )


def _addresses_due(cutoff):
    return AuditEntry.objects.filter(created_at__lt=cutoff).filter(
        Q(ip_address__isnull=False) | Q(data__has_key="agent")
    )


def _addresses_clear(pks):
    entries = list(AuditEntry.objects.filter(pk__in=pks).only("pk", "data"))
    for entry in entries:
        entry.data.pop("agent", None)
        entry.ip_address = None
    AuditEntry.objects.bulk_update(entries, ["data", "ip_address"])
    return len(entries)


def _sessions_due(cutoff):
    from allauth.usersessions.models import UserSession

    return UserSession.objects.filter(last_seen_at__lt=cutoff)


def _sessions_clear(pks):
    from allauth.usersessions.models import UserSession

    # Long expired (the absolute time-out is far shorter), but a session nobody signed out
    # of keeps its row, with its network address and browser, until it is ended.
    sessions = list(UserSession.objects.filter(pk__in=pks))
    for session in sessions:
        session.end()
    return len(sessions)


def _failed_sign_ins_due(cutoff):
    return AuditEntry.objects.filter(action__in=SIGN_IN_REFUSALS, created_at__lt=cutoff)


register_rule(
    Rule(
        "outbox_text",
        "The text of e-mails in the outbox (subject, body, attachments) once they were sent or "
        "given up on; that a message went, to whom and when stays.",
        _outbox_due,
        updating(EmailDelivery, subject="", body_text="", body_html="", attachments=[], headers={}),
    )
)
register_rule(
    Rule(
        "network_addresses",
        "Network (IP) addresses and browsers in the audit log; what happened and who did it stays.",
        _addresses_due,
        _addresses_clear,
    )
)
register_rule(
    Rule(
        "stale_sessions",
        "Records of sessions not seen for the period (their network address and browser).",
        _sessions_due,
        _sessions_clear,
        period="network_addresses",
    )
)
register_rule(
    Rule(
        "failed_sign_ins",
        "Records of refused sign-ins (the address typed, or its digest, and when).",
        _failed_sign_ins_due,
        deleting(AuditEntry),
    )
)


def _read_notifications_due(cutoff):
    return Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff)


register_rule(
    Rule(
        "read_notifications",
        "Notifications in the notification centre that were read (unread ones stay).",
        _read_notifications_due,
        deleting(Notification),
    )
)


# A reply by e-mail held for its writer to check expires INBOUND_HELD_DAYS after it came (its
# page answers 404 from then): the sweep deletes it, text and all.
def _held_replies_due(cutoff):
    return HeldReply.objects.filter(created_at__lt=cutoff)


register_rule(
    Rule(
        "held_replies",
        "Replies by e-mail held for their writer to check (patient details suspected), once "
        "they expired unchecked.",
        _held_replies_due,
        deleting(HeldReply),
    )
)
