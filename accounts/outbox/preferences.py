"""The preferences an e-mail can be sent under, and the one-click unsubscribe (RFC 8058)
from each: every message tied to a preference carries an unsubscribe address for exactly
that preference. Account-security messages that a person asks for themselves (e-mail
verification, password reset) are `transactional`: no preference governs them."""

import functools
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

from accounts.models import User
from accounts.notifications.registry import KINDS, PREFERENCE_PREFIX, kind_preference
from accounts.notifications.selectors import channel_of

UNSUBSCRIBE_SALT = "accounts.unsubscribe"


@dataclass(frozen=True)
class Preference:
    key: str
    label: str  # completes "You will no longer receive ..."
    field: str | None
    off_value: object
    # Set instead of `field` for the e-mails of one kind of notification: backed by the
    # person's channel for that kind (accounts.notifications), on when it is "immediate".
    kind: str | None = None

    def is_on(self, user):
        if self.kind is not None:
            return channel_of(user=user, kind=self.kind) == "immediate"
        return getattr(user, self.field) != self.off_value


# Every preference an e-mail can be sent under; later features add theirs here.
PREFERENCES = {
    p.key: p
    for p in (
        Preference("digest", "digest e-mails", "digest_frequency", User.Digest.NEVER),
        Preference("meeting_reminders", "meeting reminders", "meeting_reminders", False),
        Preference(
            "membership_notices", "notices about joining communities", "membership_notices", False
        ),
        Preference(
            "meeting_announcements",
            "notices of new and changed meetings",
            "meeting_announcements",
            False,
        ),
        Preference("minutes", "minutes of meetings", "minutes_emails", False),
        Preference("resource_notices", "notices about your resources", "resource_notices", False),
    )
}


def kind_preferences():
    """One preference per registered kind of notification, keyed "notify:<kind>". They are
    kept out of PREFERENCES, whose every entry is a field of User."""
    return {
        kind_preference(key): Preference(
            kind_preference(key), f"e-mails for “{kind.label}”", None, None, kind=key
        )
        for key, kind in KINDS.items()
    }


def preference_get(key):
    """The Preference called `key` (a User field's or a kind of notification's), or None."""
    if key in PREFERENCES:
        return PREFERENCES[key]
    if key and key.startswith(PREFERENCE_PREFIX):
        return kind_preferences().get(key)
    return None


class MissingPreference(ValueError):
    """A message names no preference though it is not transactional, or names one that is
    not in PREFERENCES: without one, nobody could switch it off."""


def preference_of(key, *, transactional):
    """The Preference a message is sent under, or None for a transactional message that
    names none. Raises MissingPreference for a message that needs one and has none."""
    if not key:
        if transactional:
            return None
        raise MissingPreference(
            "An e-mail that is not transactional is sent under a preference: name one of "
            f"{', '.join(PREFERENCES)}."
        )
    found = preference_get(key)
    if found is None:
        raise MissingPreference(
            f"No e-mail preference is called {key!r}: name one of {', '.join(PREFERENCES)}."
        )
    return found


def unsubscribe_token(*, user, preference):
    # signing.dumps(..., salt=UNSUBSCRIBE_SALT), its signer made once. Not compressed:
    # zlib never shortens a payload this small, so the token is the same, a third faster
    # (19,000 of them in a reminder scan of 1,000 meetings).
    return _signer().sign_object({"u": user.pk, "p": preference})


def _signer():
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token):
    """Return (user_id, preference key), or raise signing.BadSignature."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or preference_get(data.get("p")) is None:
        raise signing.BadSignature("Unknown preference")
    return data["u"], data["p"]


def unsubscribe_url(*, user, preference):
    """The address that unsubscribes this person from this preference."""
    return unsubscribe_url_writer()(user=user, preference=preference)


def unsubscribe_url_writer():
    """unsubscribe_url for the many people of a bulk mailing (a reminder to each person
    registered): the path around the token reversed once per process, the signer made once
    per mailing, and each token quoted into the path as reverse() would quote it
    (tests/accounts/test_unsubscribe.py holds the two equal)."""
    before, after = _unsubscribe_path(get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))
    start, signer = settings.SITE_URL + before, _signer()

    def write(*, user, preference):
        token = signer.sign_object({"u": user.pk, "p": preference})
        return start + quote(token, safe=RFC3986_SUBDELIMS + "/~:@") + after

    return write


@functools.lru_cache(maxsize=8)
def _unsubscribe_path(prefix, urlconf):
    """The unsubscribe path before and after its token, under this script prefix and URL
    configuration (what reverse() writes depends on them)."""
    marker = "MARKER"  # a token that reverse() leaves as it is
    before, after = reverse("accounts:unsubscribe", args=[marker], urlconf=urlconf).split(marker)
    return before, after


def unsubscribe_headers(url):
    """The headers of a message that one POST to `url` unsubscribes from (none without)."""
    if not url:
        return {}
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def preferences_page_url():
    """Where a person chooses which e-mails they receive (every message links to it)."""
    return settings.SITE_URL + reverse("accounts:preferences")
