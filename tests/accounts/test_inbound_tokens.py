"""Reply tokens: short enough for a local part, signed, expiring, and read back."""

import pytest
import time_machine
from django.utils import timezone

from accounts.inbound.tokens import (
    BadToken,
    reply_address,
    token_make,
    token_of_address,
    token_read,
)

pytestmark = pytest.mark.django_db


def test_a_token_round_trips(settings):
    token = token_make(handler="discussion", user_id=42, object_id=1234567)
    read = token_read(token)
    assert (read.handler, read.user_id, read.object_id) == ("discussion", 42, 1234567)
    # Lower case: some mail servers fold the case of the local part.
    assert token_read(token.upper()) == read


def test_the_local_part_stays_within_the_rfc_limit_for_large_ids(user, settings):
    settings.REPLY_DOMAIN = "reply.example.org"
    user.pk = 10**12
    address = reply_address(user=user, handler="discussion", object_id=10**12)
    local, domain = address.split("@")
    assert domain == "reply.example.org"
    assert len(local) <= 64, local
    assert token_read(token_of_address(address)).user_id == 10**12


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("discussion", "message"),  # another handler
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # the signature
        lambda t: ".".join([t.split(".")[0], "1", *t.split(".")[2:]]),  # another person
    ],
)
def test_a_changed_token_is_refused(change):
    token = token_make(handler="discussion", user_id=7, object_id=9)
    with pytest.raises(BadToken) as refused:
        token_read(change(token))
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize("token", ["", "x", "a.b.c.d.e", "discussion.7.9.zz"])
def test_nonsense_is_refused(token):
    with pytest.raises(BadToken):
        token_read(token)


def test_a_token_expires_after_the_setting(settings):
    settings.INBOUND_TOKEN_DAYS = 30
    token = token_make(handler="discussion", user_id=7, object_id=9)
    now = timezone.now()
    with time_machine.travel(now + timezone.timedelta(days=30), tick=False):
        assert token_read(token).object_id == 9
    with (
        time_machine.travel(now + timezone.timedelta(days=31), tick=False),
        pytest.raises(BadToken) as refused,
    ):
        token_read(token)
    assert refused.value.reason == "expired"


def test_only_reply_addresses_of_the_reply_domain_carry_a_token(settings):
    settings.REPLY_DOMAIN = "reply.example.org"
    assert token_of_address("reply+abc@reply.example.org") == "abc"
    assert token_of_address("<Reply+abc@Reply.Example.org>") == "abc"
    assert token_of_address("reply+abc@example.org") is None
    assert token_of_address("someone@reply.example.org") is None
