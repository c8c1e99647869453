"""Keeps the programme dashboard's cached figures right: a row that feeds a network's figures
is saved or deleted, so that network's figures are computed afresh on the next view (see
dashboard/selectors.py, `figures_key`). Cache bookkeeping only: no workflow happens here."""

from django.db.models.signals import post_delete, post_save

from communities.models import Community, CommunityRegion, Membership, Network
from communities.services import figures_refreshed
from core.generations import receiver_moving_on
from dashboard.figures import figures_changed
from discussions.models import Discussion
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


def _adoption_networks(adoption):
    origin = Resource.objects.filter(pk=adoption.resource_id).values_list(
        "network_id", "community__network_id"
    )
    return [*(origin.first() or []), *_community_networks(adoption.community_id)]


# Each model that feeds the figures, and the networks one of its rows feeds.
NETWORKS_FED = {
    Network: lambda network: [network.pk],  # its name is in every row of its communities
    Community: lambda community: [community.network_id],
    CommunityRegion: lambda row: _community_networks(row.community_id),
    Membership: lambda membership: _community_networks(membership.community_id),
    ActionItem: lambda action: _community_networks(action.community_id),
    Meeting: lambda meeting: [meeting.network_id, *_community_networks(meeting.community_id)],
    Registration: lambda registration: _meeting_networks(registration.meeting_id),
    Minutes: lambda minutes: _meeting_networks(minutes.meeting_id),
    Resource: lambda resource: [resource.network_id, *_community_networks(resource.community_id)],
    Adoption: _adoption_networks,
    # Discussions per month, and unanswered questions (an answer chosen, a closing, a hiding
    # are saves of the discussion).
    Discussion: lambda discussion: _community_networks(discussion.community_id),
}


def forget_figures_of_refreshed_communities(sender, community_ids, **kwargs):
    """Members and organisations per community come from the stored figures, which also
    move when a member changes organisation (no membership row is saved then)."""
    figures_changed(_community_networks(*community_ids))


def connect():
    """One receiver per model that feeds the figures (DashboardConfig.ready): a save of any
    other model of the project runs none of this."""
    for model, networks_fed in NETWORKS_FED.items():
        receiver = receiver_moving_on(figures_changed, networks_fed)
        uid = f"dashboard.figures.{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.delete")
    figures_refreshed.connect(
        forget_figures_of_refreshed_communities, dispatch_uid="dashboard.figures.refreshed"
    )
