"""What is new in a person's communities over a period: the member's home and the digest
read the same feed. Built for many people at once with a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from django.db.models import Count

from communities.models import Community, Membership
from knowledge.models import Resource, Story
from meetings.models import Meeting, Minutes

LIMIT = 8


# The feed's items are read as plain values and shared by everyone whose feed shows them: a
# digest batch reads every new item of several hundred communities, and a model instance
# each (with its community joined and built again for every row) cost more than the rest of
# the batch. Each carries what the home page and the digest show of it, and the community
# as the one Community instance the batch loaded.


@dataclass(eq=False)
class FeedMeeting:
    pk: int
    community: Community
    title: str
    starts_at: datetime
    created_at: datetime


@dataclass(eq=False)
class FeedMinutes:
    pk: int
    meeting: FeedMeeting  # its title and community (starts_at and created_at are not read)
    published_at: datetime

    @property
    def meeting_id(self):
        return self.meeting.pk


@dataclass(eq=False)
class FeedResource:
    pk: int
    community: Community
    title: str
    created_at: datetime


@dataclass(eq=False)
class FeedStory:
    pk: int
    community: Community
    title: str
    created_at: datetime


def feed_for(users, *, since_by_user, until):
    """{user_id: {"communities": [...], "meetings": [...], "minutes": [...], "resources": [...],
    "stories": [...], "is_empty": bool}} covering only communities each person is an active
    member of. Items are the Feed* records above; "communities" lists, in name order, each
    community (a Community) with its counts of new meetings, resources, stories and (for one
    person) members."""
    user_ids = [u.pk for u in users]
    if not user_ids:
        return {}
    earliest = min(since_by_user.values())
    memberships = list(
        Membership.objects.filter(user__in=user_ids, status=Membership.Status.ACTIVE)
        .order_by("community__name", "community_id")
        .values_list("user_id", "community_id")
    )
    community_ids = {community_id for _, community_id in memberships}
    communities = Community.objects.in_bulk(community_ids)
    communities_of = defaultdict(list)
    for user_id, community_id in memberships:
        communities_of[user_id].append(communities[community_id])
    meetings = [
        FeedMeeting(pk, communities[community_id], title, starts_at, created_at)
        for pk, community_id, title, starts_at, created_at in Meeting.objects.filter(
            community__in=community_ids,
            created_at__gt=earliest,
            created_at__lte=until,
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=until,
        )
        .order_by("starts_at")
        .values_list("pk", "community_id", "title", "starts_at", "created_at")
    ]
    minutes = [
        FeedMinutes(
            pk,
            FeedMeeting(
                meeting_id, communities[community_id], title, starts_at, meeting_created_at
            ),
            published_at,
        )
        for (
            pk,
            published_at,
            meeting_id,
            community_id,
            title,
            starts_at,
            meeting_created_at,
        ) in Minutes.objects.filter(
            meeting__community__in=community_ids,
            status=Minutes.Status.PUBLISHED,
            published_at__gt=earliest,
            published_at__lte=until,
        )
        .order_by("-published_at")
        .values_list(
            "pk",
            "published_at",
            "meeting_id",
            "meeting__community_id",
            "meeting__title",
            "meeting__starts_at",
            "meeting__created_at",
        )
    ]
    resources = [
        FeedResource(pk, communities[community_id], title, created_at)
        for pk, community_id, title, created_at in Resource.objects.filter(
            community__in=community_ids,
            status=Resource.Status.PUBLISHED,
            created_at__gt=earliest,
            created_at__lte=until,
        )
        .order_by("-created_at")
        .values_list("pk", "community_id", "title", "created_at")
    ]
    stories = [
        FeedStory(pk, communities[community_id], title, created_at)
        for pk, community_id, title, created_at in Story.objects.filter(
            community__in=community_ids, created_at__gt=earliest, created_at__lte=until
        )
        .order_by("-created_at")
        .values_list("pk", "community_id", "title", "created_at")
    ]
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
    meetings_in = _grouped(meetings, lambda m: m.community.pk)
    minutes_in = _grouped(minutes, lambda m: m.meeting.community.pk)
    resources_in = _grouped(resources, lambda r: r.community.pk)
    stories_in = _grouped(stories, lambda s: s.community.pk)
    counts = {}  # (community, since): its counts, the same for most of a batch

    def counted(community, since):
        key = (community.pk, since)
        if key not in counts:
            counts[key] = {
                "meetings": _count_since(meetings_in.get(community.pk, ()), since, "created_at"),
                "resources": _count_since(resources_in.get(community.pk, ()), since, "created_at"),
                "stories": _count_since(stories_in.get(community.pk, ()), since, "created_at"),
                "members": joined.get(community.pk, 0),
            }
        return {"community": community, **counts[key]}

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
        feed["communities"] = [counted(c, since) for c in communities_of[user.pk]]
        result[user.pk] = feed
    return result


def _grouped(items, community_of):
    groups = defaultdict(list)
    for item in items:
        groups[community_of(item)].append(item)
    return groups


def _newest(groups, community_ids, since, when, *, order=None, descending=False):
    """The first LIMIT items of these communities after `since`, in the lists' order."""
    at = attrgetter(when)
    picked = [item for pk in community_ids for item in groups.get(pk, ()) if at(item) > since]
    picked.sort(key=attrgetter(order or when), reverse=descending)
    return picked[:LIMIT]


def _count_since(items, since, when):
    at = attrgetter(when)
    return sum(1 for item in items if at(item) > since)
