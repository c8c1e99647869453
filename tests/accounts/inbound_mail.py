"""Replies as mail programs write them, for the inbound mail tests: real MIME built with
the standard library, in the shapes of plain text, HTML-only, Outlook and Gmail."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

QUOTED = "A new reply in “Covert medication in care homes”.\nRead the reply: http://testserver/"


def reply_mail(*, sender, to, text, html=None, headers=None, attachment=None):
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
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="protocol.pdf"
        )
    return message


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
    """A handler for the tests ("note"): object ids in `open` take replies, those in
    `closed` refuse them at posting; what is posted is kept in `posted`."""

    def __init__(self):
        self.open, self.closed, self.posted = {1, 2}, set(), []

    def may_reply(self, user, object_id):
        return object_id in self.open | self.closed

    def post(self, user, object_id, text):
        from django.core.exceptions import ValidationError

        if object_id in self.closed:
            raise ValidationError("This note is closed")
        self.posted.append((user.pk, object_id, text))
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
