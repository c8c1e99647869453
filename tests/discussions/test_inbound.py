"""Replying to a discussion's e-mail: the reply address in each e-mail, and what a reply
sent to it does (discussions.inbound, registered with accounts.inbound)."""

import smtplib

import pytest
from django.core.files.storage import default_storage

from accounts.inbound.models import HeldReply
from accounts.inbound.server import InboundController
from accounts.inbound.services import receive
from accounts.inbound.tokens import token_of_address, token_read
from accounts.models import EmailDelivery
from communities.models import Membership
from core.models import AuditEntry
from discussions import services
from discussions.models import Reply, ReplyAttachment
from tests.accounts import inbound_mail as shapes
from tests.accounts.inbound_mail import reply_mail
from tests.accounts.test_inbound_server import free_port
from tests.discussions.conftest import place_of, start

ANSWER = "We review it monthly with the GP and the pharmacist."


def reply_address_in_email(person):
    """The Reply-To of the last e-mail queued for this person, read back to its token."""
    delivery = EmailDelivery.objects.filter(recipient=person).latest("pk")
    return delivery.headers["Reply-To"]


def answer_by_mail(person, address, text):
    message = reply_mail(sender=person.email, to=address, text=shapes.gmail(text))
    return receive(message.as_bytes(), recipients=[address])


def answered_in(place):
    """A discussion the author started and the member replied to: the author got an
    e-mail with a reply address."""
    discussion = start(place)
    services.reply_add(discussion=discussion, author=place.member, body="What do you use?")
    return discussion


@pytest.fixture
def answered(place):
    return answered_in(place)


@pytest.mark.django_db
def test_discussion_e_mails_carry_a_reply_to_that_round_trips(place, answered):
    address = reply_address_in_email(place.author)
    token = token_read(token_of_address(address))
    assert (token.handler, token.user_id, token.object_id) == (
        "discussion",
        place.author.pk,
        answered.pk,
    )
    assert len(address.split("@")[0]) <= 64
    delivery = EmailDelivery.objects.filter(recipient=place.author).latest("pk")
    assert "To answer, reply to this e-mail" in delivery.body_text
    assert "To answer, reply to this e-mail" in delivery.body_html


@pytest.mark.django_db
def test_replying_to_the_e_mail_posts_the_reply_as_its_writer(place, answered):
    [outcome] = answer_by_mail(place.author, reply_address_in_email(place.author), ANSWER)
    assert outcome.status == "posted"
    reply = Reply.objects.filter(discussion=answered).latest("pk")
    assert (reply.author, reply.body) == (place.author, ANSWER)
    assert outcome.url == reply.get_absolute_url()
    # The other people in it are told of it as of any reply.
    assert EmailDelivery.objects.filter(recipient=place.member, purpose__contains=str(reply.pk))


@pytest.mark.django_db
def test_a_closed_discussion_refuses(place, answered):
    address = reply_address_in_email(place.author)
    services.discussion_close(discussion=answered, actor=place.convener, closed=True)
    [outcome] = answer_by_mail(place.author, address, ANSWER)
    assert outcome.status == "dropped"
    assert Reply.objects.filter(discussion=answered).count() == 1


@pytest.mark.django_db
def test_someone_who_left_the_community_is_refused(place, answered):
    address = reply_address_in_email(place.author)
    Membership.objects.filter(user=place.author, community=place.community).delete()
    [outcome] = answer_by_mail(place.author, address, ANSWER)
    assert (outcome.status, outcome.reason) == ("dropped", "no_access")
    assert Reply.objects.filter(discussion=answered).count() == 1


@pytest.mark.django_db
def test_a_reply_in_a_safe_space_keeps_the_name_from_members(place):
    discussion = start(place, is_safe_space=True)
    services.reply_add(discussion=discussion, author=place.member, body="Thank you for sharing.")
    answer_by_mail(place.author, reply_address_in_email(place.author), ANSWER)
    reply = Reply.objects.filter(discussion=discussion).latest("pk")
    assert reply.author == place.author and reply.author_hidden


@pytest.mark.django_db
def test_patient_details_are_held_and_posted_once_confirmed(client, place, answered):
    text = "Mrs Jane Doe, 12/03/1941, had her medicines reviewed."
    [outcome] = answer_by_mail(place.author, reply_address_in_email(place.author), text)
    assert outcome.status == "held"
    assert Reply.objects.filter(discussion=answered).count() == 1
    held = HeldReply.objects.get()
    client.force_login(place.author)
    response = client.post(
        held.get_absolute_url(), {"body": text, "confirm_not_patient_data": "on"}
    )
    reply = Reply.objects.filter(discussion=answered).latest("pk")
    assert response.status_code == 302 and response.url == reply.get_absolute_url()
    assert reply.body == text and reply.author == place.author
    assert not HeldReply.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_through_the_lmtp_server_is_posted():
    place = place_of()
    discussion = answered_in(place)
    address = reply_address_in_email(place.author)
    relay_by_lmtp(reply_mail(sender=place.author.email, to=address, text=shapes.outlook(ANSWER)))
    assert Reply.objects.filter(discussion=discussion).latest("pk").body == ANSWER


def relay_by_lmtp(message):
    """Hand the message to the inbound service's LMTP server on loopback, as the site's mail
    server would; returns the recipients it refused."""
    controller = InboundController(hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", controller.port, timeout=10) as client:
            return client.send_message(message)
    finally:
        controller.stop()


def answer_with_files(person, address, files, text=ANSWER):
    message = reply_mail(sender=person.email, to=address, text=shapes.gmail(text), files=files)
    return receive(message.as_bytes(), recipients=[address])


@pytest.mark.django_db
def test_an_e_mailed_reply_keeps_the_files_the_checker_accepts(settings, place, answered):
    settings.ATTACHMENT_MAX_BYTES = 64 * 1024
    files = [shapes.GOOD_PDF, shapes.PROGRAM_AS_PDF, shapes.big_pdf(100 * 1024)]
    [outcome] = answer_with_files(place.author, reply_address_in_email(place.author), files)
    assert outcome.status == "posted"
    reply = Reply.objects.filter(discussion=answered).latest("pk")
    assert [f.original_name for f in reply.attachments.all()] == ["protocol.pdf"]
    entry = AuditEntry.objects.get(action="inbound.attachments_refused")
    assert entry.data["handler"] == "discussion" and entry.data["object"] == answered.pk
    assert [(r["name"], r["code"]) for r in entry.data["refused"]] == [
        ("minutes.pdf", "type"),
        ("audit-report.pdf", "size"),
    ]
    told = EmailDelivery.objects.get(purpose=f"inbound.attachments_refused:{entry.pk}")
    assert told.recipient == place.author
    assert "to a discussion is posted, but these files were not attached" in told.body_text
    assert "- minutes.pdf: The selected file is not a type we accept" in told.body_text
    assert "- audit-report.pdf: The selected file must be smaller than" in told.body_text
    assert reply.get_absolute_url() in told.body_text
    assert "<strong>minutes.pdf</strong>" in told.body_html


@pytest.mark.django_db
def test_a_file_in_a_closed_discussion_goes_nowhere(place, answered):
    address = reply_address_in_email(place.author)
    services.discussion_close(discussion=answered, actor=place.convener, closed=True)
    [outcome] = answer_with_files(place.author, address, [shapes.GOOD_PDF])
    assert outcome.status == "dropped"
    assert not ReplyAttachment.objects.exists()
    assert not default_storage.exists("replies")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_files_through_the_lmtp_server_are_checked_and_kept():
    place = place_of()
    discussion = answered_in(place)
    address = reply_address_in_email(place.author)
    message = reply_mail(
        sender=place.author.email,
        to=address,
        text=shapes.outlook(ANSWER),
        files=[shapes.GOOD_PDF, shapes.PAGE_AS_PDF],
    )
    assert relay_by_lmtp(message) == {}
    reply = Reply.objects.filter(discussion=discussion).latest("pk")
    assert reply.body == ANSWER
    [kept] = reply.attachments.all()
    assert kept.original_name == "protocol.pdf" and kept.file.read() == shapes.GOOD_PDF[1]
    refused = AuditEntry.objects.get(action="inbound.attachments_refused").data["refused"]
    assert [(r["name"], r["code"]) for r in refused] == [("leaflet.pdf", "markup")]
    assert EmailDelivery.objects.filter(
        recipient=place.author, purpose__startswith="inbound.attachments_refused"
    ).exists()
