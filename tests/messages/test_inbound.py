"""Answering a private message's e-mail: its reply address, and what a reply sent to it
does (messages.inbound, registered with accounts.inbound)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.inbound.models import HeldReply
from accounts.inbound.services import receive
from accounts.inbound.tokens import token_of_address, token_read
from accounts.models import EmailDelivery
from communities.models import Membership
from core.models import AuditEntry
from messages import services
from messages.models import Message, MessageAttachment
from tests.accounts import inbound_mail as shapes
from tests.accounts.inbound_mail import reply_mail

pytestmark = pytest.mark.django_db

ANSWER = "Yes: the leaflet is yours to adapt."


def _address(person):
    return EmailDelivery.objects.filter(recipient=person).latest("pk").headers["Reply-To"]


def _answer(person, address, text=ANSWER):
    message = reply_mail(sender=person.email, to=address, text=shapes.gmail(text))
    [outcome] = receive(message.as_bytes(), recipients=[address])
    return outcome


@pytest.fixture
def asked(alice, bob):
    return services.message_send(sender=alice, recipient=bob, body="May I adapt the leaflet?")


def test_the_e_mail_carries_a_reply_address_for_the_conversation(bob, asked):
    token = token_read(token_of_address(_address(bob)))
    assert (token.handler, token.user_id, token.object_id) == (
        "message",
        bob.pk,
        asked.conversation_id,
    )


def test_replying_to_the_e_mail_sends_the_answer_as_its_writer(alice, bob, asked):
    outcome = _answer(bob, _address(bob))
    assert outcome.status == "posted"
    answer = Message.objects.latest("pk")
    assert (answer.sender, answer.body, answer.conversation_id) == (
        bob,
        ANSWER,
        asked.conversation_id,
    )
    assert outcome.url == services.conversation_url(asked.conversation)
    # Alice hears of it as of any message, with an address of her own to answer.
    assert ANSWER in EmailDelivery.objects.filter(recipient=alice).latest("pk").body_text


def test_a_reply_after_a_block_or_leaving_is_refused(alice, bob, asked):
    address = _address(bob)
    services.person_block(blocker=alice, blocked=bob)
    assert _answer(bob, address).status == "dropped"
    services.person_unblock(blocker=alice, blocked=bob)
    Membership.objects.filter(user=alice).update(status=Membership.Status.LEFT)
    assert _answer(bob, address).status == "dropped"
    assert Message.objects.count() == 1


def test_someone_else_cannot_use_the_address(community, bob, asked):
    from tests.factories import MembershipFactory

    intruder = MembershipFactory(community=community).user
    assert _answer(intruder, _address(bob)).status == "dropped"
    assert Message.objects.count() == 1


def test_patient_details_by_e_mail_are_held(bob, asked):
    outcome = _answer(bob, _address(bob), "About Mrs Smith, NHS number 943 476 5919")
    assert outcome.status == "held"
    assert HeldReply.objects.get(user=bob).handler == "message"
    assert Message.objects.count() == 1


def _answer_with(person, address, files, text=ANSWER):
    message = reply_mail(sender=person.email, to=address, text=shapes.gmail(text), files=files)
    [outcome] = receive(message.as_bytes(), recipients=[address])
    return outcome


def test_an_e_mailed_answer_keeps_its_checked_files(alice, bob, asked):
    outcome = _answer_with(bob, _address(bob), [shapes.GOOD_PDF])
    assert outcome.status == "posted"
    answer = Message.objects.latest("pk")
    [file] = answer.attachments.all()
    assert (file.original_name, file.content_type) == ("protocol.pdf", "application/pdf")
    assert file.file.read() == shapes.GOOD_PDF[1]
    assert not AuditEntry.objects.filter(action="inbound.attachments_refused").exists()
    assert not EmailDelivery.objects.filter(purpose__startswith="inbound.attachments_refused")
    # Alice's e-mail of the message names the file.
    assert (
        "- protocol.pdf (" in EmailDelivery.objects.filter(recipient=alice).latest("pk").body_text
    )


def test_disguised_and_oversized_files_are_refused_and_the_sender_told(settings, alice, bob, asked):
    settings.ATTACHMENT_MAX_BYTES = 64 * 1024
    big = shapes.big_pdf(100 * 1024)
    files = [shapes.PROGRAM_AS_PDF, shapes.GOOD_PDF, shapes.PAGE_AS_PDF, big]
    outcome = _answer_with(bob, _address(bob), files)
    assert outcome.status == "posted"
    assert [a.original_name for a in Message.objects.latest("pk").attachments.all()] == [
        "protocol.pdf"
    ]
    entry = AuditEntry.objects.get(action="inbound.attachments_refused", actor=bob)
    assert [(r["name"], r["code"]) for r in entry.data["refused"]] == [
        ("minutes.pdf", "type"),
        ("leaflet.pdf", "markup"),
        ("audit-report.pdf", "size"),
    ]
    [told] = EmailDelivery.objects.filter(purpose__startswith="inbound.attachments_refused")
    assert told.recipient == bob and told.subject.startswith("Some files in your reply")
    for name, why in [
        ("minutes.pdf", "not a type we accept, whatever its name says"),
        ("leaflet.pdf", "web page or image markup"),
        ("audit-report.pdf", "must be smaller than 0.0625 MB"),
    ]:
        assert f"- {name}: " in told.body_text and why in told.body_text
    assert services.conversation_url(asked.conversation) in told.body_text


def test_only_three_files_are_kept(bob, asked):
    files = [(f"page-{n}.pdf", shapes.GOOD_PDF[1], "application/pdf") for n in range(5)]
    _answer_with(bob, _address(bob), files)
    kept = Message.objects.latest("pk").attachments.all()
    assert [a.original_name for a in kept] == ["page-0.pdf", "page-1.pdf", "page-2.pdf"]
    entry = AuditEntry.objects.get(action="inbound.attachments_refused")
    assert [(r["name"], r["code"]) for r in entry.data["refused"]] == [
        ("page-3.pdf", "count"),
        ("page-4.pdf", "count"),
    ]


def test_a_held_answer_keeps_no_file_and_its_page_takes_them_again(client, alice, bob, asked):
    text = "About Mrs Smith, NHS number 943 476 5919"
    outcome = _answer_with(bob, _address(bob), [shapes.GOOD_PDF], text=text)
    assert outcome.status == "held"
    held = HeldReply.objects.get(user=bob)
    notice = EmailDelivery.objects.get(purpose=f"inbound.held:{held.pk}")
    assert "- protocol.pdf: Not kept while your reply waits" in notice.body_text
    assert not MessageAttachment.objects.exists()
    client.force_login(bob)
    response = client.post(
        held.get_absolute_url(),
        {
            "body": "About a resident: the review is done.",
            "attachments": [SimpleUploadedFile("protocol.pdf", shapes.GOOD_PDF[1])],
        },
    )
    assert response.status_code == 302
    [file] = Message.objects.latest("pk").attachments.all()
    assert file.original_name == "protocol.pdf"
