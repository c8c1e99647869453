from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from accounts.personal_data import Export, Part, address_q, person_addresses
from accounts.retention import Rule, register_rule, updating
from communities.models import Invitation, Membership, Report


def _invitations_to_you(user):
    return list(
        Invitation.objects.filter(address_q(person_addresses(user), "email")).values(
            "community__name", "email", "message", "status", "created_at", "answered_at"
        )
    )


export = Export(
    Part(
        "memberships",
        "Your memberships: community, role, status, what you need and offer, your request.",
        "communities.Membership",
        "user",
        (
            "community__name",
            "role",
            "status",
            "request_note",
            "decision_message",
            "removed_reason",
            "needs",
            "needs_topics",
            "offers",
            "offers_topics",
            "joined_at",
            "requested_at",
        ),
    ),
    Part(
        "invitations",
        "Invitations sent to your address, with the message that came with them.",
        rows=_invitations_to_you,
    ),
    Part(
        "membership_decisions_you_made",
        "As a convener: the requests you answered (community, answer, when).",
        "communities.Membership",
        "decided_by",
        ("community__name", "status", "decision_message", "requested_at"),
    ),
    Part(
        "invitations_you_sent",
        "As a convener: the invitations you sent and the message you wrote.",
        "communities.Invitation",
        "invited_by",
        ("community__name", "email", "message", "status", "created_at"),
    ),
    Part(
        "invitations_you_answered",
        "Invitations you accepted or declined.",
        "communities.Invitation",
        "answered_by",
        ("community__name", "status", "answered_at"),
    ),
    Part(
        "phase_changes",
        "Changes of a community's phase you recorded, with your note.",
        "communities.PhaseChange",
        "actor",
        ("community__name", "from_phase", "to_phase", "note", "created_at"),
    ),
    Part(
        "charter_versions",
        "Versions of a community's charter you saved.",
        "communities.CharterVersion",
        "author",
        ("community__name", "number", "created_at"),
    ),
    Part(
        "reports_you_made",
        "Content you reported to a community's conveners: what, why, and what they decided.",
        "communities.Report",
        "reporter",
        ("community__name", "kind", "object_id", "reason", "created_at", "outcome", "resolved_at"),
    ),
    Part(
        "reports_you_answered",
        "As a convener: reports you answered by hiding the content or dismissing the report.",
        "communities.Report",
        "resolved_by",
        ("community__name", "kind", "object_id", "outcome", "resolved_at"),
    ),
    Part(
        "networks_you_manage",
        "The networks you manage as a programme manager.",
        "communities.Network",
        "managers",
        ("name", "created_at"),
    ),
)


def erase(user, *, remove_contributions):
    from django.db.models import Value
    from django.db.models.functions import Cast, Concat

    # Memberships end; what the person said they need and offer goes with them, and what
    # conveners wrote to them about it.
    Membership.objects.filter(user=user).exclude(status__in=["left", "removed", "declined"]).update(
        status="left"
    )
    Membership.objects.filter(user=user).update(
        needs="",
        needs_topics="",
        offers="",
        offers_topics="",
        request_note="",
        decision_message="",
        removed_reason="",
    )
    # Reports they made are their words to the conveners: removed with their contributions,
    # kept (as a former member's) otherwise, like their comments.
    if remove_contributions:
        Report.objects.filter(reporter=user).delete()
    # Invitations to their addresses: open ones are withdrawn, and every one keeps that it
    # was sent and answered, not to whom (an address of its own: the open ones are unique
    # per community and address) nor the message, which greeted them by name.
    invitations = Invitation.objects.filter(address_q(person_addresses(user), "email"))
    invitations.filter(status=Invitation.Status.PENDING).update(status="revoked")
    invitations.update(
        email=Concat(
            Value("erased-invitation-"),
            Cast("pk", models.CharField()),
            Value("@erased.example.org"),
        ),
        message="",
    )


def _expired_invitations_due(cutoff):
    # Invitations nobody accepted: their address and message are not needed once long past.
    return Invitation.objects.filter(
        status__in=[Invitation.Status.PENDING, Invitation.Status.DECLINED, "revoked"],
        expires_at__lt=cutoff,
    ).exclude(email__endswith="@erased.example.org")


register_rule(
    Rule(
        "expired_invitations",
        "The address and message of invitations that expired, were declined or withdrawn "
        "(counted from their expiry); that one was sent, by whom and when stays.",
        _expired_invitations_due,
        updating(
            Invitation,
            email=Concat(
                Value("erased-invitation-"),
                Cast("pk", models.CharField()),
                Value("@erased.example.org"),
            ),
            message="",
        ),
    )
)
