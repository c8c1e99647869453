"""The kinds of notification. accounts cannot import the apps above it, so each of them
registers the kinds it sends from its AppConfig.ready(); the preferences page offers one
choice per registered kind, and each kind's e-mails carry an unsubscribe of their own."""

from dataclasses import dataclass

IMMEDIATE, DIGEST, OFF = "immediate", "digest", "off"
CHANNELS = (IMMEDIATE, DIGEST, OFF)

# An outbox row names its preference in 32 characters: "notify:" and the key.
PREFERENCE_PREFIX = "notify:"
KEY_MAX_LENGTH = 25


def kind_preference(key):
    """The outbox preference the e-mails of one kind are sent under: unsubscribing from it
    switches that kind off (accounts.outbox.preferences)."""
    return f"{PREFERENCE_PREFIX}{key}"


@dataclass(frozen=True)
class NotificationKind:
    key: str  # "mention", "reply_to_mine", "meeting_new", ...
    label: str  # on the preferences page: "Someone mentions you"
    # templates/emails/<email_template>.{subject.txt,txt,html}; None: the centre only (an
    # e-mail about the event, if any, is sent elsewhere under its own preference).
    email_template: str | None
    default: str = IMMEDIATE  # "immediate" | "digest" | "off"

    def __post_init__(self):
        if not self.key or len(self.key) > KEY_MAX_LENGTH or ":" in self.key:
            raise ValueError(f"A notification kind's key is 1 to {KEY_MAX_LENGTH} characters")
        if self.default not in CHANNELS:
            raise ValueError(f"A notification kind's default is one of {', '.join(CHANNELS)}")


KINDS: dict[str, NotificationKind] = {}


def register(*kinds: NotificationKind) -> None:
    """Make kinds known (from an AppConfig.ready()). Registering the same kind again is
    harmless; another kind under a key already taken is a mistake."""
    for kind in kinds:
        known = KINDS.get(kind.key)
        if known is not None and known != kind:
            raise ValueError(f"Another notification kind is registered as {kind.key!r}")
        KINDS[kind.key] = kind


def kind_get(key) -> NotificationKind:
    try:
        return KINDS[key]
    except KeyError:
        raise LookupError(
            f"No notification kind is called {key!r}: register it from its app's ready()"
        ) from None
