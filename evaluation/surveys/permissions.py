"""Who builds, owns and answers a survey, and whose name a reader sees beside a named
answer. Each rule has a queryset twin."""

from django.db.models import Q

from communities.models import Community, Membership, Network
from communities.permissions import communities_visible_to
from evaluation.surveys.models import Respondent, Survey


def networks_buildable_by(user):
    """Networks in which this person may build a survey: those they manage, and those of the
    communities they convene."""
    if not user.is_authenticated:
        return Network.objects.none()
    return Network.objects.filter(
        Q(managers=user)
        | Q(
            communities__memberships__user=user,
            communities__memberships__status=Membership.Status.ACTIVE,
            communities__memberships__role__in=Membership.LEADING_ROLES,
        )
    ).distinct()


def audience_choices(user, network):
    """The communities of the network this person may send a survey to."""
    communities = Community.objects.filter(network=network, status=Community.Status.ACTIVE)
    if network.managers.filter(pk=user.pk).exists():
        return communities
    return communities.filter(
        memberships__user=user,
        memberships__status=Membership.Status.ACTIVE,
        memberships__role__in=Membership.LEADING_ROLES,
    )


def surveys_owned_by(user):
    """The surveys whose results this person sees: those they built, those of a network
    they manage built by one of its managers (and every one, for staff)."""
    if not user.is_authenticated:
        return Survey.objects.none()
    if user.is_staff:
        return Survey.objects.all()
    return Survey.objects.filter(
        Q(created_by=user) | Q(network_owned=True, network__managers=user)
    ).distinct()


def can_own(user, survey):
    return surveys_owned_by(user).filter(pk=survey.pk).exists()


def surveys_for(user):
    """Open surveys this person is in the audience of."""
    if not user.is_authenticated:
        return Survey.objects.none()
    return Survey.objects.filter(
        status=Survey.Status.OPEN,
        pk__in=Respondent.objects.filter(user=user).values("survey_id"),
    )


def can_answer(user, survey):
    return surveys_for(user).filter(pk=survey.pk).exists()


def communities_naming_answers(user):
    """The communities whose members' named answers this reader sees with their names: the
    communities whose membership they may know of (communities.permissions: a private
    community, and so who belongs to it, is known to its members alone; staff see all).
    The twin of `may_see_name`."""
    return communities_visible_to(user)


def may_see_name(user, community):
    """Whether a named answer given as a member of `community` shows its author's name to
    this reader. An answer whose community is gone shows none."""
    return (
        community is not None and communities_naming_answers(user).filter(pk=community.pk).exists()
    )
