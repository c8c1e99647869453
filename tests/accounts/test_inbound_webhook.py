"""The provider's inbound webhook (Mailgun's "forward raw MIME" form): signed requests
feed receive(); a bad, stale or replayed signature is refused with 403."""

import hashlib
import hmac
import time
import uuid

import pytest
from django.urls import reverse

from accounts.inbound.tokens import reply_address
from tests.accounts import inbound_mail as shapes
from tests.accounts.inbound_mail import reply_mail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
notes = shapes.notes  # the fixture: a handler for the tests

KEY = "key-test-0123456789"
URL = "/inbound/mailgun/"
ANSWER = "We tried the checklist and it works."


@pytest.fixture(autouse=True)
def _key(settings):
    settings.INBOUND_WEBHOOK_KEY = KEY


def signed_form(message, to, *, key=KEY, timestamp=None, token=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or uuid.uuid4().hex
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {
        "recipient": to,
        "sender": "ann@example.com",
        "body-mime": message.as_string(),
        "timestamp": timestamp,
        "token": token,
        "signature": signature.hexdigest(),
    }


@pytest.fixture
def ann(db):
    return UserFactory(name="Ann Example", email="ann@example.com")


def test_the_url_is_the_documented_one():
    assert reverse("accounts:inbound_webhook") == URL


def test_a_signed_reply_is_posted(client, ann, notes):
    to = reply_address(user=ann, handler="note", object_id=1)
    message = reply_mail(sender=ann.email, to=to, text=shapes.outlook(ANSWER))
    response = client.post(URL, signed_form(message, to))
    assert response.status_code == 200
    assert response.content == b"posted"
    assert notes.posted == [(ann.pk, 1, ANSWER)]


@pytest.mark.parametrize(
    "change",
    [
        {"key": "another-key"},
        {"timestamp": int(time.time()) - 3600},  # stale
        {"timestamp": "soon"},
    ],
)
def test_a_bad_or_stale_signature_is_refused(client, ann, notes, change):
    to = reply_address(user=ann, handler="note", object_id=1)
    message = reply_mail(sender=ann.email, to=to, text=ANSWER)
    response = client.post(URL, signed_form(message, to, **change))
    assert response.status_code == 403
    assert notes.posted == []


def test_a_replayed_request_is_refused(client, ann, notes):
    to = reply_address(user=ann, handler="note", object_id=1)
    form = signed_form(reply_mail(sender=ann.email, to=to, text=ANSWER), to)
    assert client.post(URL, form).status_code == 200
    assert client.post(URL, form).status_code == 403
    assert len(notes.posted) == 1


def test_without_a_key_everything_is_refused(client, ann, notes, settings):
    settings.INBOUND_WEBHOOK_KEY = ""
    to = reply_address(user=ann, handler="note", object_id=1)
    form = signed_form(reply_mail(sender=ann.email, to=to, text=ANSWER), to, key="")
    assert client.post(URL, form).status_code == 403


def test_no_csrf_token_is_needed(ann, notes):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    to = reply_address(user=ann, handler="note", object_id=1)
    form = signed_form(reply_mail(sender=ann.email, to=to, text=ANSWER), to)
    assert strict.post(URL, form).status_code == 200


def test_the_webhook_is_rate_limited(client, ann, notes, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "inbound": "2/m"}
    to = reply_address(user=ann, handler="note", object_id=1)
    statuses = [
        client.post(
            URL, signed_form(reply_mail(sender=ann.email, to=to, text=ANSWER), to)
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
