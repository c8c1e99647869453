"""Who may read a report: that of a community, its conveners, the programme managers of
its network and staff (the people who read its figures on the dashboard or its evidence
of value); that of a network, its programme managers and staff (as its map). Everyone else
gets the answer of a missing page. A private community's report holds figures and counts,
and names only what the reader may see anyway (core.access, knowledge.permissions)."""

from django.db.models import Exists, OuterRef, Q

from communities.models import Community, Membership, Network
from core.access import get_visible_or_404
from evaluation.network.permissions import networks_mapped_for


def communities_reported_to(user):
    """The communities whose report this person may read (can_read_community_report's
    twin): those they convene, those of the networks they manage; every one, for staff."""
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_staff:
        return Community.objects.all()
    convenes = Membership.objects.filter(
        community=OuterRef("pk"),
        user=user,
        status=Membership.Status.ACTIVE,
        role__in=Membership.LEADING_ROLES,
    )
    managed = Network.managers.through.objects.filter(user=user).values("network")
    return Community.objects.filter(Q(network__in=managed) | Exists(convenes))


def can_read_community_report(user, community):
    return communities_reported_to(user).filter(pk=community.pk).exists()


def networks_reported_to(user):
    """The networks whose report this person may read (can_read_network_report's twin): the
    same people as the network's map."""
    return networks_mapped_for(user)


def can_read_network_report(user, network):
    return networks_reported_to(user).filter(pk=network.pk).exists()


def community_get_for_report(user, slug):
    return get_visible_or_404(communities_reported_to(user).select_related("network"), slug=slug)


def network_get_for_report(user, slug):
    return get_visible_or_404(networks_reported_to(user), slug=slug)
