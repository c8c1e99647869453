"""Our outgoing mail as the inbound service needs it: a personal Reply-To where one is
given, and Auto-Submitted on every message, so that no machine answers it (and the
inbound service would drop whatever did)."""

from email import policy
from email.parser import BytesParser

import pytest
from django.core import mail

from accounts.inbound.parsing import drop_reason
from accounts.inbound.tokens import reply_address, token_of_address, token_read
from accounts.outbox.delivery import email_deliver, email_queue, email_queue_many

pytestmark = pytest.mark.django_db


def parsed(message):
    return BytesParser(policy=policy.default).parsebytes(message.message().as_bytes())


def delivered_headers(user, *, purpose, body, **extra):
    """Queue one notice for `user`, deliver it, and read back the headers of what was sent."""
    delivery = email_queue(
        recipient=user,
        purpose=purpose,
        template="test_notice",
        context={"body": body},
        preference="meeting_reminders",
        **extra,
    )
    email_deliver(delivery_id=delivery.pk)
    [sent] = mail.outbox
    return parsed(sent)


def test_a_message_carries_its_reply_to_and_auto_submitted(user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    address = reply_address(user=user, handler="discussion", object_id=5)
    headers = delivered_headers(
        user, purpose="notice:1", body="the agenda is ready.", reply_to=address
    )
    assert headers["Reply-To"] == address
    assert headers["Auto-Submitted"] == "auto-generated"
    assert token_read(token_of_address(headers["Reply-To"])).object_id == 5


def test_a_message_without_reply_to_still_says_auto_submitted(user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    headers = delivered_headers(user, purpose="notice:2", body="x")
    assert "Reply-To" not in headers
    # Were it to come back (a forwarding loop), the inbound service would drop it.
    assert drop_reason(headers, sender=user.email) == "auto_submitted"


def test_queueing_many_gives_each_person_their_own_reply_to(settings):
    from accounts.models import EmailDelivery
    from tests.factories import UserFactory

    people = UserFactory.create_batch(2)
    email_queue_many(
        messages=[(p, {"body": "x"}) for p in people],
        purpose="notice:3",
        template="test_notice",
        preference="meeting_reminders",
        reply_to=lambda person: reply_address(user=person, handler="discussion", object_id=9),
    )
    for person in people:
        header = EmailDelivery.objects.get(recipient=person).headers["Reply-To"]
        assert token_read(token_of_address(header)).user_id == person.pk
