"""The pieces of full-text search that the library and the discussions share.

On PostgreSQL a websearch query (english) and a headline whose matched words are wrapped in
two private-use characters, turned into <mark> here after escaping; on SQLite a window of
the text around the first match, made here. Either way a snippet is escaped before <mark>
is added: it never carries the author's markup. Pages stop at MAX_PAGES: never an OFFSET
deeper than 1,000 rows, and a page says "more than 1,000" beyond what it can show.
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

PAGE_SIZE = 20
MAX_PAGES = 50  # bounded offset: never an OFFSET deeper than 1,000 rows
MAX_RESULTS = PAGE_SIZE * MAX_PAGES
# A search ranks at most this many matches, the newest: one more than the pages can show, so
# that a page can say "more than 1,000".
SEARCH_CANDIDATES = MAX_RESULTS + 1
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
# What Markdown leaves of a mark cut in half by a fragment's edge: a heading's hashes, an
# emphasis with one side only.
_FRAGMENT_MARKS = re.compile(r"(?:(?<=\s)|^)#{1,6}(?=\s)|\*\*|__")
_WINDOW = 240  # characters of text around the first match when there is no headline


class BoundedPaginator(Paginator):
    """A paginator that never offers a page beyond MAX_PAGES."""

    @cached_property
    def num_pages(self):
        return min(super().num_pages, MAX_PAGES)


def words_of(q):
    """The words of a search, as the SQLite match and the snippets use them: at most ten,
    each of two characters or more."""
    return [w for w in _WORD.findall(q or "") if len(w) > 1][:10]


def postgres():
    return connection.vendor == "postgresql"


def websearch_query(q):
    return SearchQuery(q, config="english", search_type="websearch")


def search_headline(expression, query, *, markers):
    """SearchHeadline of `expression` with its matches between the two `markers`."""
    start, stop = markers
    return SearchHeadline(
        expression,
        query,
        config="english",
        start_sel=start,
        stop_sel=stop,
        max_words=35,
        min_words=15,
        max_fragments=2,
    )


def headline_html(text, *, markers):
    """Safe HTML of a headline already made plain text: the marks cut at a fragment's edge
    go, the matches between `markers` are put in <mark>."""
    start, stop = markers
    text = escape(_FRAGMENT_MARKS.sub("", text))
    text = text.replace(start, "<mark>").replace(stop, "</mark>")
    return mark_safe(text)  # noqa: S308  # nosec B308, B703  # escaped; only our <mark> added


def window_html(text, words, *, markers):
    """Safe HTML of a window of plain `text` around the first of `words`, each in <mark>."""
    start_marker, stop_marker = markers
    text = text.replace(start_marker, "").replace(stop_marker, "")
    lowered = text.lower()
    positions = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(0, min(positions) - 80) if positions else 0
    window = text[start : start + _WINDOW]
    prefix = "… " if start else ""
    suffix = " …" if start + _WINDOW < len(text) else ""
    html = escape(window)
    for word in sorted(words, key=len, reverse=True):
        html = re.sub(f"({re.escape(escape(word))})", r"<mark>\1</mark>", html, flags=re.IGNORECASE)
    return mark_safe(prefix + html + suffix)  # noqa: S308  # nosec B308, B703  # escaped; only <mark> added
