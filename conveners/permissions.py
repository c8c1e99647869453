"""Applicants see their own applications; programme managers their network's programmes;
journals are their authors' unless an entry is shared; nobody else sees scores."""

from django.shortcuts import get_object_or_404

from conveners.models import Application, LeadershipProgramme
from core.access import allowed_or_denied, get_visible_or_404


def can_manage(user, programme):
    return user.is_authenticated and (
        user.is_staff or programme.network.managers.filter(pk=user.pk).exists()
    )


def programme_get(slug):
    """Every programme is known to every signed-in person: its page says who may apply."""
    return get_visible_or_404(LeadershipProgramme.objects.select_related("network"), slug=slug)


def programme_get_managed(user, slug):
    return allowed_or_denied(user, programme_get(slug), can_manage, "Programme managers only")


def own_application(user, programme):
    return (
        Application.objects.filter(programme=programme, applicant=user)
        .select_related("programme", "community", "profession", "organisation")
        .first()
    )


def application_get_managed(user, slug, pk):
    programme = programme_get_managed(user, slug)
    return programme, get_object_or_404(
        Application.objects.select_related("applicant", "community", "profession", "organisation"),
        programme=programme,
        pk=pk,
    )
