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

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchRank
from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from core.queries import read_as_seconds
from core.replicas import replica_reads
from core.search import (
    PAGE_SIZE,
    SEARCH_CANDIDATES,
    BoundedPaginator,
    headline_html,
    postgres,
    search_headline,
    websearch_query,
    window_html,
    words_of,
)
from discussions.mentions import post_text
from discussions.models import Discussion, Reply
from discussions.permissions import discussions_searchable_by

# Private-use characters mark the matched words in PostgreSQL's headline. Not those of
# discussions.mentions (post_text removes them): these survive it.
MARKERS = ("\ue002", "\ue003")

# The replies' newest matches are first looked for among the recent ones: a discussion's
# last activity is never older than its newest reply (services.reply_add), so only the
# discussions active since then are read, and their replies from then on. When a window
# holds SEARCH_CANDIDATES matches they are the newest of all, exactly. When the first holds
# fewer, a second is as long as twice the rate of its matches needs (at most
# LONGEST_WINDOW); when that too holds fewer (a rarer word, a quieter person), every reply
# is looked through, as without a window. A common word in a member of many communities:
# 66 -> 14 ms for the replies' query on the scale data (BENCHMARKS.md).
RECENT_REPLIES = timedelta(days=14)
LONGEST_WINDOW = timedelta(days=180)


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
        if self.reply_pk:
            return reverse("discussions:reply_link", args=[self.discussion.pk, self.reply_pk])
        return self.discussion.get_absolute_url()


def _columns(qs, *, discussion, reply, rank, posted_at=None):
    # No ordering of its own (the models' default): the union is ordered as a whole.
    posted_at = posted_at or F("created_at")
    return (
        qs.order_by()
        .annotate(discussion_ref=discussion, reply_ref=reply, posted_at=posted_at, score=rank)
        .values_list("discussion_ref", "reply_ref", "posted_at", "score")
    )


def _matches(user, q):
    """Every match this person may be shown, best first: rows of (discussion id, reply id
    or None, when posted, rank), discussions and replies together."""
    searchable = discussions_searchable_by(user)
    replies = _shown_replies(searchable)
    if postgres():
        return _ranked_matches(searchable, replies, websearch_query(q))
    words = words_of(q)
    for word in words:
        searchable = searchable.filter(Q(title__icontains=word) | Q(body__icontains=word))
        replies = replies.filter(body__icontains=word)
    title_hits = sum(
        (Case(When(title__icontains=w, then=Value(3.0)), default=Value(0.0)) for w in words),
        Value(1.0),
    )
    posts = _columns(searchable, discussion=F("pk"), reply=_NO_REPLY, rank=title_hits)
    answers = _columns(
        replies,
        discussion=F("discussion_id"),
        reply=F("pk"),
        rank=Value(1.0, output_field=FloatField()),
    )
    return posts.union(answers, all=True).order_by(
        F("score").desc(), F("posted_at").desc(), F("discussion_ref").desc(), F("reply_ref").desc()
    )


_NO_REPLY = Value(None, output_field=IntegerField())


def _ranked_matches(searchable, replies, query):
    """PostgreSQL: the newest SEARCH_CANDIDATES matches of each kind, ranked (a word in most
    posts would otherwise rank most of the table; no page deeper than that is offered
    anyway), as a list in the order of the union on SQLite. When posted is a number (the
    epoch), cheaper to read for the two thousand rows than a time: the page shows the
    post's own time."""
    rank = SearchRank(F("search_vector"), query)
    posted = read_as_seconds(F("created_at"))

    def ranked(model, newest, **refs):
        newest = newest.order_by("-created_at", "-pk").values("pk")[:SEARCH_CANDIDATES]
        found = model.objects.filter(pk__in=newest)
        return list(_columns(found, **refs, rank=rank, posted_at=posted))

    newest = searchable.filter(search_vector=query)
    rows = ranked(Discussion, newest, discussion=F("pk"), reply=_NO_REPLY)
    reply_refs = {"discussion": F("discussion_id"), "reply": F("pk")}
    answers = ranked(Reply, _recent_replies(searchable, query, RECENT_REPLIES), **reply_refs)
    longer = _second_window(found=len(answers))
    if longer:
        answers = ranked(Reply, _recent_replies(searchable, query, longer), **reply_refs)
    if len(answers) < SEARCH_CANDIDATES:
        answers = ranked(Reply, replies.filter(search_vector=query), **reply_refs)
    rows += answers
    # score, when posted, discussion, reply: each descending, a discussion before its replies
    rows.sort(key=lambda row: (row[3], row[2], row[0], row[1] is None, row[1] or 0), reverse=True)
    return rows


def _recent_replies(searchable, query, span):
    """The replies matching `query` posted in the last `span`, of the discussions active
    since (RECENT_REPLIES)."""
    since = timezone.now() - span
    recent = _shown_replies(searchable.filter(last_activity_at__gte=since))
    return recent.filter(created_at__gte=since, search_vector=query)


def _shown_replies(discussions):
    """The replies of these discussions that are not hidden."""
    return Reply.objects.filter(is_hidden=False, discussion__in=discussions.values("pk"))


def _second_window(*, found):
    """How far back to look after the first window held `found` matches: None when they
    are enough, when there were none, or when it would be longer than LONGEST_WINDOW."""
    if found >= SEARCH_CANDIDATES or not found:
        return None
    longer = RECENT_REPLIES * 2 * SEARCH_CANDIDATES / found
    return longer if longer <= LONGEST_WINDOW else None


@replica_reads()
def search_page(*, user, q, number=None):
    """Page `number` of the matches of `q` this person may be shown, as Results (in a fixed
    number of queries: on PostgreSQL the discussions' matches, the recent replies' (one or
    two windows) and, when they are fewer than SEARCH_CANDIDATES, every reply's; on SQLite
    the matches; then the page's discussions and its replies), or None when `q` holds no
    word to look for.

    On PostgreSQL the matches are at most SEARCH_CANDIDATES of each kind, four small columns
    a row: they are read as a list and counted and paged here, where a count and a page
    would each find them again (the search is most of the page's time)."""
    if not words_of(q):
        return None
    page = BoundedPaginator(_matches(user, q), PAGE_SIZE).get_page(number)
    page.object_list = _results(list(page.object_list), q)
    return page


def _with_headline(qs, q, field):
    if not postgres():
        return qs
    return qs.annotate(headline=search_headline(field, websearch_query(q), markers=MARKERS))


def _results(rows, q):
    discussion_ids = {row[0] for row in rows}
    reply_ids = [row[1] for row in rows if row[1] is not None]
    discussions = Discussion.objects.filter(pk__in=discussion_ids).select_related("community")
    discussions = _with_headline(discussions.defer("search_vector"), q, "body").in_bulk()
    replies = {}
    if reply_ids:
        replies = _with_headline(
            Reply.objects.filter(pk__in=reply_ids).only("pk", "body", "created_at"), q, "body"
        ).in_bulk()
    words = words_of(q)
    results = []
    for discussion_id, reply_id, _, _ in rows:
        discussion = discussions[discussion_id]
        post = replies[reply_id] if reply_id is not None else discussion
        results.append(Result(discussion, reply_id, post.created_at, snippet(post, words)))
    return results


def snippet(post, words):
    """Safe HTML: the headline (PostgreSQL) or a window of the text, matches in <mark>."""
    quoted = getattr(post, "headline", None)
    if quoted:
        # The headline quotes the stored text: its marks and mentions' syntax go, the match
        # markers stay.
        return headline_html(post_text(quoted), markers=MARKERS)
    return window_html(post_text(post.body), words, markers=MARKERS)
