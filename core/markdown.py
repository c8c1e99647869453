"""User-written Markdown to safe HTML: rendered, then cleaned by nh3 (an allow-list), so no
script, event handler or javascript: link survives, whatever the author typed."""

import threading
from html import unescape

import markdown as md
import nh3
from django.utils.safestring import mark_safe

TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


_parsers = threading.local()


def _parser():
    """One Markdown parser per thread, reset before each text: building one with its
    extensions costs more than converting a short text (a parser is not thread-safe)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = md.Markdown(
            extensions=["tables", "sane_lists"], output_format="html"
        )
    return parser.reset()


def render_markdown(text):
    html = _parser().convert(text or "")
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308  # nosec B308, B703  # cleaned by nh3's allow-list above


def markdown_to_text(text):
    """The words of a Markdown text without its marks, for snippets, summaries and previews:
    "**three homes**" reads "three homes" and "## Why we made it" loses its hashes. Plain,
    unescaped text: the template or the caller escapes it."""
    html = _parser().convert(text or "")
    return " ".join(unescape(nh3.clean(html, tags=set())).split())
