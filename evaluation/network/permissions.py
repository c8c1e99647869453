"""Who may see a network's map: its programme managers, and staff. Everyone else gets the
answer of a missing page (core.access)."""

from communities.models import Network


def networks_mapped_for(user):
    """The networks whose map this person may open (the queryset twin of `can_see_map`)."""
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_staff:
        return Network.objects.all()
    return Network.objects.filter(managers=user)


def can_see_map(user, network):
    return networks_mapped_for(user).filter(pk=network.pk).exists()
