"""The mail server side of the inbound service: an aiosmtpd handler that takes only reply
addresses of ours and hands each message to services.receive(), in a worker thread
(Django's database calls are synchronous), and the folder reader for development.
"""

import asyncio
import logging
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

from accounts.inbound import services
from accounts.inbound.tokens import token_of_address

logger = logging.getLogger(__name__)


def _receive(raw, recipients, return_path):
    close_old_connections()
    try:
        return services.receive(raw, recipients=recipients, return_path=return_path)
    finally:
        close_old_connections()


class InboundHandler:
    """Refuses, at RCPT, every address but reply+<token>@REPLY_DOMAIN (the token itself is
    checked once the message is in, so a guessed address learns nothing). Once a message
    is in it is accepted whatever becomes of it: a reply that cannot be posted is dropped
    and logged, never bounced back (a bounce to a forged sender is backscatter)."""

    def __init__(self, *, lmtp):
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if token_of_address(address) is None:
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None, _receive, raw, list(envelope.rcpt_tos), envelope.mail_from or ""
            )
        except Exception:
            logger.exception("Inbound mail could not be handled; the sender will try again")
            answer = "451 4.3.0 Try again later"
        else:
            answer = "250 2.0.0 OK"
        # LMTP answers once for each recipient.
        return "\r\n".join([answer] * len(envelope.rcpt_tos)) if self.lmtp else answer


class InboundController(Controller):
    """aiosmtpd's controller (a server in its own thread), speaking LMTP unless told SMTP."""

    def __init__(self, *, hostname=None, port=None, smtp=False):
        self.lmtp = not smtp
        super().__init__(
            InboundHandler(lmtp=self.lmtp),
            hostname=hostname or settings.INBOUND_HOST,
            port=port or settings.INBOUND_PORT,
            data_size_limit=settings.INBOUND_MAX_BYTES,
            enable_SMTPUTF8=True,
        )

    def factory(self):
        server = LMTP if self.lmtp else SMTP
        return server(self.handler, **self.SMTP_kwargs)


def recipients_of(raw):
    """Where a dropped .eml was going: the delivery headers if a mail server wrote them,
    else To and Cc."""
    message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    for name in ("X-Original-To", "Delivered-To"):
        if message.get(name):
            return [a for _, a in getaddresses(message.get_all(name))]
    return [a for _, a in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))]


def folder_receive(folder=None):
    """Receive every .eml in the folder (INBOUND_FOLDER), moving each into its processed/
    subfolder. Returns {file name: [outcome status, ...]}."""
    folder = Path(folder or settings.INBOUND_FOLDER)
    done = folder / "processed"
    done.mkdir(parents=True, exist_ok=True)
    results = {}
    for path in sorted(folder.glob("*.eml")):
        raw = path.read_bytes()
        outcomes = services.receive(raw, recipients=recipients_of(raw))
        results[path.name] = [o.status for o in outcomes]
        path.replace(done / path.name)
    return results
