"""Answering a private message's e-mail: its reply address, and what a reply sent to it
does (messages.inbound, registered with accounts.inbound)."""

import pytest

from accounts.inbound.models import HeldReply
from accounts.inbound.services import receive
from accounts.inbound.tokens import token_of_address, token_read
from accounts.models import EmailDelivery
from communities.models import Membership
from messages import services
from messages.models import Message
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
