"""The map of a network is computed from every membership of its communities: about a second
on a network of hundreds of communities. What is the same for every viewer (the two
snapshots, their drawings, every row of the table of links) is kept in the cache under a
key that holds the network's generation; the signals below move it on whenever a row the
map is computed from is saved or deleted (a community or the network itself, a membership,
an adoption, a member's change of organisation), so the next view computes afresh. What
depends on the viewer (the spanners they may name, and those names) is read on every view,
and so is the page of links asked for: a slice of the cached rows.

"A year ago" moves with the clock and bulk writes send no signal: an entry is used for
NETWORK_MAP_CACHE_SECONDS at most. Cache bookkeeping only: no workflow happens here."""

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from communities.models import Community, Membership, Network
from communities.services import figures_refreshed
from core import generations
from evaluation.network import presentation, selectors
from knowledge.models import Adoption

PREFIX = "network-map"


def maps_changed(network_ids):
    """Forget the cached maps of these networks."""
    generations.moved_on(PREFIX, network_ids)


def _cached(network, part):
    """One part of the network's cached map: "page" (the spanners alone, with what the page
    draws for anyone: the drawings and the rows of the table of links are all the page
    needs of the links, and a smaller entry is read faster) or "map" (the whole map, for
    the downloads). Both are computed together."""
    [(_, generation)] = generations.current(PREFIX, [network.pk])
    prefix = f"{PREFIX}:{network.pk}:{generation}"
    entry = cache.get(f"{prefix}:{part}")
    if entry is None:
        found = selectors.map_of(network=network)
        entries = {
            "page": (selectors.spanners_only(found), presentation.drawn(found)),
            "map": found,
        }
        cache.set_many(
            {f"{prefix}:{name}": value for name, value in entries.items()},
            settings.NETWORK_MAP_CACHE_SECONDS,
        )
        entry = entries[part]
    return entry


def network_page(*, network, viewer):
    """(the spanners with the names this viewer may know, what the page draws for anyone)."""
    found, drawn = _cached(network, "page")
    return selectors.named_for(found, viewer), drawn


def network_map(*, network, viewer):
    """The whole map, with the names this viewer may know."""
    return selectors.named_for(_cached(network, "map"), viewer)


def _community_networks(*community_ids):
    ids = [pk for pk in community_ids if pk is not None]
    if not ids:
        return []
    return list(Community.objects.filter(pk__in=ids).values_list("network_id", flat=True))


# Each model the map is computed from, and the networks one of its rows is in.
NETWORKS_OF = {
    Network: lambda network: [network.pk],  # its name is in the drawings' titles
    Community: lambda community: [community.network_id],
    Membership: lambda membership: _community_networks(membership.community_id),
    Adoption: lambda adoption: _community_networks(
        adoption.community_id, adoption.resource_community_id
    ),
}


def forget_maps_of_refreshed_communities(sender, community_ids, **kwargs):
    """A member changed organisation: no membership row is saved then, but the stored
    figures of their communities are refreshed."""
    maps_changed(_community_networks(*community_ids))


def connect():
    """One receiver per model the map is computed from (EvaluationConfig.ready)."""
    for model, networks_of in NETWORKS_OF.items():
        receiver = generations.receiver_moving_on(maps_changed, networks_of)
        uid = f"evaluation.network_map.{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.delete")
    figures_refreshed.connect(
        forget_maps_of_refreshed_communities, dispatch_uid="evaluation.network_map.refreshed"
    )
