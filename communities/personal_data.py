from communities.models import Invitation, Membership


def export(user):
    return {
        "memberships": list(
            Membership.objects.filter(user=user).values(
                "community__name",
                "role",
                "status",
                "request_note",
                "needs",
                "needs_topics",
                "offers",
                "offers_topics",
                "joined_at",
                "requested_at",
            )
        ),
        "invitations": list(
            Invitation.objects.filter(email__iexact=user.email).values(
                "community__name", "status", "created_at"
            )
        ),
    }


def erase(user, *, remove_contributions):
    # Memberships end; what the person said they need and offer goes with them.
    Membership.objects.filter(user=user).exclude(status__in=["left", "removed", "declined"]).update(
        status="left"
    )
    Membership.objects.filter(user=user).update(
        needs="", needs_topics="", offers="", offers_topics="", request_note=""
    )
    Invitation.objects.filter(email__iexact=user.email, status=Invitation.Status.PENDING).update(
        status="revoked"
    )
