"""receive(): a reply as mail programs write it is posted as its writer, with the quoted
message and the signature gone; machines' mail, bad tokens and lost access are dropped."""

import logging

import pytest
from django.core import mail as django_mail

from accounts.inbound.models import HeldReply
from accounts.inbound.parsing import mail_parse
from accounts.inbound.services import receive
from accounts.inbound.tokens import reply_address
from accounts.models import EmailDelivery
from core.models import AuditEntry
from tests.accounts import inbound_mail as shapes
from tests.accounts.inbound_mail import reply_mail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
notes = shapes.notes  # the fixture: a handler for the tests

ANSWER = "We review covert medication every month.\nThe pharmacist signs it off."


@pytest.fixture
def ann(db):
    return UserFactory(name="Ann Example", email="ann@example.com")


def send(user, body=None, *, object_id=1, sender=None, html=None, **kwargs):
    to = reply_address(user=user, handler="note", object_id=object_id)
    message = reply_mail(sender=sender or user.email, to=to, text=body, html=html, **kwargs)
    return receive(message.as_bytes(), recipients=[to])


@pytest.mark.parametrize(
    "shape", [shapes.plain, shapes.gmail, shapes.outlook, shapes.quoted_above, shapes.signed]
)
def test_a_reply_is_posted_without_quote_or_signature(ann, notes, shape):
    [outcome] = send(ann, shape(ANSWER))
    assert outcome.status == "posted"
    assert notes.posted == [(ann.pk, 1, ANSWER)]
    assert AuditEntry.objects.filter(actor=ann, action="inbound.posted").count() == 1


def test_an_html_only_reply_is_turned_to_text(ann, notes):
    [outcome] = send(ann, None, html=shapes.gmail_html(ANSWER))
    assert outcome.status == "posted"
    assert notes.posted == [(ann.pk, 1, ANSWER)]


def test_the_plain_part_of_an_alternative_is_read(ann, notes):
    send(ann, shapes.gmail(ANSWER), html="<p>HTML version</p>")
    assert notes.posted[0][2] == ANSWER


def test_files_for_a_handler_that_takes_none_are_refused_and_the_sender_told(ann, notes):
    [outcome] = send(ann, ANSWER, files=[shapes.GOOD_PDF])
    assert outcome.status == "posted"
    assert notes.posted == [(ann.pk, 1, ANSWER)] and notes.files == []
    entry = AuditEntry.objects.get(action="inbound.attachments_refused")
    assert entry.data["refused"] == [
        {"name": "protocol.pdf", "code": "count", "reason": "Files cannot be attached here"}
    ]
    [told] = EmailDelivery.objects.filter(purpose__startswith="inbound.attachments_refused")
    assert told.recipient == ann
    assert "protocol.pdf: Files cannot be attached here" in told.body_text


def test_the_parser_keeps_each_file_with_its_bytes(ann):
    forwarded = reply_mail(sender="bob@example.org", to=ann.email, text="The original")
    message = reply_mail(sender=ann.email, to="x@example.org", text=ANSWER, files=[shapes.GOOD_PDF])
    message.add_attachment(forwarded)  # a forwarded e-mail, as message/rfc822
    mail = mail_parse(message.as_bytes())
    assert mail.text == ANSWER
    pdf, original = mail.attachments
    assert (pdf.name, pdf.data) == ("protocol.pdf", shapes.GOOD_PDF[1])
    assert original.name == "forwarded.eml" and b"The original" in original.data
    assert pdf.upload().size == len(shapes.GOOD_PDF[1])


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_submitted"),
        ({"Precedence": "bulk"}, "precedence"),
        ({"Precedence": "junk"}, "precedence"),
        ({"Precedence": "list"}, "precedence"),
        ({"X-Autoreply": "yes"}, "autoreply"),
        ({"X-Autorespond": "Out of office"}, "autoreply"),
        ({"Return-Path": "<>"}, "null_sender"),
    ],
)
def test_automatic_mail_is_dropped(ann, notes, headers, reason, caplog):
    with caplog.at_level(logging.INFO, logger="accounts.inbound.services"):
        [outcome] = send(ann, "I am out of the office until Monday.", headers=headers)
    assert (outcome.status, outcome.reason) == ("dropped", reason)
    assert notes.posted == []
    # The reason is logged, the text never.
    assert reason in caplog.text
    assert "out of the office" not in caplog.text


def test_auto_submitted_no_is_a_person(ann, notes):
    [outcome] = send(ann, ANSWER, headers={"Auto-Submitted": "no"})
    assert outcome.status == "posted"


def test_a_delivery_report_is_dropped(ann, notes):
    to = reply_address(user=ann, handler="note", object_id=1)
    raw = (
        f"From: MAILER-DAEMON@example.com\r\nTo: {to}\r\nSubject: Undelivered\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    ).encode()
    [outcome] = receive(raw, recipients=[to])
    assert (outcome.status, outcome.reason) == ("dropped", "delivery_report")


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        ("MAILER-DAEMON@example.com", "daemon_sender"),
        ("noreply@example.org", "own_address"),
        ("someone.else@example.com", "sender_mismatch"),
    ],
)
def test_mail_from_the_wrong_senders_is_dropped(ann, notes, settings, sender, reason):
    settings.DEFAULT_FROM_EMAIL = "Communities of Practice <noreply@example.org>"
    [outcome] = send(ann, ANSWER, sender=sender)
    assert (outcome.status, outcome.reason) == ("dropped", reason)
    assert notes.posted == []


def test_a_null_envelope_sender_is_dropped(ann, notes):
    to = reply_address(user=ann, handler="note", object_id=1)
    raw = reply_mail(sender=ann.email, to=to, text=ANSWER).as_bytes()
    [outcome] = receive(raw, recipients=[to], return_path="")
    assert outcome.reason == "null_sender"


def test_bad_and_foreign_tokens_are_dropped(ann, notes, settings):
    good = reply_address(user=ann, handler="note", object_id=1)
    forged = good.replace("+note.", "+note.").replace(".1.", ".2.", 1)
    raw = reply_mail(sender=ann.email, to=good, text=ANSWER).as_bytes()
    assert receive(raw, recipients=[forged])[0].reason == "bad_signature"
    assert receive(raw, recipients=["ann@example.com"])[0].reason == "not_a_reply_address"
    other = reply_address(user=ann, handler="nothere", object_id=1)
    assert receive(raw, recipients=[other])[0].reason == "unknown_handler"
    assert notes.posted == []


def test_a_person_who_lost_access_is_refused(ann, notes):
    notes.open.discard(1)
    [outcome] = send(ann, ANSWER)
    assert outcome.reason == "no_access"
    assert notes.posted == []


def test_an_inactive_account_is_refused(ann, notes):
    ann.is_active = False
    ann.save()
    assert send(ann, ANSWER)[0].reason == "unknown_person"


def test_a_closed_object_refuses_and_nothing_is_posted(ann, notes):
    notes.open.discard(1)
    notes.closed.add(1)
    assert send(ann, ANSWER)[0].reason == "refused"
    assert notes.posted == []


def test_a_reply_with_nothing_new_is_dropped(ann, notes):
    assert send(ann, shapes.gmail(""))[0].reason == "empty"


def test_patient_identifiers_are_held_not_posted(ann, notes, mailoutbox):
    text = "Mrs Jane Doe, 12/03/1941, NHS number 943 476 5919, was reviewed."
    [outcome] = send(ann, shapes.gmail(text))
    assert outcome.status == "held"
    assert notes.posted == []
    held = HeldReply.objects.get()
    assert (held.user, held.handler, held.object_id, held.text) == (ann, "note", 1, text)
    assert outcome.url == held.get_absolute_url()
    entry = AuditEntry.objects.get(action="inbound.held")
    assert "nhs_number" in entry.data["kinds"]
    assert "943" not in str(entry.data)


def test_the_writer_of_held_text_gets_an_e_mail_without_the_text(
    ann, notes, django_capture_on_commit_callbacks
):
    from accounts.models import EmailDelivery

    send(ann, "NHS number 943 476 5919 needs a review.")
    delivery = EmailDelivery.objects.get(recipient=ann)
    held = HeldReply.objects.get()
    assert f"http://testserver{held.get_absolute_url()}" in delivery.body_text
    assert "943 476 5919" not in delivery.body_text + delivery.body_html
    assert django_mail.outbox == []  # sent by the outbox's task, not here
