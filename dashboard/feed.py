"""What is new in a person's communities over a period: the member's home and the digest
read the same feed. Built for many people at once with a fixed number of queries."""

from collections import defaultdict

from django.db.models import Count

from communities.models import Membership
from knowledge.models import Resource, Story
from meetings.models import Meeting, Minutes

LIMIT = 8


def feed_for(users, *, since_by_user, until):
    """{user_id: {"communities": [...], "meetings": [...], "minutes": [...], "resources": [...],
    "stories": [...]}} covering only communities each person is an active member of."""
    user_ids = [u.pk for u in users]
    if not user_ids:
        return {}
    earliest = min(since_by_user.values())
    memberships = list(
        Membership.objects.filter(user__in=user_ids, status=Membership.Status.ACTIVE)
        .select_related("community")
        .order_by("community__name")
    )
    communities_of = defaultdict(list)
    for m in memberships:
        communities_of[m.user_id].append(m.community)
    community_ids = {m.community_id for m in memberships}
    meetings = list(
        Meeting.objects.filter(
            community__in=community_ids,
            created_at__gt=earliest,
            created_at__lte=until,
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=until,
        )
        .select_related("community")
        .order_by("starts_at")
    )
    minutes = list(
        Minutes.objects.filter(
            meeting__community__in=community_ids,
            status=Minutes.Status.PUBLISHED,
            published_at__gt=earliest,
            published_at__lte=until,
        )
        .select_related("meeting", "meeting__community")
        .order_by("-published_at")
    )
    resources = list(
        Resource.objects.filter(
            community__in=community_ids,
            status=Resource.Status.PUBLISHED,
            created_at__gt=earliest,
            created_at__lte=until,
        )
        .select_related("community")
        .order_by("-created_at")
    )
    stories = list(
        Story.objects.filter(
            community__in=community_ids, created_at__gt=earliest, created_at__lte=until
        )
        .select_related("community")
        .order_by("-created_at")
    )
    joined = (
        dict(
            Membership.objects.filter(
                community__in=community_ids, status=Membership.Status.ACTIVE, joined_at__gt=earliest
            )
            .values("community")
            .annotate(n=Count("pk"))
            .values_list("community", "n")
        )
        if len(users) == 1
        else {}
    )
    result = {}
    for user in users:
        since = since_by_user[user.pk]
        mine = {c.pk for c in communities_of[user.pk]}
        feed = {
            "meetings": [m for m in meetings if m.community_id in mine and m.created_at > since][
                :LIMIT
            ],
            "minutes": [
                m for m in minutes if m.meeting.community_id in mine and m.published_at > since
            ][:LIMIT],
            "resources": [r for r in resources if r.community_id in mine and r.created_at > since][
                :LIMIT
            ],
            "stories": [s for s in stories if s.community_id in mine and s.created_at > since][
                :LIMIT
            ],
        }
        feed["is_empty"] = not any(feed.values())
        counts = []
        for community in communities_of[user.pk]:
            counts.append(
                {
                    "community": community,
                    "meetings": sum(
                        1
                        for m in meetings
                        if m.community_id == community.pk and m.created_at > since
                    ),
                    "resources": sum(
                        1
                        for r in resources
                        if r.community_id == community.pk and r.created_at > since
                    ),
                    "stories": sum(
                        1
                        for s in stories
                        if s.community_id == community.pk and s.created_at > since
                    ),
                    "members": joined.get(community.pk, 0),
                }
            )
        feed["communities"] = counts
        result[user.pk] = feed
    return result
