"""What an app that takes replies by e-mail registers at start-up (from its apps.py
ready()): accounts cannot import the apps above it, so they come to it."""

from collections.abc import Callable
from dataclasses import dataclass

MAX_KEY = 12  # the key is spelt out in every token: a local part holds 64 characters


@dataclass(frozen=True)
class ReplyHandler:
    """`may_reply(user, object_id) -> bool` is asked when mail arrives (and again when
    held text is confirmed): someone who has lost access since the e-mail is refused.
    `post(user, object_id, text, files) -> url` posts the text as that person, with the
    files attached (raising a ValidationError if the object no longer takes replies).
    `label` names the object for the person ("a discussion"). `max_files`: how many of an
    e-mail's files a reply keeps, once checked (core.attachments); 0 takes none."""

    key: str
    may_reply: Callable
    post: Callable
    label: str = "a conversation"
    max_files: int = 0


HANDLERS: dict[str, ReplyHandler] = {}


def register_handler(handler):
    if not handler.key.isalnum() or not handler.key.islower() or len(handler.key) > MAX_KEY:
        raise ValueError(f"A handler key is a short lower-case word: {handler.key!r}")
    HANDLERS[handler.key] = handler
    return handler


def handler_get(key):
    return HANDLERS.get(key)
