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
    # Grouped by community once: each person's feed then reads only their communities' items
    # (a batch's lists hold every item of every community of the batch).
    meetings_in = _grouped(meetings, lambda m: m.community_id)
    minutes_in = _grouped(minutes, lambda m: m.meeting.community_id)
    resources_in = _grouped(resources, lambda r: r.community_id)
    stories_in = _grouped(stories, lambda s: s.community_id)
    result = {}
    for user in users:
        since = since_by_user[user.pk]
        mine = [c.pk for c in communities_of[user.pk]]
        feed = {
            "meetings": _newest(meetings_in, mine, since, "created_at", order="starts_at"),
            "minutes": _newest(minutes_in, mine, since, "published_at", descending=True),
            "resources": _newest(resources_in, mine, since, "created_at", descending=True),
            "stories": _newest(stories_in, mine, since, "created_at", descending=True),
        }
        feed["is_empty"] = not any(feed.values())
        feed["communities"] = [
            {
                "community": community,
                "meetings": _count_since(meetings_in[community.pk], since, "created_at"),
                "resources": _count_since(resources_in[community.pk], since, "created_at"),
                "stories": _count_since(stories_in[community.pk], since, "created_at"),
                "members": joined.get(community.pk, 0),
            }
            for community in communities_of[user.pk]
        ]
        result[user.pk] = feed
    return result


def _grouped(items, community_of):
    groups = defaultdict(list)
    for item in items:
        groups[community_of(item)].append(item)
    return groups


def _newest(groups, community_ids, since, when, *, order=None, descending=False):
    """The first LIMIT items of these communities after `since`, in the lists' order."""
    picked = [
        item for pk in community_ids for item in groups.get(pk, ()) if getattr(item, when) > since
    ]
    picked.sort(key=lambda item: getattr(item, order or when), reverse=descending)
    return picked[:LIMIT]


def _count_since(items, since, when):
    return sum(1 for item in items if getattr(item, when) > since)
