"""Reading an e-mail that came in: is it a person's reply or something a machine sent
(a bounce, an out-of-office), who sent it, and the new text in it without the quoted
message below and the signature.

The quoted text goes with mail-parser-reply (it knows the header lines that Outlook,
Gmail, Apple Mail and others put above a quoted message, in several languages); what it
leaves is handled here: lines quoted with ">" and the RFC 3676 signature line "-- ".
An HTML-only message is turned to text first, its blockquotes quoted with ">".

The attached files come with their bytes, as the mail program named them; whether they
are kept is the checker's business (core.attachments), not the parser's.
"""

import re
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "nl", "es", "it", "pl", "sv", "da"]
_BULK = {"bulk", "junk", "list", "auto_reply"}
_DAEMONS = ("mailer-daemon", "postmaster")


@dataclass(frozen=True)
class MailFile:
    """A file attached to the e-mail: the name its mail program gave it, and its bytes."""

    name: str
    data: bytes

    def upload(self):
        """The file as a form's upload, for the checker and the storage."""
        return SimpleUploadedFile(self.name, self.data)


@dataclass
class Mail:
    sender: str  # the From address, lower case
    text: str  # the new text, stripped
    attachments: list = field(default_factory=list)  # MailFile of each attached file
    drop: str = ""  # why it is not a person's reply, if it is not


def mail_parse(raw, *, return_path=None):
    """A Mail from the bytes of an RFC 5322 message (`return_path`: the envelope sender,
    when the transport knows it)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    drop = drop_reason(message, sender=sender, return_path=return_path)
    if drop:
        return Mail(sender=sender, text="", drop=drop)
    return Mail(
        sender=sender,
        text=reply_text(_body_text(message)),
        attachments=[_file(part) for part in message.iter_attachments()]
        if message.is_multipart()
        else [],
    )


def _file(part):
    """An attached part as a MailFile. A forwarded e-mail (message/rfc822) is kept as the
    message it is; any other part is decoded from its transfer encoding."""
    if part.get_content_type() == "message/rfc822":
        return MailFile(part.get_filename() or "forwarded.eml", part.get_content().as_bytes())
    return MailFile(part.get_filename() or "unnamed", part.get_payload(decode=True) or b"")


def drop_reason(message, *, sender, return_path=None):
    """Why this message is not a person's reply ("" when it is): machines answer
    machines, and a reply to an out-of-office would loop."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return "auto_submitted"
    if str(message.get("Precedence", "")).strip().lower() in _BULK:
        return "precedence"
    if any(name in message for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponse")):
        return "autoreply"
    if message.get_content_type() == "multipart/report":
        return "delivery_report"
    path = message.get("Return-Path") if return_path is None else return_path
    if path is not None and parseaddr(str(path))[1] == "" and str(path).strip() in ("", "<>"):
        return "null_sender"
    if not sender or sender.split("@")[0] in _DAEMONS:
        return "daemon_sender"
    ours = {
        a.lower() for _, a in getaddresses([settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL])
    }
    if sender in ours:
        return "own_address"
    return ""


def _body_text(message):
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return part.get_content()
    part = message.get_body(preferencelist=("html",))
    if part is not None:
        return html_to_text(part.get_content())
    return ""


_SIGNATURE = re.compile(r"^-- ?$")


def reply_text(text):
    """The new text of a reply: no quoted message, no quoted lines, no signature."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    replies = EmailReplyParser(languages=LANGUAGES).read(text=text).replies
    # A first part that opens with a quote's header line ("On ... wrote:") holds nothing new.
    latest = "" if not replies or replies[0].headers else replies[0].body
    kept = []
    for line in latest.split("\n"):
        if _SIGNATURE.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


class _Text(HTMLParser):
    """HTML to plain text: blocks on their own lines, blockquotes quoted with ">", no
    scripts or styles."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.current, self.quote, self.skip = [], "", 0, 0

    def _end_line(self, *, blank=False):
        """End the line being written; `blank` (a paragraph's end, a second <br>) leaves
        an empty line after it, once."""
        prefix = "> " * self.quote
        if self.current.strip():
            self.lines.append(prefix + self.current.strip())
            self.current = ""
            if not blank:
                return
        self.current = ""
        if blank and self.lines and self.lines[-1].strip("> "):
            self.lines.append(prefix.rstrip())

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag == "blockquote":
            self._end_line(blank=True)
            self.quote += 1
        elif tag == "br":
            self._end_line(blank=not self.current.strip())
        elif tag in self.BLOCKS:
            self._end_line()

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self._end_line()
            self.quote = max(0, self.quote - 1)
        elif tag in self.BLOCKS:
            self._end_line(blank=tag == "p")

    def handle_data(self, data):
        if not self.skip:
            self.current += re.sub(r"\s+", " ", data)


def html_to_text(html):
    reader = _Text()
    reader.feed(html)
    reader.close()
    reader._end_line()
    return "\n".join(reader.lines).strip()
