"""Passwords seen in breaches, checked without sending anything anywhere.

Django's CommonPasswordValidator already refuses its 20,000 most common passwords. This adds
the 30,000 most frequent passwords of the Xato corpus of ten million leaked credentials, as
shipped with zxcvbn, and, when BREACHED_PASSWORDS_FILE names one, a larger list the operator
downloads once (one password, or one SHA-1 hex digest as in the Pwned Passwords corpus, per
line). Comparison ignores case and surrounding spaces.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError


@functools.cache
def _bundled():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@functools.cache
def _from_file(path):
    entries = set()
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                # "HASH:COUNT" lines of the Pwned Passwords files keep only the hash.
                entry = line.strip().split(":", 1)[0]
                if entry:
                    entries.add(entry.lower())
    except OSError as exc:
        raise ImproperlyConfigured(f"BREACHED_PASSWORDS_FILE cannot be read: {exc}") from exc
    return frozenset(entries)


def is_breached(password):
    candidate = password.strip().lower()
    if candidate in _bundled():
        return True
    path = getattr(settings, "BREACHED_PASSWORDS_FILE", "")
    if path:
        listed = _from_file(path)
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest()
        return candidate in listed or digest in listed
    return False


class BreachedPasswordValidator:
    def validate(self, password, user=None):
        if is_breached(password):
            raise ValidationError(
                "This password has appeared in a data breach, so others may try it. "
                "Choose a different password",
                code="password_breached",
            )

    def get_help_text(self):
        return "Your password must not be one that has appeared in a data breach."
