"""Reading a network's map for one viewer: the communities, the memberships and adoptions
of now and of a year ago, in a fixed number of queries whatever the size of the network.

Memberships a year ago: those that had started by then (joined_at, or created_at where it is
empty) and were still running: still active now, or ended (left or removed) after then, as
the audit log's "membership.leave" / "membership.remove" entries date it. An ended
membership with no dated ending is not counted: we cannot say it ran then.

Privacy: community names and figures are metadata a programme manager may see; a person or
an organisation is named only if the viewer may see every community that makes them a
spanner (communities.permissions.communities_visible_to). The others are counted only."""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.utils import timezone

from accounts.models import Organisation
from communities.models import Community, Membership
from communities.permissions import communities_visible_to
from core.access import get_visible_or_404
from core.models import AuditEntry
from evaluation.network import graph
from evaluation.network.permissions import networks_mapped_for
from knowledge.models import Adoption

YEAR = timedelta(days=365)
ENDED = (Membership.Status.LEFT, Membership.Status.REMOVED)


def network_get(*, viewer, slug):
    return get_visible_or_404(networks_mapped_for(viewer), slug=slug)


def network_list(*, viewer):
    return list(networks_mapped_for(viewer))


@dataclass
class NetworkMap:
    """The map now and a year ago, as one viewer may see it."""

    network: object
    now: graph.Snapshot
    then: graph.Snapshot
    now_at: object
    then_at: object
    names: dict = field(default_factory=dict)  # community id → name
    people: dict = field(default_factory=dict)  # person id → name, for those the viewer may see
    organisations: dict = field(default_factory=dict)
    visible: frozenset = frozenset()  # the communities the viewer may see

    def may_name(self, spanner):
        """Whether the viewer may see every community that makes this one a spanner: the
        same person may be named a year ago and not now, when they also link a private one."""
        return self.visible.issuperset(spanner.communities)

    def name_of(self, spanner):
        """The spanner's name, or "" when the viewer may not know it."""
        if not self.may_name(spanner):
            return ""
        table = self.people if spanner.kind == "person" else self.organisations
        return table.get(spanner.key, "")


def network_map(*, network, viewer, now=None):
    return named_for(map_of(network=network, now=now), viewer)


def named_for(found, viewer):
    """The map with the names of the spanners this viewer may know (a copy: the map itself,
    the same for every viewer, may be kept in the cache)."""
    found = replace(found, visible=frozenset(), people={}, organisations={})
    _name_spanners(found, viewer, list(found.names))
    return found


def spanners_only(found):
    """The map without its communities and links: what a viewer's list of spanners needs."""
    return replace(
        found,
        now=graph.Snapshot(nodes=[], edges=[], spanners=found.now.spanners),
        then=graph.Snapshot(nodes=[], edges=[], spanners=found.then.spanners),
    )


def map_of(*, network, now=None):
    """The map now and a year ago, the same for every viewer: no names of people or
    organisations yet (named_for)."""
    now = now or timezone.now()
    then = now - YEAR
    communities = list(
        Community.objects.filter(network=network).values_list(
            "id", "name", "visibility", "status", "created_at", "archived_at"
        )
    )
    ids = [c[0] for c in communities]
    rows = _memberships(ids, then)
    ended_after = _ended_after(ids, then)
    pairs = _adoptions(ids, then)
    private = Community.Visibility.PRIVATE

    def existing(at, current):
        return [
            (i, name, visibility == private)
            for i, name, visibility, status, created, archived in communities
            if (status == Community.Status.ACTIVE if current else created <= at)
            and (current or archived is None or archived > at)
        ]

    now_map = graph.build(
        communities=existing(now, True),
        memberships=[(c, u, o) for c, u, o, status, _ in rows if status == "active"],
        adoptions=[(s, t, n) for s, t, n, _ in pairs],
    )
    then_map = graph.build(
        communities=existing(then, False),
        memberships=[
            (c, u, o)
            for c, u, o, status, started in rows
            if started and (status == "active" or (c, u) in ended_after)
        ],
        adoptions=[(s, t, n) for s, t, _, n in pairs],
    )
    return NetworkMap(network, now_map, then_map, now, then, {c[0]: c[1] for c in communities})


def _memberships(ids, then):
    """(community, person, organisation, status, whether it had started by `then`) of every
    membership active now, or ended but started by `then`. Whether it had started is
    answered by the database: tens of thousands of dates need not be read."""
    started = Q(joined_at__lte=then) | Q(joined_at__isnull=True, created_at__lte=then)
    rows = Membership.objects.filter(community_id__in=ids).filter(
        Q(status=Membership.Status.ACTIVE) | Q(started, status__in=ENDED)
    )
    return list(
        rows.annotate(started=ExpressionWrapper(started, BooleanField())).values_list(
            "community_id", "user_id", "user__organisation_id", "status", "started"
        )
    )


def _ended_after(ids, then):
    """(community, person) of the memberships that ended after `then`."""
    entries = AuditEntry.objects.filter(
        action__in=["membership.leave", "membership.remove"],
        target_type__app_label="communities",
        target_type__model="community",
        target_id__in=[str(i) for i in ids],
        created_at__gt=then,
    ).values_list("target_id", "data")
    return {(int(target), data.get("user")) for target, data in entries if data.get("user")}


def _adoptions(ids, then):
    """(source community, adopting community, adoptions now, adoptions by `then`)."""
    rows = (
        Adoption.objects.filter(community_id__in=ids, resource_community_id__in=ids)
        .exclude(community_id=F("resource_community_id"))
        .values("resource_community_id", "community_id")
        .annotate(now=Count("pk"), then=Count("pk", filter=Q(created_at__lte=then)))
        .order_by()
    )
    return [(r["resource_community_id"], r["community_id"], r["now"], r["then"]) for r in rows]


def _name_spanners(found, viewer, ids):
    """Look up the names of the spanners the viewer may know: every community that makes
    them a spanner is one the viewer may see."""
    found.visible = frozenset(
        communities_visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True)
    )
    wanted = {"person": set(), "organisation": set()}
    for snapshot in (found.now, found.then):
        for spanner in snapshot.spanners:
            if found.may_name(spanner):
                wanted[spanner.kind].add(spanner.key)
    if wanted["person"]:
        found.people = dict(
            get_user_model().objects.filter(pk__in=wanted["person"]).values_list("pk", "name")
        )
    if wanted["organisation"]:
        found.organisations = dict(
            Organisation.objects.filter(pk__in=wanted["organisation"]).values_list("pk", "name")
        )
