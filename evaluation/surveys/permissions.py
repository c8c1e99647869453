"""Who builds, owns and answers a survey. Each rule has a queryset twin."""

from django.db.models import Q

from communities.models import Community, Membership, Network
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
