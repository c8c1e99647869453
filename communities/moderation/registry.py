"""The kinds of content that can be reported and hidden, declared by the apps that own them.

A moderatable model keeps its own hidden state in four fields, so that its lists filter on
a column: `is_hidden`, `hidden_reason`, `hidden_by` and `hidden_at`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Kind:
    key: str  # stored on reports and in audit actions: "story", "comment"
    label: str  # in sentences: "Your story has been hidden"
    model: type
    community: Callable[[Any], Any]  # the community whose conveners answer (or None)
    author: Callable[[Any], Any]  # the person told when it is hidden (or None)
    title: Callable[[Any], str]  # names it in the queue and in e-mails
    url: Callable[[Any], str]  # the page that shows it
    hide_url: Callable[[Any], str]  # the conveners' page to hide it
    can_view: Callable[[Any, Any], bool]  # (user, obj): may this person see it at all
    can_moderate: Callable[[Any, Any], bool]  # (user, obj): may hide and unhide it
    moderators: Callable[[Any], list]  # who is told of a report
    # For the queue: what to load with each object of the kind, in one query per kind.
    select_related: tuple = ()
    # The e-mail to the author when it is hidden, and what its template reads besides the
    # common context (label, title, url, community, reason); notice_context is laid over the
    # context of both e-mails (this one and the report to the moderators), so a kind can keep
    # its title out of them (a safe-space discussion's).
    notice_template: str = "content_hidden"
    notice_context: Callable[[Any], dict] = field(default=lambda obj: {})
    # What else goes when it is hidden (inside the same transaction), e.g. the
    # notifications that name it; and what the confirmation page says of it beforehand
    # (files that are deleted for good), or "".
    on_hide: Callable[[Any], None] = field(default=lambda obj: None)
    hide_note: Callable[[Any], str] = field(default=lambda obj: "")


KINDS: dict[str, Kind] = {}


def register(*kinds):
    for kind in kinds:
        KINDS[kind.key] = kind


def kind_for(obj):
    for kind in KINDS.values():
        if isinstance(obj, kind.model):
            return kind
    raise LookupError(f"{type(obj).__name__} is not a moderatable kind")
