"""What communities tell people in the notification centre: a join request to answer (to
the community's conveners), and the answer to one's own request. Both are e-mailed as
before under the membership notices switch: these kinds are the centre's only
(email_template None), so no event is e-mailed twice. Registered from
CommunitiesConfig.ready()."""

from django.urls import reverse

from accounts.notifications.registry import NotificationKind
from accounts.notifications.services import notify

JOIN_REQUEST = NotificationKind("join_request", "Someone asks to join a community you lead", None)
JOIN_ANSWER = NotificationKind("join_answer", "Your request to join a community is answered", None)
KINDS = (JOIN_REQUEST, JOIN_ANSWER)


def join_request_notify(*, membership, leaders, dedupe):
    community, user = membership.community, membership.user
    return notify(
        recipients=leaders,
        kind=JOIN_REQUEST.key,
        dedupe=dedupe,
        group_key=f"join-requests:{community.pk}",
        group_title=f"Join requests: {community.name}",
        text=f"{user.name} asks to join {community.name}",
        url=reverse("communities:request", args=[community.slug, membership.pk]),
        actor=user,
    )


def join_answer_notify(*, membership, actor, approved, dedupe):
    community = membership.community
    answer = "approved" if approved else "declined"
    return notify(
        recipients=[membership.user],
        kind=JOIN_ANSWER.key,
        dedupe=dedupe,
        group_key=f"community:{community.pk}",
        group_title=community.name,
        text=f"Your request to join {community.name} was {answer}",
        url=reverse("communities:detail", args=[community.slug]),
        actor=actor,
    )
