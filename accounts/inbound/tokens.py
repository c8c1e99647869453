"""Reply tokens: who may post what where, in the local part of an address.

A token is `<handler>.<person>.<object>.<day>.<signature>`: the person's and the object's
ids and the day it was made (days since 2020-01-01) in base 36, and the first 15 bytes of
an HMAC-SHA256 (django.utils.crypto.salted_hmac, the primitive of django.core.signing,
with its own salt) over the rest, in base 36 too. Lower case only, because some mail
servers fold the case of local parts; and short, because a local part holds at most 64
characters (RFC 5321): "reply+" and a token for ids in the billions stay under 60.
django.core.signing's own signatures (base64 of a whole SHA-256) would not fit.
"""

import hmac
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

SALT = "accounts.inbound.reply-token"
PREFIX = "reply+"
EPOCH = date(2020, 1, 1)
SIGNATURE_BYTES = 15
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class BadToken(Exception):
    """Not a token of ours, changed, or expired: the `reason` is logged."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReplyToken:
    handler: str
    user_id: int
    object_id: int
    day: int


def _b36(number):
    if number < 0:
        raise ValueError("negative")
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _DIGITS[rest] + out
        if not number:
            return out


def _int36(text):
    if not text or any(c not in _DIGITS for c in text):
        raise BadToken("malformed")
    return int(text, 36)


def _today():
    return (timezone.now().date() - EPOCH).days


def _sign(body):
    digest = salted_hmac(SALT, body, algorithm="sha256").digest()[:SIGNATURE_BYTES]
    return _b36(int.from_bytes(digest, "big"))


def token_make(*, handler, user_id, object_id, day=None):
    body = ".".join(
        [handler, _b36(user_id), _b36(object_id), _b36(_today() if day is None else day)]
    )
    return f"{body}.{_sign(body)}"


def token_read(token):
    """The ReplyToken in `token`, or BadToken (malformed, bad_signature, expired)."""
    token = (token or "").strip().lower()
    parts = token.split(".")
    if len(parts) != 5:
        raise BadToken("malformed")
    body, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(_sign(body), signature):
        raise BadToken("bad_signature")
    read = ReplyToken(parts[0], _int36(parts[1]), _int36(parts[2]), _int36(parts[3]))
    if _today() - read.day > settings.INBOUND_TOKEN_DAYS:
        raise BadToken("expired")
    return read


def reply_address(*, user, handler, object_id):
    """The personal address to reply to about `object_id`, for the Reply-To header."""
    token = token_make(handler=handler, user_id=user.pk, object_id=object_id)
    return f"{PREFIX}{token}@{settings.REPLY_DOMAIN}"


def token_of_address(address):
    """The token in reply+<token>@REPLY_DOMAIN, or None for any other address."""
    local, _, domain = (address or "").strip().strip("<>").rpartition("@")
    if domain.lower() != settings.REPLY_DOMAIN.lower():
        return None
    if not local.lower().startswith(PREFIX):
        return None
    return local[len(PREFIX) :]
