"""Who may tag a story's value, and who may read a community's or a network's evidence gap.

A story is tagged by its author and its community's conveners; a journal entry, once shared
with the programme managers, by its participant and those managers. The gap of a community is
for its conveners, that of a network for its programme managers: counts only, so a private
community's stories are never named to a manager."""

from django.db.models import Q

from communities.models import Network
from communities.permissions import can_manage, can_manage_network, communities_managed_by
from conveners.models import JournalEntry
from core.access import allowed_or_denied, get_visible_or_404
from evaluation.value.models import ValueTag
from knowledge.permissions import story_get


def can_tag_story(user, story):
    return user.is_authenticated and (
        story.author_id == user.pk or can_manage(user, story.community)
    )


def can_tag_entry(user, entry):
    if not (user.is_authenticated and entry.shared_with_managers):
        return False
    if entry.application.applicant_id == user.pk:
        return True
    return can_manage_network(user, entry.application.programme.network)


def _managed_networks(user):
    return Network.managers.through.objects.filter(user=user).values("network")


def entries_taggable_by(user):
    """can_tag_entry's twin."""
    if not user.is_authenticated:
        return JournalEntry.objects.none()
    shared = JournalEntry.objects.filter(shared_with_managers=True)
    if user.is_staff:
        return shared
    return shared.filter(
        Q(application__applicant=user)
        | Q(application__programme__network__in=_managed_networks(user))
    )


def tags_editable_by(user):
    """Every tag this person may change or remove (can_tag_story / can_tag_entry's twin)."""
    if not user.is_authenticated:
        return ValueTag.objects.none()
    if user.is_staff:
        return ValueTag.objects.all()
    on_story = Q(story__author=user) | Q(
        story__community__in=communities_managed_by(user).values("pk")
    )
    on_entry = Q(journal_entry__in=entries_taggable_by(user).values("pk"))
    return ValueTag.objects.filter(on_story | on_entry)


def networks_gap_visible_to(user):
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_staff:
        return Network.objects.all()
    return Network.objects.filter(pk__in=_managed_networks(user))


def story_get_taggable(user, pk):
    """The story, when this person may open it and tag it; 404 otherwise."""
    return allowed_or_denied(user, story_get(user, pk), can_tag_story, "Not yours to tag")


def entry_get_taggable(user, pk):
    visible = entries_taggable_by(user).select_related("application__programme__network")
    return get_visible_or_404(visible, pk=pk)


def tag_get_editable(user, pk):
    visible = tags_editable_by(user).select_related(
        "story__community", "journal_entry__application__programme", "resource"
    )
    return get_visible_or_404(visible, pk=pk)


def network_get_for_gap(user, slug):
    return get_visible_or_404(networks_gap_visible_to(user), slug=slug)
