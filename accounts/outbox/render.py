"""A message as the person it goes to reads it: templates/emails/<template>.{subject.txt,
txt,html} drawn in their own time zone, with the unsubscribe address of the preference it
is sent under. `render_one` draws it for one person; `render_same` draws one message for
many people, and gives each exactly what `render_one` would (proven for generated names
and time zones by tests/accounts/test_outbox_render.py)."""

import uuid

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User, by_zone, zone_of
from accounts.outbox.preferences import (
    preference_of,
    preferences_page_url,
    unsubscribe_headers,
    unsubscribe_url,
    unsubscribe_url_writer,
)


def render_one(
    *,
    recipient,
    template,
    context,
    preference,
    transactional,
    preferences_url=None,
    reply_to=None,
):
    """The rendered message for one person ({subject, text, html, headers}), or None when
    they should not get it. Raises MissingPreference when a message that is not
    transactional names no preference the outbox knows. `reply_to` is the address their
    reply goes to (a personal reply address: accounts.inbound)."""
    chosen = preference_of(preference, transactional=transactional)
    if not _wants(recipient, chosen, transactional=transactional):
        return None
    url = unsubscribe_url(user=recipient, preference=chosen.key) if chosen else None
    # Times in the person's own time zone, as the pages show them.
    with timezone.override(zone_of(recipient)):
        parts = _draw(
            template,
            context,
            recipient=recipient,
            unsubscribe_url=url,
            preference=chosen,
            preferences_url=preferences_url,
        )
    return _as_message(*parts, unsubscribe=url, reply_to=reply_to)


def _wants(recipient, preference, *, transactional):
    """Whether this person gets a message: an active account, and the preference it is
    sent under switched on (a transactional message has none)."""
    if not isinstance(recipient, User):
        raise TypeError("email_queue sends to users; use email_queue_rendered for an address.")
    if not recipient.is_active:
        return False
    return transactional or preference.is_on(recipient)


def _draw(template, context, *, recipient, unsubscribe_url, preference, preferences_url):
    """The three parts of a message as its templates write them: subject, text, HTML."""
    ctx = {
        "recipient": recipient,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        **(context or {}),
    }
    if preference:
        ctx["unsubscribe_url"] = unsubscribe_url
        ctx["unsubscribe_label"] = preference.label
    ctx["preferences_url"] = preferences_url or preferences_page_url()
    return tuple(
        render_to_string(f"emails/{template}.{part}", ctx)
        for part in ("subject.txt", "txt", "html")
    )


def _as_message(subject, text, html, *, unsubscribe, reply_to=None):
    headers = unsubscribe_headers(unsubscribe)
    if reply_to:
        headers["Reply-To"] = reply_to
    return {
        "subject": " ".join(subject.split())[:255],
        "text": text,
        "html": html,
        "headers": headers,
    }


# --- one message for many people -----------------------------------------------------------


class _NotShared(Exception):
    """A template read something of the recipient that a shared drawing cannot fill in."""


class _Placeholder(str):
    """What a shared drawing writes in place of one person's value. It holds an ampersand,
    so where the template escaped it, it reads differently from where it did not: each is
    filled in with the value escaped or not, exactly as the template would have written it.
    A filter that changed it (upper, truncation...) leaves its token in an unknown form,
    and the drawing is not shared."""

    def __new__(cls, token, what):
        mark = super().__new__(cls, f"[{token}:{what}&]")
        mark.escaped = f"[{token}:{what}&amp;]"
        return mark


class _Stand:
    """The recipient while one message is drawn for many: their short name is a
    placeholder; anything else read of them stops the sharing (_NotShared)."""

    def __init__(self, name):
        self._name = name

    def get_short_name(self):
        return self._name

    def __getattr__(self, attribute):
        raise _NotShared(attribute)


def render_same(*, recipients, template, context, preference):
    """(recipient, message) for each person who should get it, as render_one would draw it
    for each, but drawn once per time zone with the person's short name and unsubscribe
    address filled in: a reminder to everyone registered for a meeting renders its
    templates once instead of once a person. Falls back to render_one per person when the
    templates read anything else of the recipient."""
    chosen = preference_of(preference, transactional=False)
    links, address_of = preferences_page_url(), unsubscribe_url_writer()
    token = uuid.uuid4().hex
    name, url = _Placeholder(token, "name"), _Placeholder(token, "unsubscribe")
    wanted = [r for r in recipients if _wants(r, chosen, transactional=False)]
    for zone, people in by_zone(wanted).items():
        try:
            with timezone.override(zone):
                parts = _draw(
                    template,
                    context,
                    recipient=_Stand(name),
                    unsubscribe_url=url,
                    preference=chosen,
                    preferences_url=links,
                )
            marks = (name, name.escaped, url, url.escaped)
            if any(part.lower().count(token) != sum(map(part.count, marks)) for part in parts):
                raise _NotShared("a placeholder was changed by a filter")
        except _NotShared:
            for person in people:
                alone = render_one(
                    recipient=person,
                    template=template,
                    context=context,
                    preference=preference,
                    transactional=False,
                    preferences_url=links,
                )
                yield person, alone
            continue
        for person in people:
            address = address_of(user=person, preference=chosen.key)
            yield person, _filled(parts, person, name=name, url=url, address=address)


def _filled(parts, person, *, name, url, address):
    """A shared drawing with this person's short name and unsubscribe address in it."""
    short = person.get_short_name()
    values = {name.escaped: escape(short), name: short, url.escaped: escape(address), url: address}
    # No form of a placeholder is part of another, and no value holds the token.
    subject, text, html = (_fill(part, values) for part in parts)
    return _as_message(subject, text, html, unsubscribe=address)


def _fill(text, values):
    for mark, value in values.items():
        text = text.replace(mark, value)
    return text
