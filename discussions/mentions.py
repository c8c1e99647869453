"""Mentions in what members write.

Stored syntax: `@[Ada Example](42)`, the person's name as it was when chosen and their
id: the suggestions script inserts it (static/js/mentions.js), and anyone may type it.
The name may hold spaces; the id decides who is meant. A plain `@Ada` is only text: a name
is not unique, and guessing whom it means would tell people about the wrong person.

On a page, a mention of someone who may see the discussion (an active member of its
community) reads as their current name; any other stays as the text that was typed, and
nobody is told (services record Mention rows only for those who may see it).
"""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.markdown import markdown_to_text, render_markdown_many

MENTION = re.compile(r"@\[([^\[\]\n]{1,150})\]\((\d{1,12})\)")
# Placeholders that survive Markdown and the sanitiser: private-use characters, removed
# from the text first so nobody can type one.
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")


def mentioned_ids(text):
    """The ids of everyone the text mentions, in order, once each."""
    return list(dict.fromkeys(int(m.group(2)) for m in MENTION.finditer(text or "")))


def _parts(text, names):
    shown = []

    def swap(match):
        label, pk = match.group(1), int(match.group(2))
        shown.append((names.get(pk), label))
        return f"{_OPEN}{len(shown) - 1}{_CLOSE}"

    clean = (text or "").replace(_OPEN, "").replace(_CLOSE, "")
    return MENTION.sub(swap, clean), shown


def render_posts(texts, names):
    """Sanitised HTML of each post, in order; `names` maps the ids that resolve to the
    person's name. The Markdown goes through the cache in one round trip: the
    cached HTML holds placeholders, never a name, so a renamed or erased person's name is
    read afresh on every page."""
    parts = [_parts(text, names) for text in texts]
    htmls = render_markdown_many([source for source, _shown in parts])
    return [
        _with_names(str(html), shown) for html, (_source, shown) in zip(htmls, parts, strict=True)
    ]


def _with_names(html, shown):
    def back(match):
        name, label = shown[int(match.group(1))]
        if name is None:
            return escape(f"@{label}")
        return f'<strong class="app-mention">@{escape(name)}</strong>'

    return mark_safe(_PLACEHOLDER.sub(back, html))  # noqa: S308  # nosec B308, B703  # escaped above


def post_text(text, names=None):
    """The words of a post without marks, mentions as "@Name", for quotes and snippets."""
    names = names or {}
    plain = MENTION.sub(lambda m: "@" + (names.get(int(m.group(2))) or m.group(1)), text or "")
    return markdown_to_text(plain.replace(_OPEN, "").replace(_CLOSE, ""))
