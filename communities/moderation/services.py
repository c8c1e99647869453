"""Report, hide, unhide, dismiss: the same for every kind of content (registry.py).

Each function runs in a transaction, checks its rules (raising ModerationError with a
message for the person), writes an audit entry against the content's community (so its
conveners see it under Activity; against the content itself when it has no community), and
queues its e-mails through the outbox, once per recipient and purpose.

The author of hidden content is told as an account notice (`transactional`): it concerns
what they wrote and the reason is for them to read, so no preference switches it off, as
"notices about your resources" can be. A report reaches the conveners the same way: it
may concern harm (patient-identifiable data, abuse) that they must not miss.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.outbox.delivery import email_queue
from communities.models import Report
from communities.moderation.registry import KINDS, kind_for
from core.services import audit_log


class ModerationError(ValidationError):
    """A rule of moderation said no; the message says why and what to do."""


def _audit(actor, action, kind, obj, **data):
    community = kind.community(obj)
    return audit_log(
        actor=actor,
        action=action,
        target=community if community is not None else obj,
        data={kind.key: obj.pk, **data},
    )


def _absolute(path):
    return settings.SITE_URL + path


@transaction.atomic
def content_report(*, target, reporter, reason):
    """Ask the conveners to look at something: once per person while it is open."""
    kind = kind_for(target)
    reason = reason.strip()
    if not reason:
        raise ModerationError({"reason": "Say what is wrong: the conveners will read it"})
    if target.is_hidden or not kind.can_view(reporter, target):
        raise ModerationError(f"This {kind.label} cannot be reported")
    if Report.objects.filter(
        kind=kind.key, object_id=target.pk, reporter=reporter, resolved_at__isnull=True
    ).exists():
        raise ModerationError(
            f"You have already reported this {kind.label}: the conveners will look at it"
        )
    community = kind.community(target)
    report = Report.objects.create(
        kind=kind.key,
        object_id=target.pk,
        community=community,
        reporter=reporter,
        reason=reason,
    )
    _audit(reporter, f"{kind.key}.report", kind, target, report=report.pk)
    queue_url = (
        _absolute(reverse("communities:moderation", args=[community.slug]))
        if community is not None
        else _absolute(kind.url(target))
    )
    for person in kind.moderators(target):
        if person.pk == reporter.pk:
            continue
        email_queue(
            recipient=person,
            purpose=f"report:{report.pk}",
            template="content_reported",
            context={
                "label": kind.label,
                "title": kind.title(target),
                "url": _absolute(kind.url(target)),
                "community": community,
                "reason": report.reason,
                "queue_url": queue_url,
                # What the kind lets an e-mail say of it (a safe space: not its title).
                **kind.notice_context(target),
            },
            transactional=True,
        )
    return report


def _resolve_open(kind, obj, *, actor, outcome):
    return Report.objects.filter(kind=kind.key, object_id=obj.pk, resolved_at__isnull=True).update(
        resolved_by=actor, resolved_at=timezone.now(), outcome=outcome
    )


@transaction.atomic
def content_hide(*, target, actor, reason):
    """Hide with a reason the author reads on the page and by e-mail. Every open report on
    it is resolved. Hiding what is hidden changes nothing and sends nothing."""
    kind = kind_for(target)
    reason = reason.strip()
    if not reason:
        raise ModerationError({"reason": "Give a reason: the author will see it"})
    if not kind.can_moderate(actor, target):
        raise ModerationError(f"Only the conveners can hide this {kind.label}")
    # Locked: two conveners hiding at once hide it once and tell the author once.
    if kind.model.objects.select_for_update().filter(pk=target.pk, is_hidden=True).exists():
        return target
    target.is_hidden = True
    target.hidden_reason = reason
    target.hidden_by = actor
    target.hidden_at = timezone.now()
    target.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    resolved = _resolve_open(kind, target, actor=actor, outcome=Report.Outcome.HIDDEN)
    kind.on_hide(target)
    entry = _audit(actor, f"{kind.key}.hide", kind, target, reports=resolved)
    author = kind.author(target)
    # Only someone who may still see it hears about it (an author who left the community
    # no longer does).
    if author is not None and kind.can_view(author, target):
        email_queue(
            recipient=author,
            purpose=f"{kind.key}-hidden:{target.pk}:{entry.pk}",
            template=kind.notice_template,
            context={
                "label": kind.label,
                "title": kind.title(target),
                "url": _absolute(kind.url(target)),
                "community": kind.community(target),
                "reason": reason,
                **kind.notice_context(target),
            },
            transactional=True,
        )
    return target


@transaction.atomic
def content_unhide(*, target, actor):
    """Show it again to everyone who may see it; the reason goes with the hiding."""
    kind = kind_for(target)
    if not kind.can_moderate(actor, target):
        raise ModerationError(f"Only the conveners can show this {kind.label} again")
    if not kind.model.objects.select_for_update().filter(pk=target.pk, is_hidden=True).exists():
        return target
    target.is_hidden = False
    target.hidden_reason = ""
    target.hidden_by = None
    target.hidden_at = None
    target.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    _audit(actor, f"{kind.key}.unhide", kind, target)
    return target


def report_target(report):
    """The reported object, or None when it no longer exists."""
    kind = KINDS.get(report.kind)
    if kind is None:
        return None
    return kind.model.objects.filter(pk=report.object_id).first()


@transaction.atomic
def report_dismiss(*, report, actor):
    """Close a report with nothing hidden. Dismissing twice changes nothing."""
    report = (
        Report.objects.select_for_update(of=("self",)).select_related("community").get(pk=report.pk)
    )
    if not report.is_open:
        return report
    kind = KINDS.get(report.kind)
    target = report_target(report)
    if target is not None and not kind.can_moderate(actor, target):
        raise ModerationError("Only the conveners can dismiss this report")
    report.resolved_by, report.resolved_at = actor, timezone.now()
    report.outcome = Report.Outcome.DISMISSED
    report.save(update_fields=["resolved_by", "resolved_at", "outcome"])
    audit_log(
        actor=actor,
        action="report.dismiss",
        target=report.community if report.community_id else target,
        data={"report": report.pk, "kind": report.kind, "id": report.object_id},
    )
    return report
