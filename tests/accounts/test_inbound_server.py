"""The inbound mail server (`manage.py mail_inbound`) on loopback, driven by a real LMTP
or SMTP client as a mail server relaying to it would: only reply addresses are taken,
and each message reaches receive()."""

import smtplib
import socket

import pytest
from django.core.management import call_command

from accounts.inbound.server import InboundController
from accounts.inbound.tokens import reply_address
from tests.accounts import inbound_mail as shapes
from tests.accounts.inbound_mail import reply_mail
from tests.factories import UserFactory

# The server's thread has its own database connection: it must see committed rows (and,
# as every transactional test here, the database is restored for the tests after it).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
notes = shapes.notes  # the fixture: a handler for the tests

ANSWER = "Yes: we use the same checklist in every home."


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["lmtp", "smtp"])
def server(request):
    controller = InboundController(
        hostname="127.0.0.1", port=free_port(), smtp=request.param == "smtp"
    )
    controller.start()
    client_class = smtplib.LMTP if request.param == "lmtp" else smtplib.SMTP

    def connect():
        client = client_class("127.0.0.1", controller.port, timeout=10)
        client.protocol = request.param
        return client

    yield connect
    controller.stop()


@pytest.fixture
def ann(db):
    return UserFactory(name="Ann Example", email="ann@example.com")


@pytest.mark.parametrize("shape", [shapes.plain, shapes.outlook, shapes.signed])
def test_a_reply_relayed_to_the_server_is_posted(server, ann, notes, shape):
    to = reply_address(user=ann, handler="note", object_id=1)
    with server() as client:
        refused = client.send_message(reply_mail(sender=ann.email, to=to, text=shape(ANSWER)))
    assert refused == {}
    assert notes.posted == [(ann.pk, 1, ANSWER)]


def test_an_html_only_reply_from_gmail_is_posted(server, ann, notes):
    to = reply_address(user=ann, handler="note", object_id=2)
    message = reply_mail(sender=ann.email, to=to, text=None, html=shapes.gmail_html(ANSWER))
    with server() as client:
        client.send_message(message)
    assert notes.posted == [(ann.pk, 2, ANSWER)]


def test_other_recipients_are_refused_at_rcpt(server, ann, notes):
    message = reply_mail(sender=ann.email, to="someone@example.org", text=ANSWER)
    with server() as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.send_message(message)
    assert notes.posted == []


def test_a_bounce_is_accepted_and_dropped(server, ann, notes):
    to = reply_address(user=ann, handler="note", object_id=1)
    message = reply_mail(
        sender="MAILER-DAEMON@example.com", to=to, text="Delivery failed: mailbox full"
    )
    with server() as client:
        assert client.send_message(message, from_addr="<>") == {}
    assert notes.posted == []


def test_an_auto_reply_is_accepted_and_dropped(server, ann, notes):
    to = reply_address(user=ann, handler="note", object_id=1)
    message = reply_mail(
        sender=ann.email,
        to=to,
        text="I am on leave until Monday.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    with server() as client:
        client.send_message(message)
    assert notes.posted == []


def test_a_message_for_two_reply_addresses_is_handled_for_each(server, ann, notes):
    first = reply_address(user=ann, handler="note", object_id=1)
    second = reply_address(user=ann, handler="note", object_id=2)
    message = reply_mail(sender=ann.email, to=f"{first}, {second}", text=ANSWER)
    with server() as client:
        assert client.send_message(message) == {}
        if client.protocol == "lmtp":
            # LMTP answers for each recipient; smtplib reads only the first answer.
            assert client.getreply()[0] == 250
    assert sorted(p[1] for p in notes.posted) == [1, 2]


def test_the_folder_reader_receives_dropped_eml_files(ann, notes, settings, tmp_path):
    settings.INBOUND_FOLDER = str(tmp_path)
    to = reply_address(user=ann, handler="note", object_id=1)
    (tmp_path / "reply.eml").write_bytes(
        reply_mail(sender=ann.email, to=to, text=shapes.gmail(ANSWER)).as_bytes()
    )
    call_command("mail_inbound", "--folder", "--once")
    assert notes.posted == [(ann.pk, 1, ANSWER)]
    assert (tmp_path / "processed" / "reply.eml").exists()
    assert not (tmp_path / "reply.eml").exists()
