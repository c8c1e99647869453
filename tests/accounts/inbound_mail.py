"""Replies as mail programs write them, for the inbound mail tests: real MIME built with
the standard library, in the shapes of plain text, HTML-only, Outlook and Gmail, with
files attached as mail programs attach them (base64, each with its own media type)."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from tests.factories import MINIMAL_PDF

QUOTED = "A new reply in “Covert medication in care homes”.\nRead the reply: http://testserver/"


def reply_mail(*, sender, to, text, html=None, headers=None, attachment=None, files=()):
    """`attachment`: a PDF's bytes, as protocol.pdf; `files`: (name, bytes, media type)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: A new reply"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    if attachment is not None:
        files = [("protocol.pdf", attachment, "application/pdf"), *files]
    for name, data, media_type in files:
        maintype, subtype = media_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


# Files as people send them, and as they are disguised.
GOOD_PDF = ("protocol.pdf", MINIMAL_PDF, "application/pdf")
# A Windows program named as a PDF (its "MZ" header and DOS stub), and a web page too.
PROGRAM_AS_PDF = (
    "minutes.pdf",
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\xb8"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode.\r\r\n$",
    "application/pdf",
)
PAGE_AS_PDF = (
    "leaflet.pdf",
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "application/pdf",
)


def big_pdf(size):
    """A PDF of `size` bytes."""
    return ("audit-report.pdf", MINIMAL_PDF + b"%" * (size - len(MINIMAL_PDF)), "application/pdf")


def plain(body):
    return body


def gmail(body):
    return (
        f"{body}\n\nOn Sun, 6 Dec 2026 at 20:00, Communities of Practice "
        f"<noreply@example.org> wrote:\n\n" + "\n".join(f"> {line}" for line in QUOTED.split("\n"))
    )


def outlook(body):
    return (
        f"{body}\n\n________________________________\n"
        "From: Communities of Practice <noreply@example.org>\n"
        "Sent: 06 December 2026 20:00\nTo: Ann Example <ann@example.org>\n"
        "Subject: A new reply\n\n" + QUOTED
    )


def quoted_above(body):
    return "\n".join(f"> {line}" for line in QUOTED.split("\n")) + f"\n\n{body}"


def signed(body):
    return f"{body}\n\n-- \nAnn Example\nPharmacist, Example Trust\n07700 900123"


def gmail_html(body):
    paragraphs = "".join(f"<div>{line}</div>" for line in body.split("\n"))
    return (
        f'<html><body><div dir="ltr">{paragraphs}</div><br><div class="gmail_quote">'
        '<div dir="ltr">On Sun, 6 Dec 2026 at 20:00, Communities of Practice &lt;'
        'noreply@example.org&gt; wrote:<br></div><blockquote class="gmail_quote">'
        f"{QUOTED}</blockquote></div></body></html>"
    )


class Notes:
    """A handler for the tests ("note"), which takes no files: object ids in `open` take
    replies, those in `closed` refuse them at posting; what is posted is kept in `posted`
    (and the names of the files it was given in `files`)."""

    def __init__(self):
        self.open, self.closed, self.posted, self.files = {1, 2}, set(), [], []

    def may_reply(self, user, object_id):
        return object_id in self.open | self.closed

    def post(self, user, object_id, text, files=()):
        from django.core.exceptions import ValidationError

        if object_id in self.closed:
            raise ValidationError("This note is closed")
        self.posted.append((user.pk, object_id, text))
        self.files += [f.name for f in files]
        return f"/notes/{object_id}/#{len(self.posted)}"


@pytest.fixture
def notes():
    from accounts.inbound.registry import HANDLERS, ReplyHandler, register_handler

    handler = Notes()
    register_handler(
        ReplyHandler(key="note", may_reply=handler.may_reply, post=handler.post, label="a note")
    )
    yield handler
    HANDLERS.pop("note", None)
