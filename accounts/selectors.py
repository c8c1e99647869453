"""Reads about people and organisations."""

from allauth.mfa.models import Authenticator
from django.db.models import Q

from accounts.models import Organisation


def organisation_choices(*, keep=None):
    """The organisations anyone may pick or filter by: the confirmed ones, by name. `keep`
    (an organisation or its id) is added when given: a person's own organisation, still
    waiting for staff, stays on their form so that saving it keeps it."""
    keep_id = getattr(keep, "pk", keep)
    listed = Q(status=Organisation.Status.CONFIRMED)
    if keep_id:
        listed |= Q(pk=keep_id)
    return Organisation.objects.filter(listed).order_by("name")


def has_mfa(*, user):
    """Whether the person has set up a second step at sign-in (an authenticator app)."""
    return Authenticator.objects.filter(user=user).exists()
