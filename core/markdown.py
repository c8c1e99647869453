"""User-written Markdown to safe HTML: rendered, then cleaned by nh3 (an allow-list), so no
script, event handler or javascript: link survives, whatever the author typed."""

import hashlib
import threading
from html import unescape

import markdown as md
import nh3
from django.core.cache import cache
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


# How long a rendered text stays in the cache. The key is the text's own digest and the
# renderer's, so an edited text or a changed allow-list is a new key: nothing is invalidated,
# what is no longer asked for ages out.
RENDERED_TIMEOUT = 24 * 3600
_RENDERER = hashlib.sha256(
    repr((md.__version__, nh3.__version__, sorted(TAGS), sorted(ATTRIBUTES.items()))).encode()
).hexdigest()[:12]


def rendered_key(text, kind="markdown"):
    digest = hashlib.sha256((text or "").encode()).hexdigest()
    return f"{kind}:{_RENDERER}:{digest}"


def _many(texts, convert, kind):
    """convert() of each text, in order, through the cache in one round trip: only the texts
    not converted before are converted. The same text always gives the same result, so a
    cached one is exactly what converting it again would give."""
    keys = [rendered_key(text, kind) for text in texts]
    found = cache.get_many(set(keys))
    fresh = {}
    for text, key in zip(texts, keys, strict=True):
        if key not in found and key not in fresh:
            fresh[key] = str(convert(text))
    if fresh:
        cache.set_many(fresh, timeout=RENDERED_TIMEOUT)
    found.update(fresh)
    return [found[key] for key in keys]


def render_markdown_many(texts):
    """render_markdown of each text, in order, through the cache: a page of fifty replies
    renders only those it has not rendered before."""
    return [mark_safe(html) for html in _many(texts, render_markdown, "markdown")]  # noqa: S308  # nosec B308, B703  # render_markdown's cleaned output


def markdown_to_text_many(texts):
    """markdown_to_text of each text, in order, through the cache: a page of search results
    strips the marks of only the snippets it has not seen before."""
    return _many(texts, markdown_to_text, "markdown-text")


def markdown_to_text(text):
    """The words of a Markdown text without its marks, for snippets, summaries and previews:
    "**three homes**" reads "three homes" and "## Why we made it" loses its hashes. Plain,
    unescaped text: the template or the caller escapes it."""
    html = _parser().convert(text or "")
    return " ".join(unescape(nh3.clean(html, tags=set())).split())
