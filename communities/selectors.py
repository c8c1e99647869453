"""Reads about communities: each decides its query shape once (joins, prefetches, counts)."""

from django.db.models import Count, Prefetch, Q

from accounts.models import AuditEntry
from communities.models import Community, Membership
from communities.permissions import communities_visible_to

ACTIVE = Q(memberships__status=Membership.Status.ACTIVE)


def _summaries(community_ids):
    """Members, organisations and professions of these communities, in one grouped query
    over their active memberships (only these communities: a page, never the directory)."""
    rows = (
        Membership.objects.filter(community__in=community_ids, status=Membership.Status.ACTIVE)
        .values("community")
        .annotate(
            member_count=Count("pk"),
            organisation_count=Count("user__organisation", distinct=True),
            profession_count=Count("user__profession", distinct=True),
        )
    )
    empty = {"member_count": 0, "organisation_count": 0, "profession_count": 0}
    found = {row.pop("community"): row for row in rows}
    return {pk: found.get(pk, empty) for pk in community_ids}


def with_summaries(communities):
    """The communities (a page of them), each with member_count, organisation_count and
    profession_count set."""
    items = list(communities)
    summaries = _summaries([c.pk for c in items])
    for community in items:
        for name, value in summaries[community.pk].items():
            setattr(community, name, value)
    return items


def _conveners_prefetch():
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(
            status=Membership.Status.ACTIVE, role__in=Membership.LEADING_ROLES
        )
        .select_related("user")
        .order_by("-role", "user__name"),
        to_attr="leader_memberships",
    )


def community_list(*, user, q="", topic="", region="", phase="", network=None, archived=False):
    qs = communities_visible_to(user)
    if not archived:
        qs = qs.filter(status=Community.Status.ACTIVE)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(domain__icontains=q) | Q(practice__icontains=q))
    if topic:
        qs = qs.filter(topics__name__iexact=topic)
    if region:
        qs = qs.filter(regions__region=region)
    if phase:
        qs = qs.filter(phase=phase)
    if network:
        qs = qs.filter(network=network)
    # Filter on ids first: joins for filters must not repeat a community. The counts come
    # after paginating (with_summaries), for the page's communities only.
    ids = qs.values("pk")
    return (
        Community.objects.filter(pk__in=ids)
        .select_related("network")
        .prefetch_related("topics", "regions", _conveners_prefetch())
        .order_by("name")
    )


def community_summary(*, community):
    return _summaries([community.pk])[community.pk]


def community_leaders(*, community):
    return (
        Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE, role__in=Membership.LEADING_ROLES
        )
        .select_related("user", "user__organisation")
        .order_by("-role", "user__name")
    )


def member_list(*, community, organisation=None, profession=None, region=""):
    qs = Membership.objects.filter(
        community=community, status=Membership.Status.ACTIVE
    ).select_related("user", "user__organisation", "user__profession")
    if organisation:
        qs = qs.filter(user__organisation=organisation)
    if profession:
        qs = qs.filter(user__profession=profession)
    if region:
        qs = qs.filter(user__region=region)
    return qs.order_by("user__name")


def pending_requests(*, community):
    return (
        Membership.objects.filter(community=community, status=Membership.Status.REQUESTED)
        .select_related("user", "user__organisation", "user__profession")
        .order_by("requested_at")
    )


def needs_offers_board(*, community):
    """Each stated need, with the offers of other members that share one of its topics."""
    memberships = list(
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .exclude(needs="", offers="")
        .select_related("user", "user__organisation")
        .order_by("user__name")
    )
    offers = [m for m in memberships if m.offers]
    rows = []
    for need in (m for m in memberships if m.needs):
        topics = set(need.need_topic_list())
        matches = [
            (offer, sorted(topics & set(offer.offer_topic_list())))
            for offer in offers
            if offer.pk != need.pk and topics & set(offer.offer_topic_list())
        ]
        rows.append({"need": need, "matches": matches})
    return {"rows": rows, "offers": offers}


def community_activity(*, community, limit=200):
    from django.contrib.contenttypes.models import ContentType

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
