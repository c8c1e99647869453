"""Reads of the library. Every list starts from permissions.resources_visible_to (or
stories_visible_to), so nothing a person may not see is listed, counted or quoted.

Search: on PostgreSQL a websearch query against the stored, weighted search vector (GIN
index), ranked with SearchRank and quoted with SearchHeadline; on SQLite a plain
word-by-word match with a ranking that puts title matches first, and a snippet made here.
Snippets are escaped before <mark> is added: a snippet never carries the author's markup.
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

from communities.permissions import communities_visible_to
from knowledge.models import Adoption, Comment, Resource, ResourceVersion
from knowledge.permissions import resources_visible_to, stories_visible_to

PAGE_SIZE = 20
MAX_PAGES = 50  # bounded offset: never an OFFSET deeper than 1,000 rows
# A search ranks at most this many matches, the newest: one more than the pages can show, so
# that the page can say "more than 1,000".
SEARCH_CANDIDATES = PAGE_SIZE * MAX_PAGES + 1
SORTS = {
    "relevance": "Best match",
    "newest": "Newest",
    "adopted": "Most adopted",
    "useful": "Most useful",
}
# Private-use characters mark the matched words in PostgreSQL's headline; they cannot be
# typed into a form field meaningfully, and are stripped from the text anyway.
_START, _STOP = "\ue000", "\ue001"
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


class BoundedPaginator(Paginator):
    """A paginator that never offers a page beyond MAX_PAGES."""

    @cached_property
    def num_pages(self):
        return min(super().num_pages, MAX_PAGES)


def page_of(queryset, number):
    return BoundedPaginator(queryset, PAGE_SIZE).get_page(number)


def words_of(q):
    return [w for w in _WORD.findall(q or "") if len(w) > 1][:10]


def _list_shape(qs):
    # The stored vector is for the WHERE clause only: never fetched with the rows.
    return (
        qs.select_related("community", "network", "owner")
        .defer("search_vector")
        .prefetch_related("topics")
    )


def _postgres():
    return connection.vendor == "postgresql"


def ranked_at_most(*, q, sort):
    """How many matches a search with these words and this sort can show when it ranked
    only the newest SEARCH_CANDIDATES (see resource_list), or None when it ranks them all
    (no words, another sort, or the SQLite fallback). A count above it means "more than"."""
    if words_of(q) and sort == "relevance" and _postgres():
        return SEARCH_CANDIDATES - 1
    return None


def _unindexed(expression, *, interval=False):
    """`expression + 0`: no b-tree index serves it, so PostgreSQL cannot choose to walk one."""
    if interval:
        return Func(
            expression,
            template="(%(expressions)s + interval '0 seconds')",
            output_field=DateTimeField(),
        )
    return Func(expression, template="(%(expressions)s + 0)", output_field=IntegerField())


def resource_list(
    *,
    user,
    q="",
    topic="",
    kind="",
    community=None,
    network=None,
    since=None,
    until=None,
    sort="",
):
    """Visible resources matching the filters, sorted; annotated `snippet_html` when q."""
    qs = resources_visible_to(user)
    if topic:
        qs = qs.filter(topics__name__iexact=topic)
    if kind:
        qs = qs.filter(kind=kind)
    if community is not None:
        qs = qs.filter(community=community)
    if network is not None:
        qs = qs.filter(Q(network=network) | Q(community__network=network))
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    words = words_of(q)
    sort = sort if sort in SORTS else ("relevance" if words else "newest")
    if not words:
        if sort == "relevance":
            sort = "newest"
        return _list_shape(qs).order_by(*_order(sort, searching=False)), sort
    if _postgres():
        query = SearchQuery(q, config="english", search_type="websearch")
        qs = qs.filter(search_vector=query)
        if ranked_at_most(q=q, sort=sort):
            # Ranking reads every match's vector: for a word in most of the library that is
            # most of the table. Rank the newest SEARCH_CANDIDATES matches instead (no page
            # deeper than that is offered anyway); the page says when there were more.
            newest = qs.order_by("-created_at", "-pk").values("pk")[:SEARCH_CANDIDATES]
            qs = Resource.objects.filter(pk__in=newest)
        qs = qs.annotate(
            rank=SearchRank(F("search_vector"), query),
            headline=SearchHeadline(
                Concat("summary", Value(" "), "body", output_field=TextField()),
                query,
                config="english",
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
            ),
        )
    else:
        for word in words:
            qs = qs.filter(
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
            )
        title_hits = sum(
            (Case(When(title__icontains=w, then=Value(3)), default=Value(0)) for w in words),
            Value(0),
        )
        summary_hits = sum(
            (Case(When(summary__icontains=w, then=Value(2)), default=Value(0)) for w in words),
            Value(0),
        )
        qs = qs.annotate(rank=title_hits + summary_hits + Value(1))
    return _list_shape(qs).order_by(*_order(sort, searching=True)), sort


def _order(sort, *, searching):
    if sort == "relevance":
        return [F("rank").desc(), F("created_at").desc(), F("pk").desc()]
    column = {"adopted": "adoption_count", "useful": "useful_count"}.get(sort, "created_at")
    key = F(column)
    if searching and _postgres():
        # Wrapped so that the planner cannot walk a b-tree index in ORDER BY ... LIMIT
        # (filtering each row against the query) instead of using the GIN index.
        key = _unindexed(key, interval=column == "created_at")
    tail = [F("created_at").desc(), F("pk").desc()] if column != "created_at" else [F("pk").desc()]
    return [key.desc(), *tail]


def snippet(resource, words):
    """Safe HTML: the headline (PostgreSQL) or a window of the text, matches in <mark>."""
    headline = getattr(resource, "headline", None)
    if headline:
        text = escape(headline.replace("\r", " "))
        text = text.replace(_START, "<mark>").replace(_STOP, "</mark>")
        return mark_safe(text)  # noqa: S308  # nosec B308, B703  # escaped; only our <mark> added
    text = " ".join(f"{resource.summary} {resource.body}".split())
    text = text.replace(_START, "").replace(_STOP, "")
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


def with_snippets(resources, q):
    words = words_of(q)
    items = list(resources)
    for resource in items:
        resource.snippet_html = snippet(resource, words) if words else None
    return items


def resource_detail(*, user, resource):
    """Everything the resource page shows, in a fixed number of queries."""
    versions = list(
        ResourceVersion.objects.filter(resource=resource)
        .select_related("uploaded_by")
        .order_by("-number")
    )
    adoptions = list(
        Adoption.objects.filter(resource=resource)
        .filter(Q(community__isnull=True) | Q(community__in=communities_visible_to(user)))
        .select_related("organisation", "community", "adopted_by")
        .order_by("-created_at")
    )
    spread = Adoption.objects.filter(resource=resource).aggregate(
        organisations=Count("organisation", distinct=True),
        communities=Count("community", distinct=True),
    )
    comments = list(
        Comment.objects.filter(resource=resource).select_related("author").order_by("created_at")
    )
    stories = list(
        stories_visible_to(user)
        .filter(resources=resource)
        .select_related("community")
        .order_by("-created_at")[:10]
    )
    supersedes = list(
        resources_visible_to(user).filter(superseded_by=resource).only("pk", "title")[:10]
    )
    replacement = resource.superseded_by
    if (
        replacement is not None
        and not resources_visible_to(user).filter(pk=replacement.pk).exists()
    ):
        replacement = None
    return {
        "versions": versions,
        "latest": versions[0] if versions else None,
        "adoptions": adoptions,
        "spread": spread,
        "comments": comments,
        "stories": stories,
        "supersedes": supersedes,
        "replacement": replacement,
        "topics": list(resource.topics.all()),
    }


def community_spread(*, user, community, limit=10):
    """Where this community's work spread: adoptions of its visible resources elsewhere."""
    return list(
        Adoption.objects.filter(resource__in=resources_visible_to(user).filter(community=community))
        .exclude(community=community)
        .filter(Q(community__isnull=True) | Q(community__in=communities_visible_to(user)))
        .select_related("resource", "organisation", "community")
        .order_by("-created_at")[:limit]
    )


def story_list(*, user, community=None):
    qs = stories_visible_to(user)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.select_related("community", "author").order_by("-created_at", "-pk")


def story_resources(*, user, story):
    return list(
        resources_visible_to(user)
        .filter(stories=story)
        .select_related("community", "network")
        .order_by("title")
    )


def topic_names(*, limit=200):
    from taggit.models import Tag

    return list(
        Tag.objects.filter(taggit_taggeditem_items__content_type__model="resource")
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:limit]
    )
