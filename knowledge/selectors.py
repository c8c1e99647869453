"""Reads of the library. Every list starts from permissions.resources_visible_to (or
stories_visible_to), so nothing a person may not see is listed, counted or quoted.

Search: on PostgreSQL a websearch query against the stored, weighted search vector (GIN
index), ranked with SearchRank and quoted with SearchHeadline; on SQLite a plain
word-by-word match with a ranking that puts title matches first, and a snippet made here.
Snippets are escaped before <mark> is added: a snippet never carries the author's markup.

The library's pages come from resource_page: a relevance search on PostgreSQL is ranked,
counted and cut to the page by one query over the candidates' ids, dates and ranks, and only
the twenty rows shown are read whole (with their headlines).
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404
from taggit.models import TaggedItem

from communities.models import Community, Network
from communities.permissions import communities_visible_to
from core.markdown import markdown_to_text, markdown_to_text_many
from core.replicas import replica_reads
from core.search import (
    MAX_PAGES,
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
from knowledge.models import Adoption, Comment, Resource, ResourceVersion
from knowledge.permissions import (
    OPEN_COMMUNITY,
    OPEN_ITEM,
    can_moderate,
    community_resource_rule,
    resources_visible_to,
    stories_visible_to,
)

SORTS = {
    "relevance": "Best match",
    "newest": "Newest",
    "adopted": "Most adopted",
    "useful": "Most useful",
}
# Private-use characters mark the matched words in PostgreSQL's headline; they cannot be
# typed into a form field meaningfully, and are stripped from the text anyway.
MARKERS = ("\ue000", "\ue001")


def page_of(queryset, number):
    return BoundedPaginator(queryset, PAGE_SIZE).get_page(number)


def _list_shape(qs):
    # The stored vector is for the WHERE clause only: never fetched with the rows.
    return (
        qs.select_related("community", "network", "owner")
        .defer("search_vector")
        .prefetch_related("topics")
    )


def ranked_at_most(*, q, sort):
    """How many matches a search with these words and this sort can show when it ranked
    only the newest SEARCH_CANDIDATES (see resource_list), or None when it ranks them all
    (no words, another sort, or the SQLite fallback). A count above it means "more than"."""
    if words_of(q) and sort == "relevance" and postgres():
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


def _filtered(*, user, topic="", kind="", community=None, network=None, since=None, until=None):
    """Visible resources matching the filters other than the words: those of resource_list
    and resource_page. `community` and `network` are instances or primary keys."""
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
    return qs


def _sort_for(words, sort):
    if sort not in SORTS:
        return "relevance" if words else "newest"
    if sort == "relevance" and not words:
        return "newest"
    return sort


def _headline(query):
    # A blank line between them, so that the body's first heading still reads as one.
    text = Concat("summary", Value("\n\n"), "body", output_field=TextField())
    return search_headline(text, query, markers=MARKERS)


def resource_list(*, user, q="", sort="", **filters):
    """Visible resources matching the words `q` and the filters (_filtered's: topic, kind,
    community, network, since, until), sorted: (queryset, sort). Searching, each is
    annotated `rank` and, on PostgreSQL, `headline` (see snippet)."""
    qs, sort = _matches(user=user, q=q, sort=sort, **filters)
    return _list_shape(qs), sort


def _matches(*, q, sort, **filters):
    qs = _filtered(**filters)
    words = words_of(q)
    sort = _sort_for(words, sort)
    if not words:
        return qs.order_by(*_order(sort, searching=False)), sort
    if postgres():
        query = websearch_query(q)
        qs = qs.filter(search_vector=query)
        if ranked_at_most(q=q, sort=sort):
            # Ranking reads every match's vector: for a word in most of the library that is
            # most of the table. Rank the newest SEARCH_CANDIDATES matches instead (no page
            # deeper than that is offered anyway); the page says when there were more.
            newest = qs.order_by("-created_at", "-pk").values("pk")[:SEARCH_CANDIDATES]
            qs = Resource.objects.filter(pk__in=newest)
        qs = qs.annotate(rank=SearchRank(F("search_vector"), query), headline=_headline(query))
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
    return qs.order_by(*_order(sort, searching=True)), sort


@replica_reads()
def resource_page(*, user, number=None, q="", sort="", **filters):
    """Page `number` of resource_list as the library shows it: (page, sort). Each resource
    on the page carries `community_name`, `network_name`, `topic_names` and, searching,
    `snippet_html`, read with the page in a fixed number of queries.

    A relevance search on PostgreSQL sorts no whole rows: one query ranks the candidates (the
    newest SEARCH_CANDIDATES matches: id, date and rank only), counts them with a window,
    keeps the page and only then joins those twenty rows, their places and headlines."""
    filters = {"user": user, **filters}
    sort = _sort_for(words_of(q), sort)
    if ranked_at_most(q=q, sort=sort):
        query = websearch_query(q)
        candidates = (
            _filtered(**filters)
            .filter(search_vector=query)
            .order_by("-created_at", "-pk")
            .annotate(rank=SearchRank(F("search_vector"), query))
            .values_list("pk", "created_at", "rank")[:SEARCH_CANDIDATES]
        )
        page = page_of(_RankedCandidates(candidates, query, first_page=number), number)
        page.object_list = with_snippets(page.object_list, q)  # topic names read with them
    else:
        resources, sort = _matches(q=q, sort=sort, **filters)
        page = page_of(_page_shape(resources), number)
        page.object_list = with_snippets(_with_topic_names(page.object_list), q)
    return page, sort


def _page_shape(qs):
    # The names of the places, not the places: a page shows nothing else of them.
    return qs.defer("search_vector").annotate(
        community_name=F("community__name"), network_name=F("network__name")
    )


def _resource_type_id():
    return ContentType.objects.get_for_model(Resource).pk  # cached by Django after the first


def _with_topic_names(resources):
    """The resources, each with `topic_names` (in the order of the tags' ids), in one query
    for the lot."""
    items = list(resources)
    names = {}
    if items:
        tagged = (
            TaggedItem.objects.filter(
                content_type_id=_resource_type_id(),
                object_id__in=[resource.pk for resource in items],
            )
            .order_by("object_id", "tag_id")
            .values_list("object_id", "tag__name")
        )
        for object_id, name in tagged:
            names.setdefault(object_id, []).append(name)
    for resource in items:
        resource.topic_names = names.get(resource.pk, [])
    return items


# The page of the ranked candidates, best first (as _order("relevance")), the window counting
# every candidate before LIMIT keeps the page; only then the page's rows are joined, with the
# names of their places, their topics (as _with_topic_names) and their headlines.
_RANKED_PAGE = """
SELECT {columns}, "communities_community"."name" AS "community_name",
    "communities_network"."name" AS "network_name", {headline} AS "headline",
    ARRAY(
        SELECT "taggit_tag"."name" FROM "taggit_taggeditem"
        INNER JOIN "taggit_tag" ON "taggit_tag"."id" = "taggit_taggeditem"."tag_id"
        WHERE "taggit_taggeditem"."content_type_id" = %s
            AND "taggit_taggeditem"."object_id" = "knowledge_resource"."id"
        ORDER BY "taggit_taggeditem"."tag_id"
    ) AS "topic_names",
    "ranked"."total" AS "ranked_total"
FROM (
    SELECT "id", "created_at", "rank", COUNT(*) OVER () AS "total"
    FROM ({candidates}) AS "candidates" ("id", "created_at", "rank")
    ORDER BY "rank" DESC, "created_at" DESC, "id" DESC
    LIMIT %s OFFSET %s
) AS "ranked"
INNER JOIN "knowledge_resource" ON "knowledge_resource"."id" = "ranked"."id"
LEFT OUTER JOIN "communities_community"
    ON "communities_community"."id" = "knowledge_resource"."community_id"
LEFT OUTER JOIN "communities_network"
    ON "communities_network"."id" = "knowledge_resource"."network_id"
ORDER BY "ranked"."rank" DESC, "ranked"."created_at" DESC, "ranked"."id" DESC
"""


def _page_guess(number):
    """The page the paginator will most likely settle on, to read it while counting."""
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        return 1
    return min(max(wanted, 1), MAX_PAGES)


class _RankedCandidates:
    """What the paginator pages through for a relevance search on PostgreSQL. Counting reads
    the page most likely asked for in the same query (_RANKED_PAGE), so a page costs one
    query rather than a count, a ranking of whole rows and a prefetch."""

    def __init__(self, candidates, query, *, first_page=None):
        self._candidates = candidates  # values_list("pk", "created_at", "rank"), sliced
        self._query = query
        self._first_offset = (_page_guess(first_page) - 1) * PAGE_SIZE
        self._pages = {}
        self._count = None

    def _read(self, offset):
        candidates, params = self._candidates.query.sql_with_params()
        compiler = Resource.objects.all().query.get_compiler(connection=connection)
        headline, headline_params = compiler.compile(
            _headline(self._query).resolve_expression(compiler.query)
        )
        columns = ", ".join(
            f'"knowledge_resource"."{field.column}"'
            for field in Resource._meta.concrete_fields
            if field.name != "search_vector"
        )
        sql = _RANKED_PAGE.format(columns=columns, headline=headline, candidates=candidates)
        params = [*headline_params, _resource_type_id(), *params, PAGE_SIZE, offset]
        rows = list(Resource.objects.raw(sql, params))
        self._pages[offset] = rows
        if rows:
            self._count = rows[0].ranked_total
        elif offset == 0:
            self._count = 0

    def count(self):
        if self._count is None:
            self._read(self._first_offset)
        if self._count is None:  # past the last page: count alone, the paginator goes back
            self._count = self._candidates.count()
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        start = index.start or 0  # the paginator only asks for a page: [bottom:top]
        if start not in self._pages:
            self._read(start)
        return self._pages[start][: index.stop - start]


def _order(sort, *, searching):
    if sort == "relevance":
        return [F("rank").desc(), F("created_at").desc(), F("pk").desc()]
    column = {"adopted": "adoption_count", "useful": "useful_count"}.get(sort, "created_at")
    key = F(column)
    if searching and postgres():
        # Wrapped so that the planner cannot walk a b-tree index in ORDER BY ... LIMIT
        # (filtering each row against the query) instead of using the GIN index.
        key = _unindexed(key, interval=column == "created_at")
    tail = [F("created_at").desc(), F("pk").desc()] if column != "created_at" else [F("pk").desc()]
    return [key.desc(), *tail]


def snippet(resource, words, *, plain=None):
    """Safe HTML: the headline (PostgreSQL) or a window of the text, matches in <mark>.
    `plain`: the headline without its Markdown marks, when already worked out."""
    quoted = getattr(resource, "headline", None)
    if quoted:
        # The headline quotes the stored Markdown: its marks go, the match markers stay.
        return headline_html(plain or markdown_to_text(quoted), markers=MARKERS)
    text = f"{markdown_to_text(resource.summary)} {markdown_to_text(resource.body)}"
    return window_html(text, words, markers=MARKERS)


def with_snippets(resources, q):
    words = words_of(q)
    items = list(resources)
    if not words:
        for resource in items:
            resource.snippet_html = None
        return items
    # The headlines' marks stripped through the cache, in one round trip: a search asked
    # again (a common word, the next person) parses none of its twenty headlines again.
    headlines = [getattr(resource, "headline", None) or "" for resource in items]
    plain = markdown_to_text_many(headlines) if any(headlines) else [None] * len(items)
    for resource, text in zip(items, plain, strict=True):
        resource.snippet_html = snippet(resource, words, plain=text)
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
    spread["elsewhere"] = Adoption.objects.filter(resource=resource).elsewhere().count()
    comments = Comment.objects.filter(resource=resource)
    if not can_moderate(user, resource):
        # A hidden comment is for its author (with the reason) and the moderators only.
        mine = Q(author=user) if user.is_authenticated else Q(pk__in=[])
        comments = comments.filter(Q(is_hidden=False) | mine)
    comments = list(comments.select_related("author").order_by("created_at"))
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
    # From the index on (resource's community, newest first), each candidate's resource
    # checked by primary key: the scan stops at the tenth visible one instead of joining
    # every resource of the community to every adoption.
    rule = community_resource_rule(user, community)
    if rule is None:
        return []
    # The adoption's copy of its resource's community already says which community: only
    # the person's rule for it is checked (with the community too, PostgreSQL hashed every
    # resource of the community instead of probing ten by key: 16 ms against 1).
    visible = Resource.objects.filter(
        rule, pk=OuterRef("resource_id"), status=Resource.Status.PUBLISHED
    )
    return list(
        Adoption.objects.filter(resource_community=community)
        .elsewhere()
        .filter(Exists(visible))
        .filter(Q(community__isnull=True) | Q(community__in=communities_visible_to(user)))
        .select_related("resource", "organisation", "community")
        # What the panel shows: no resource body or search vector, no community texts.
        .only("note", "resource__title", "organisation__name", "community__name")
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


def resources_open_to(*, signed_in):
    """The resources anyone may see: public ones in public places, and once signed in
    those for signed-in people in listed communities and network-wide (a topic source;
    members see more, but suggestions are the same for everyone)."""
    if not signed_in:
        return resources_visible_to(AnonymousUser())
    return Resource.objects.filter(
        Q(community__visibility__in=OPEN_COMMUNITY) | Q(community__isnull=True),
        visibility__in=OPEN_ITEM,
        status=Resource.Status.PUBLISHED,
    )


def topic_names(*, limit=200):
    from taggit.models import Tag

    return list(
        Tag.objects.filter(taggit_taggeditem_items__content_type__model="resource")
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:limit]
    )


def library_filter_choices(*, user):
    """The communities this person may see and every network, as (slug, name, pk) rows for
    the library's filters: rows, not instances, as a person may see hundreds of communities."""
    communities = communities_visible_to(user).order_by("name").values_list("slug", "name", "pk")
    networks = Network.objects.order_by("name").values_list("slug", "name", "pk")
    return list(communities), list(networks)


def marked_useful(*, resource, user):
    return user.is_authenticated and resource.useful_marks.filter(user=user).exists()


def destination_get(*, destination):
    """Where a new resource goes, from the form's "c:<slug>" (a community) or "n:<slug>"
    (network-wide): the form offers only places the person may post in."""
    kind, _, slug = destination.partition(":")
    if kind == "c":
        return {"community": get_object_or_404(Community, slug=slug)}
    return {"network": get_object_or_404(Network, slug=slug)}


def latest_version(*, resource):
    return resource.versions.order_by("-number").first()


def version_get(*, resource, number):
    return get_object_or_404(ResourceVersion, resource=resource, number=number)


def comment_get(*, resource, pk):
    """A comment on the resource (already fetched for this person), whatever its state."""
    comments = Comment.objects.select_related("author")
    comment = get_object_or_404(comments, resource=resource, pk=pk)
    comment.resource = resource
    return comment
