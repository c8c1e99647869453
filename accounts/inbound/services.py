"""Every write of the inbound mail service: receive() takes a message as it came in and
posts it, holds it, or drops it with a reason; the held-text flow posts or discards what
the patient-identifiable data guard stopped.

Nothing that cannot be used is stored: a dropped message is logged with its reason (never
its text) and forgotten. The files of a posted reply go through the site's checker
(core.attachments), up to the handler's max_files: those it accepts are attached, and each
refused one is named, with why, in the audit entry and in a short e-mail to its sender. A
held reply keeps no files: its writer attaches them on the page where they post it.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.inbound.models import HeldReply
from accounts.inbound.parsing import mail_parse
from accounts.inbound.registry import handler_get
from accounts.inbound.tokens import BadToken, token_of_address, token_read
from accounts.models import User
from accounts.outbox.delivery import email_queue
from core.attachments import Refusal, attachments_sort
from core.patient_data import find_patient_identifiers
from core.services import audit_log

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str  # "posted" | "held" | "dropped"
    reason: str = ""  # why it was dropped
    url: str = ""  # where it was posted, or the held text's page


def _dropped(reason, **about):
    details = " ".join(f"{k}={v}" for k, v in sorted(about.items()))
    logger.info("Inbound mail dropped: %s %s", reason, details)
    return Outcome("dropped", reason)


def receive(raw_bytes, *, recipients, return_path=None):
    """Handle one message for each of its recipients that is a reply address of ours;
    returns an Outcome per recipient. `return_path` is the envelope sender when the
    transport knows it ("" for a bounce's null sender)."""
    if len(raw_bytes) > settings.INBOUND_MAX_BYTES:
        return [_dropped("too_large", size=len(raw_bytes))]
    tokens = [token_of_address(address) for address in recipients]
    if not any(tokens):
        return [_dropped("not_a_reply_address")]
    mail = mail_parse(raw_bytes, return_path=return_path)
    if mail.drop:
        return [_dropped(mail.drop)]
    return [
        _receive_one(mail, token) if token else _dropped("not_a_reply_address") for token in tokens
    ]


def _sender_is(user, address):
    """The message is from one of the person's own addresses (the token alone would let
    anyone holding a forwarded e-mail post as them)."""
    if address == user.email.strip().lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=address, verified=True).exists()


def _receive_one(mail, token_text):
    try:
        token = token_read(token_text)
    except BadToken as exc:
        return _dropped(exc.reason)
    handler = handler_get(token.handler)
    if handler is None:
        return _dropped("unknown_handler", handler=token.handler)
    user = User.objects.filter(pk=token.user_id, is_active=True).first()
    if user is None:
        return _dropped("unknown_person", user=token.user_id)
    if not _sender_is(user, mail.sender):
        return _dropped("sender_mismatch", user=user.pk)
    if not handler.may_reply(user, token.object_id):
        return _dropped("no_access", user=user.pk, handler=handler.key, object=token.object_id)
    if not mail.text:
        return _dropped("empty", user=user.pk)
    # Checked before the transaction: reading, and scanning, the files takes time.
    files, refused = attachments_sort(
        [f.upload() for f in mail.attachments], limit=handler.max_files
    )
    try:
        return _take(
            user=user,
            handler=handler,
            object_id=token.object_id,
            text=mail.text,
            files=files,
            refused=refused,
        )
    except ValidationError as exc:
        return _dropped("refused", user=user.pk, message=exc.messages[0][:100])


@transaction.atomic
def _take(*, user, handler, object_id, text, files, refused):
    data = {"handler": handler.key, "object": object_id}
    findings = find_patient_identifiers(text)
    if findings:
        # The files wait nowhere: the page where the held text waits takes them again.
        refused = [Refusal.of(upload, HELD_FILE, "held") for upload in files] + refused
        _refusals_audited(user=user, data=data, refused=refused)
        held = held_reply_hold(
            user=user,
            handler=handler,
            object_id=object_id,
            text=text,
            findings=findings,
            refused=refused,
        )
        return Outcome("held", url=held.get_absolute_url())
    url = handler.post(user, object_id, text, files)
    audit_log(actor=user, action="inbound.posted", data=data | {"files": len(files)})
    entry = _refusals_audited(user=user, data=data, refused=refused)
    if entry is not None:
        email_queue(
            recipient=user,
            purpose=f"inbound.attachments_refused:{entry.pk}",
            template="inbound_attachments_refused",
            context={"what": handler.label, "url": settings.SITE_URL + url, "refused": refused},
            transactional=True,
        )
    return Outcome("posted", url=url)


HELD_FILE = "Not kept while your reply waits: attach it again on the page where you post it"


def _refusals_audited(*, user, data, refused):
    """The audit entry naming each file that was not attached, and why (None if none was
    refused)."""
    if not refused:
        return None
    return audit_log(
        actor=user,
        action="inbound.attachments_refused",
        data=data
        | {"refused": [{"name": r.name, "code": r.code, "reason": r.reason} for r in refused]},
    )


def held_reply_hold(*, user, handler, object_id, text, findings, refused=()):
    """Keep text the guard stopped, and write to its writer with a link to the page where
    they edit it or confirm it is not about a real patient (and the files of the e-mail
    that were not kept, `refused`: core.attachments.Refusal)."""
    held = HeldReply.objects.create(
        user=user,
        handler=handler.key,
        object_id=object_id,
        text=text,
        expires_at=timezone.now() + timedelta(days=settings.INBOUND_HELD_DAYS),
    )
    audit_log(
        actor=user,
        action="inbound.held",
        target=held,
        data={
            "handler": handler.key,
            "object": object_id,
            "kinds": sorted({f.kind for f in findings}),
        },
    )
    email_queue(
        recipient=user,
        purpose=f"inbound.held:{held.pk}",
        template="inbound_held",
        context={
            "held_url": settings.SITE_URL + held.get_absolute_url(),
            "what": handler.label,
            "expires_at": held.expires_at,
            "refused": refused,
        },
        transactional=True,
    )
    return held


class HeldReplyError(ValidationError):
    """The held text cannot be posted: the message says why."""


@transaction.atomic
def held_reply_post(*, held, text, files=()):
    """Post the (possibly edited) held text through its handler as its writer, who must
    still be allowed to reply, with the files they attached on the page; the held row
    goes. Returns the posted reply's address."""
    held = HeldReply.objects.select_for_update().get(pk=held.pk)
    handler = handler_get(held.handler)
    if held.is_expired or handler is None:
        raise HeldReplyError("This reply has expired. Reply on the site instead.")
    if not handler.may_reply(held.user, held.object_id):
        raise HeldReplyError("You can no longer reply there.")
    if files and not handler.max_files:
        raise HeldReplyError({"attachments": "Files cannot be attached here"})
    url = handler.post(held.user, held.object_id, text, files)
    audit_log(
        actor=held.user,
        action="inbound.posted",
        data={
            "handler": held.handler,
            "object": held.object_id,
            "held": held.pk,
            "files": len(files),
        },
    )
    held.delete()
    return url


@transaction.atomic
def held_reply_discard(*, held):
    audit_log(actor=held.user, action="inbound.discarded", data={"held": held.pk})
    held.delete()
