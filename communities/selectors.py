"""Reads about communities: each decides its query shape once (joins, prefetches, counts)."""

import re
import threading
from functools import lru_cache

import snowballstemmer
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from taggit.models import TaggedItem

from accounts.models import User
from communities.extensions import TOPIC_SOURCES
from communities.models import (
    Community,
    CommunityFigures,
    Invitation,
    Membership,
    Network,
)
from communities.permissions import communities_visible_to
from core.models import AuditEntry
from core.queries import filtered

ACTIVE = Q(memberships__status=Membership.Status.ACTIVE)

FIGURE_FIELDS = (
    "member_count",
    "organisation_count",
    "profession_count",
    "region_count",
    "organisation_ids",
    "profession_ids",
    "regions",
)


# --- what the figures count ---------------------------------------------------------------------
# The programme dashboard (dashboard/figures.py) and the reports for funders
# (evaluation/report/figures.py) both count members and whom they reach. Both read these
# two, so that a figure means the same on both.


def active_memberships(*, community_ids):
    """The memberships that make these communities' members: the active ones (not a
    request, a declined one, nor one that has ended)."""
    return Membership.objects.filter(community__in=community_ids, status=Membership.Status.ACTIVE)


def reach():
    """Aggregates of memberships, named as the figures name them: the people they reach,
    each once ("members"), and the distinct organisations, professions and regions of those
    people (a blank region is none). community_figures keeps the same counts per community."""
    return {
        "members": Count("user", distinct=True),
        "organisations": Count("user__organisation", distinct=True),
        "professions": Count("user__profession", distinct=True),
        "regions": Count("user__region", distinct=True, filter=~Q(user__region="")),
    }


def community_figures_compute(community_ids):
    """The figures of these communities computed from their active memberships (one query;
    the rows of every active member are read: for writes and for communities without a
    stored row, never for every view). A dict: community pk -> figures (see
    `community_figures`)."""
    ids = sorted(set(community_ids))
    found = {pk: (0, set(), set(), set()) for pk in ids}
    rows = active_memberships(community_ids=ids).values_list(
        "community_id", "user__organisation_id", "user__profession_id", "user__region"
    )
    counts = dict.fromkeys(ids, 0)
    for community_id, organisation_id, profession_id, region in rows.iterator(chunk_size=5000):
        counts[community_id] += 1
        _, organisations, professions, regions = found[community_id]
        if organisation_id is not None:
            organisations.add(organisation_id)
        if profession_id is not None:
            professions.add(profession_id)
        if region:
            regions.add(region)
    return {
        pk: {
            "member_count": counts[pk],
            "organisation_count": len(found[pk][1]),
            "profession_count": len(found[pk][2]),
            "region_count": len(found[pk][3]),
            "organisation_ids": sorted(found[pk][1]),
            "profession_ids": sorted(found[pk][2]),
            "regions": sorted(found[pk][3]),
        }
        for pk in ids
    }


def community_figures(*, community_ids):
    """Per-community figures over the active members, exact as of the last committed
    change: a dict community pk -> {"member_count", "organisation_count",
    "profession_count", "region_count" (distinct non-blank regions of the members),
    "organisation_ids", "profession_ids", "regions"}.

    One indexed query for any number of communities: the figures are kept up to date in
    CommunityFigures by the services and communities/signals.py. A community without a row
    (data loaded in bulk, bypassing both) has its figures computed here instead. Aggregates
    only, no names: the caller decides who may see them (the programme dashboard may reuse
    this for the communities of its networks)."""
    ids = list(dict.fromkeys(community_ids))
    stored = {
        row["community_id"]: row
        for row in CommunityFigures.objects.filter(community_id__in=ids).values(
            "community_id", *FIGURE_FIELDS
        )
    }
    missing = [pk for pk in ids if pk not in stored]
    computed = community_figures_compute(missing) if missing else {}
    result = {}
    for pk in ids:
        row = stored.get(pk) or computed[pk]
        result[pk] = {name: row[name] for name in FIGURE_FIELDS}
    return result


def _names_by_community(community_ids, rows):
    """{community id: [name, ...]} from (community id, name) rows, in their order; a
    community without rows has an empty list."""
    names = {pk: [] for pk in community_ids}
    for community_id, name in rows:
        names[community_id].append(name)
    return names


def _topic_names(community_ids):
    """Each community's topic names, in the order the topics were first used (tag id), in
    one query. Prefetching through taggit's manager costs a queryset per community."""
    rows = (
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Community),
            object_id__in=community_ids,
        )
        .order_by("object_id", "tag_id")
        .values_list("object_id", "tag__name")
    )
    return _names_by_community(community_ids, rows)


def _leader_names(community_ids):
    """The names of each community's conveners, then co-conveners, by name, in one query."""
    rows = (
        Membership.objects.filter(
            community__in=community_ids,
            status=Membership.Status.ACTIVE,
            role__in=Membership.LEADING_ROLES,
        )
        .order_by("community_id", "-role", "user__name")
        .values_list("community_id", "user__name")
    )
    return _names_by_community(community_ids, rows)


def with_summaries(communities):
    """The communities (a page of them), each with member_count, organisation_count,
    profession_count, leader_names and topic_names set: three queries for any number."""
    items = list(communities)
    ids = [c.pk for c in items]
    if not ids:
        return items
    figures = community_figures(community_ids=ids)
    leaders = _leader_names(ids)
    topics = _topic_names(ids)
    for community in items:
        for name in ("member_count", "organisation_count", "profession_count"):
            setattr(community, name, figures[community.pk][name])
        community.leader_names = leaders[community.pk]
        community.topic_names = topics[community.pk]
    return items


def community_list_ids(*, user, q="", topic="", region="", phase="", network=None, archived=False):
    """The primary keys of the communities this person may see that match the filters, in
    name order: a page of the directory then reads only its own rows (communities_for_cards),
    and the ids' number is the count. One query, built once (the visibility rule is costly to
    compile: no COUNT and page query built from it twice)."""
    qs = communities_visible_to(user)
    if not archived:
        qs = qs.filter(status=Community.Status.ACTIVE)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(domain__icontains=q) | Q(practice__icontains=q))
    qs = filtered(
        qs, topics__name__iexact=topic, regions__region=region, phase=phase, network=network
    )
    # A join for a filter may repeat a community (two topics matching in another case):
    # the repeats are next to each other in name order, and dropped here.
    return list(dict.fromkeys(qs.order_by("name", "pk").values_list("pk", flat=True)))


def communities_for_cards(*, ids):
    """These communities, in this order, ready for components/community_cards.html: network,
    conveners, figures and topics, with a fixed number of queries."""
    found = Community.objects.filter(pk__in=ids).select_related("network").in_bulk()
    return with_summaries([found[pk] for pk in ids if pk in found])


def community_summary(*, community):
    return community_figures(community_ids=[community.pk])[community.pk]


def community_leaders(*, community):
    return (
        Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE, role__in=Membership.LEADING_ROLES
        )
        .select_related("user", "user__organisation")
        .order_by("-role", "user__name")
    )


def member_list(*, community, organisation=None, profession=None, region=""):
    """The community's active members, for the member list: each row with the person's
    name, organisation and profession (names only) and the member's role."""
    qs = (
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .select_related("user", "user__organisation", "user__profession")
        .only(
            "community_id",
            "role",
            "status",
            "user__name",
            "user__organisation__name",
            "user__profession__name",
        )
    )
    if organisation:
        qs = qs.filter(user__organisation=organisation)
    if profession:
        qs = qs.filter(user__profession=profession)
    if region:
        qs = qs.filter(user__region=region)
    # In name order from the membership_by_name index (member_name is the person's name,
    # copied); the person's own name breaks the rare tie with a stale or missing copy.
    return qs.order_by("member_name", "user__name", "pk")


def pending_requests(*, community):
    return (
        Membership.objects.filter(community=community, status=Membership.Status.REQUESTED)
        .select_related("user", "user__organisation", "user__profession")
        .order_by("requested_at")
    )


_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words that join others without saying what a topic is about.
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "without",
        "our",
        "your",
        "their",
    ]
)
_stemmers = threading.local()  # a stemmer keeps state while it works: one per thread


# How many topics a topic field suggests, and how long the list is kept: a new topic is
# suggested within minutes, and the pages with a topic field pay one query per period.
TOPIC_SUGGESTIONS = 50
TOPIC_SUGGESTIONS_SECONDS = 300
TOPIC_SUGGESTIONS_KEY = "communities:topic-suggestions:{}"


def communities_open_to(*, signed_in):
    """The communities anyone may see: public ones, and listed ones once signed in (a
    topic source; members see more, but suggestions are the same for everyone)."""
    if not signed_in:
        return communities_visible_to(AnonymousUser())
    return Community.objects.filter(
        visibility__in=[Community.Visibility.PUBLIC, Community.Visibility.LISTED]
    )


def topic_suggestions(*, signed_in):
    """The topics most used on what anyone (signed in, or not) may see, from every
    registered topic source (communities, resources), most used first: what a topic field
    offers as people type. One query, then kept TOPIC_SUGGESTIONS_SECONDS in the cache."""
    return cache.get_or_set(
        TOPIC_SUGGESTIONS_KEY.format("signed-in" if signed_in else "anyone"),
        lambda: _topic_suggestions_compute(signed_in=signed_in),
        TOPIC_SUGGESTIONS_SECONDS,
    )


def _topic_suggestions_compute(*, signed_in):
    tagged = Q(pk__in=[])
    for source in TOPIC_SOURCES:
        objects = source(signed_in=signed_in)
        meta = objects.model._meta
        tagged |= Q(
            content_type__app_label=meta.app_label,
            content_type__model=meta.model_name,
            object_id__in=objects.values("pk"),
        )
    rows = (
        TaggedItem.objects.filter(tagged)
        .values("tag__name")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "tag__name")
    )
    return [row["tag__name"] for row in rows[:TOPIC_SUGGESTIONS]]


@lru_cache(maxsize=4096)
def topic_stems(topic):
    """The stems of a topic's words: "Structured medication reviews" gives {"structur",
    "medic", "review"}, so that it meets "medication review"."""
    words = [w for w in _WORDS.findall(topic.lower()) if w not in _STOP_WORDS and len(w) > 1]
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return frozenset(stemmer.stemWords(words))


def _shared_topics(need_topics, offer_topics):
    """The offer's topics that share a word (by its stem) with one of the need's topics."""
    wanted = frozenset().union(*(topic_stems(t) for t in need_topics))
    return [t for t in offer_topics if topic_stems(t) & wanted]


def needs_offers_board(*, community):
    """Each stated need, with the offers of other members whose topics share a word with
    one of its topics (stemmed: "medication reviews" meets "structured medication review")."""
    memberships = list(
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .exclude(needs="", offers="")
        .select_related("user", "user__organisation")
        .order_by("user__name")
    )
    offers = [m for m in memberships if m.offers]
    rows = []
    for need in (m for m in memberships if m.needs):
        topics = need.need_topic_list()
        matches = []
        for offer in offers:
            shared = _shared_topics(topics, offer.offer_topic_list()) if offer.pk != need.pk else []
            if shared:
                matches.append((offer, shared))
        rows.append({"need": need, "matches": matches})
    return {"rows": rows, "offers": offers}


def community_activity(*, community, limit=200):
    return (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(Community), target_id=str(community.pk)
        )
        .select_related("actor")
        .order_by("-created_at")[:limit]
    )


def shared_communities(*, viewer, person):
    """Communities both people are active members of."""
    return (
        Community.objects.filter(
            memberships__user=viewer, memberships__status=Membership.Status.ACTIVE
        )
        .filter(memberships__user=person, memberships__status=Membership.Status.ACTIVE)
        .distinct()
        .order_by("name")
    )


def split_candidates(*, community, actor):
    """The active members a convener may invite to a community split off this one: all but
    themselves, in name order."""
    return (
        User.objects.filter(
            memberships__community=community, memberships__status=Membership.Status.ACTIVE
        )
        .exclude(pk=actor.pk)
        .select_related("organisation")
        .order_by("name", "pk")
    )


def network_get(*, slug):
    """Networks are public: their pages list only the communities each person may see."""
    return get_object_or_404(Network, slug=slug)


def membership_of(*, community, user):
    """This person's membership of the community in any state (a request waiting, one that
    ended), or None."""
    return Membership.objects.filter(community=community, user=user).first()


def phase_timeline(*, community, limit=20):
    return community.phase_changes.select_related("actor")[:limit]


def member_get(*, community, pk):
    """An active member of the community, with what their profile card shows."""
    members = Membership.objects.select_related("user", "user__organisation", "user__profession")
    return get_object_or_404(members, community=community, pk=pk, status=Membership.Status.ACTIVE)


def join_request_get(*, community, pk):
    """A membership of the community in any state: the page says if it is answered already."""
    memberships = Membership.objects.select_related("user", "user__organisation")
    return get_object_or_404(memberships, community=community, pk=pk)


def pending_invitations(*, community):
    invitations = community.invitations.filter(status=Invitation.Status.PENDING)
    return invitations.select_related("invited_by")


def invitation_get(*, token):
    return get_object_or_404(
        Invitation.objects.select_related("community", "invited_by"), token=token
    )


def charter_versions(*, community):
    """The charter's versions, newest first (the first is the current charter)."""
    return community.charter_versions.select_related("author")


def charter_version_get(*, community, number):
    return get_object_or_404(charter_versions(community=community), number=number)


def person_get(*, pk):
    """A person with an account still open; closed accounts have no profile."""
    people = User.objects.select_related("organisation", "profession")
    return get_object_or_404(people, pk=pk, is_active=True)
