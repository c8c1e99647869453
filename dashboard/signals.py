"""Keeps the programme dashboard's cached figures right: a row that feeds a network's figures
is saved or deleted, so that network's figures are computed afresh on the next view (see
dashboard/figures.py, `cached`). Cache bookkeeping only: no workflow happens here."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from communities.models import Community, CommunityRegion, Membership, Network
from communities.services import figures_refreshed
from dashboard.figures import figures_changed
from knowledge.models import Adoption, Resource
from meetings.models import ActionItem, Meeting, Minutes, Registration


def _community_networks(*community_ids):
    ids = [pk for pk in community_ids if pk is not None]
    if not ids:
        return []
    return list(Community.objects.filter(pk__in=ids).values_list("network_id", flat=True))


def _meeting_networks(meeting_id):
    row = (
        Meeting.objects.filter(pk=meeting_id).values_list("network_id", "community__network_id")
    ).first()
    return list(row or [])


def networks_touched(instance):
    """The networks whose figures this row feeds."""
    if isinstance(instance, Network):  # its name is in every row of its communities
        return [instance.pk]
    if isinstance(instance, Community):
        return [instance.network_id]
    if isinstance(instance, Membership | CommunityRegion | ActionItem):
        return _community_networks(instance.community_id)
    if isinstance(instance, Meeting):
        return [instance.network_id, *_community_networks(instance.community_id)]
    if isinstance(instance, Registration | Minutes):
        return _meeting_networks(instance.meeting_id)
    if isinstance(instance, Resource):
        return [instance.network_id, *_community_networks(instance.community_id)]
    if isinstance(instance, Adoption):
        origin = Resource.objects.filter(pk=instance.resource_id).values_list(
            "network_id", "community__network_id"
        )
        return [*(origin.first() or []), *_community_networks(instance.community_id)]
    return []


FEEDS_FIGURES = (
    Network,
    Community,
    CommunityRegion,
    Membership,
    Meeting,
    Registration,
    Minutes,
    ActionItem,
    Resource,
    Adoption,
)


@receiver(post_save)
@receiver(post_delete)
def forget_figures(sender, instance, raw=False, **kwargs):
    if raw or not isinstance(instance, FEEDS_FIGURES):
        return
    figures_changed(networks_touched(instance))


@receiver(figures_refreshed)
def forget_figures_of_refreshed_communities(sender, community_ids, **kwargs):
    """Members and organisations per community come from the stored figures, which also
    move when a member changes organisation (no membership row is saved then)."""
    figures_changed(_community_networks(*community_ids))
