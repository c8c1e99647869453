"""Reads for the home page. The member's home grows with each feature; the foundation
shows the person's communities and the public picture of the platform."""

from django.db.models import Count, Q

from communities.models import Community, Membership


def welcome_context():
    public = Community.objects.active().filter(visibility=Community.Visibility.PUBLIC)
    return {
        "public_communities": public.select_related("network").annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)
            )
        )[:6],
    }


def home_context(*, user):
    memberships = (
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .select_related("community", "community__network")
        .order_by("community__name")
    )
    return {"memberships": memberships, "managed_networks": user.managed_networks.order_by("name")}
