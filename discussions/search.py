"""Search of discussions and their replies, across the communities a person belongs to.

What may be found starts from permissions.discussions_searchable_by: discussions the person
may see (never a hidden one), a safe-space one only by members of its community (so its
words, quoted in a snippet, stay with the people it was written for). A hidden reply is
never found, nor any reply of a discussion that may not be.

On PostgreSQL a websearch query against the stored, weighted vectors (GIN indexes; kept by
services.search_vectors_update), ranked with SearchRank and quoted with SearchHeadline; the
newest SEARCH_CANDIDATES matches of each kind are ranked, as the library does, and a page
says "more than 1,000" beyond what it can show. On SQLite a plain word-by-word match, title
matches first, and a snippet made here.

A match is a post: a discussion (its title or text) or a reply, which is shown as its
discussion with the reply's words and a link to the reply. Nothing is said of authors: a
result carries no name, so a name hidden in a safe space cannot leak through it.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

from discussions.mentions import post_text
from discussions.models import Discussion, Reply
from discussions.permissions import discussions_searchable_by

PAGE_SIZE = 20
MAX_PAGES = 50  # as the library: never an OFFSET deeper than 1,000 rows
MAX_RESULTS = PAGE_SIZE * MAX_PAGES
# Each kind ranks at most this many matches, the newest: one more than the pages can show,
# so that a page can say "more than 1,000".
SEARCH_CANDIDATES = MAX_RESULTS + 1
# Private-use characters mark the matched words in PostgreSQL's headline. Not those of
# discussions.mentions (post_text removes them): these survive it.
_START, _STOP = "\ue002", "\ue003"
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
_FRAGMENT_MARKS = re.compile(r"(?:(?<=\s)|^)#{1,6}(?=\s)|\*\*|__")


class BoundedPaginator(Paginator):
    """A paginator that never offers a page beyond MAX_PAGES."""

    @cached_property
    def num_pages(self):
        return min(super().num_pages, MAX_PAGES)


def words_of(q):
    return [w for w in _WORD.findall(q or "") if len(w) > 1][:10]


def _postgres():
    return connection.vendor == "postgresql"


def _query(q):
    return SearchQuery(q, config="english", search_type="websearch")


@dataclass(eq=False)
class Result:
    """One match as the search page lists it: the discussion, and the reply when a reply
    matched (the link goes to it)."""

    discussion: Discussion
    reply_pk: int | None
    posted_at: datetime
    snippet_html: str

    @property
    def url(self):
        url = self.discussion.get_absolute_url()
        return f"{url}#reply-{self.reply_pk}" if self.reply_pk else url


def _columns(qs, *, discussion, reply, rank):
    # No ordering of its own (the models' default): the union is ordered as a whole.
    return (
        qs.order_by()
        .annotate(discussion_ref=discussion, reply_ref=reply, posted_at=F("created_at"), score=rank)
        .values_list("discussion_ref", "reply_ref", "posted_at", "score")
    )


def _matches(user, q):
    """Every match this person may be shown, best first: rows of (discussion id, reply id
    or None, posted at, rank), discussions and replies together."""
    searchable = discussions_searchable_by(user)
    replies = Reply.objects.filter(is_hidden=False, discussion__in=searchable.values("pk"))
    no_reply = Value(None, output_field=IntegerField())
    if _postgres():
        query = _query(q)
        # The newest candidates of each kind, ranked: a word in most posts would otherwise
        # rank most of the table (no page deeper than that is offered anyway).
        newest = searchable.filter(search_vector=query).order_by("-created_at", "-pk")
        found = Discussion.objects.filter(pk__in=newest.values("pk")[:SEARCH_CANDIDATES])
        newest_replies = replies.filter(search_vector=query).order_by("-created_at", "-pk")
        found_replies = Reply.objects.filter(pk__in=newest_replies.values("pk")[:SEARCH_CANDIDATES])
        rank = SearchRank(F("search_vector"), query)
        posts = _columns(found, discussion=F("pk"), reply=no_reply, rank=rank)
        answers = _columns(found_replies, discussion=F("discussion_id"), reply=F("pk"), rank=rank)
    else:
        words = words_of(q)
        for word in words:
            searchable = searchable.filter(Q(title__icontains=word) | Q(body__icontains=word))
            replies = replies.filter(body__icontains=word)
        title_hits = sum(
            (Case(When(title__icontains=w, then=Value(3.0)), default=Value(0.0)) for w in words),
            Value(1.0),
        )
        posts = _columns(searchable, discussion=F("pk"), reply=no_reply, rank=title_hits)
        answers = _columns(
            replies,
            discussion=F("discussion_id"),
            reply=F("pk"),
            rank=Value(1.0, output_field=FloatField()),
        )
    return posts.union(answers, all=True).order_by(
        F("score").desc(), F("posted_at").desc(), F("discussion_ref").desc(), F("reply_ref").desc()
    )


def search_page(*, user, q, number=None):
    """Page `number` of the matches of `q` this person may be shown, as Results (in a fixed
    number of queries: the count, the page, its discussions, its replies), or None when `q`
    holds no word to look for."""
    if not words_of(q):
        return None
    page = BoundedPaginator(_matches(user, q), PAGE_SIZE).get_page(number)
    page.object_list = _results(list(page.object_list), q)
    return page


def _with_headline(qs, q, field):
    if not _postgres():
        return qs
    headline = SearchHeadline(
        field,
        _query(q),
        config="english",
        start_sel=_START,
        stop_sel=_STOP,
        max_words=35,
        min_words=15,
        max_fragments=2,
    )
    return qs.annotate(headline=headline)


def _results(rows, q):
    discussion_ids = {row[0] for row in rows}
    reply_ids = [row[1] for row in rows if row[1] is not None]
    discussions = Discussion.objects.filter(pk__in=discussion_ids).select_related("community")
    discussions = _with_headline(discussions.defer("search_vector"), q, "body").in_bulk()
    replies = {}
    if reply_ids:
        replies = _with_headline(
            Reply.objects.filter(pk__in=reply_ids).only("pk", "body"), q, "body"
        ).in_bulk()
    words = words_of(q)
    results = []
    for discussion_id, reply_id, posted_at, _ in rows:
        discussion = discussions[discussion_id]
        post = replies[reply_id] if reply_id is not None else discussion
        results.append(Result(discussion, reply_id, posted_at, snippet(post, words)))
    return results


def snippet(post, words):
    """Safe HTML: the headline (PostgreSQL) or a window of the text, matches in <mark>."""
    headline = getattr(post, "headline", None)
    if headline:
        # The headline quotes the stored text: its marks and mentions' syntax go, the match
        # markers stay.
        text = escape(_FRAGMENT_MARKS.sub("", post_text(headline)))
        text = text.replace(_START, "<mark>").replace(_STOP, "</mark>")
        return mark_safe(text)  # noqa: S308  # nosec B308, B703  # escaped; only our <mark> added
    text = post_text(post.body).replace(_START, "").replace(_STOP, "")
    lowered = text.lower()
    positions = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(0, min(positions) - 80) if positions else 0
    window = text[start : start + 240]
    prefix = "… " if start else ""
    suffix = " …" if start + 240 < len(text) else ""
    html = escape(window)
    for word in sorted(words, key=len, reverse=True):
        html = re.sub(f"({re.escape(escape(word))})", r"<mark>\1</mark>", html, flags=re.IGNORECASE)
    return mark_safe(prefix + html + suffix)  # noqa: S308  # nosec B308, B703  # escaped; only <mark> added
