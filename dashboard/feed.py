"""What is new in a person's communities over a period, and what needs them: the member's
home and the digest read the same feed, in the same order. Built for many people at once
with a fixed number of queries.

The order, for both (dashboard.attention holds the first part and the subject's priority):
1. what needs the person: their open action points due soon or overdue, join requests
   waiting in communities they convene, meetings coming soon they are registered for or
   waiting on;
2. what is new, grouped by community, the busiest community first (Zulip's digest puts its
   "hot conversations" first the same way), each group's first GROUP_SHOWN items with
   "and N more" for the rest.

Never in it: communities that are archived (their memberships may still be active after a
merge), resources superseded by another or hidden by a convener, stories hidden by a
moderator, discussions and replies hidden by a convener, and any safe-space discussion (it
never leaves its community: discussions.selectors.feed_discussions). Of a discussion, only
its title is carried, never its text."""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django.db.models import Case, Count, F, Max, When

from communities.models import Community, Membership
from core.queries import from_epoch, read_as_seconds
from discussions.selectors import feed_discussions, feed_replies
from knowledge.models import Resource, Story
from meetings.models import Meeting, Minutes

# Items shown of each community's news; the rest are counted ("and 4 more").
GROUP_SHOWN = 3


# The feed's items are read as plain values and shared by everyone whose feed shows them: a
# digest batch reads every new item of several hundred communities, and a model instance
# each (with its community joined and built again for every row) cost more than the rest of
# the batch. Each carries what the home page and the digest show of it, and the community
# as the one Community instance the batch loaded. `rank` orders the kinds inside a group
# and, for the digest's subject, across groups: minutes first (decisions and actions were
# made), then meetings to come (a place can still be taken), then new discussions and
# discussions with new replies (a question waits for the members' answers: taking part
# before reading), then resources, then stories.


@dataclass(eq=False)
class FeedMeeting:
    pk: int
    community: Community
    title: str
    starts_at: datetime
    created_at: datetime
    kind: ClassVar[str] = "meeting"
    rank: ClassVar[int] = 1


@dataclass(eq=False)
class FeedMinutes:
    pk: int
    meeting: FeedMeeting  # its title and community (starts_at and created_at are not read)
    published_at: datetime
    kind: ClassVar[str] = "minutes"
    rank: ClassVar[int] = 0

    @property
    def meeting_id(self):
        return self.meeting.pk

    @property
    def title(self):
        return self.meeting.title


@dataclass(eq=False)
class _FeedShared:
    """What a member shared with the community: a resource or a story."""

    pk: int
    community: Community
    title: str
    created_at: datetime


@dataclass(eq=False)
class FeedDiscussion(_FeedShared):
    """A discussion started in the period: its title only."""

    kind: ClassVar[str] = "discussion"
    rank: ClassVar[int] = 2


@dataclass(eq=False)
class FeedActive:
    """A discussion started before the person's period with replies since: its title, how
    many replies are new and when the last came."""

    pk: int
    community: Community
    title: str
    replies: int
    created_at: datetime  # of its newest reply
    kind: ClassVar[str] = "active"
    rank: ClassVar[int] = 3


@dataclass(eq=False)
class FeedResource(_FeedShared):
    kind: ClassVar[str] = "resource"
    rank: ClassVar[int] = 4


@dataclass(eq=False)
class FeedStory(_FeedShared):
    kind: ClassVar[str] = "story"
    rank: ClassVar[int] = 5


@dataclass(eq=False)
class FeedGroup:
    """One community's news since a moment: its counts by kind, the first GROUP_SHOWN items
    (in rank order, then soonest meeting / newest first) and how many more there are. The
    same record serves everyone in a batch whose period starts at the same moment."""

    community: Community
    meetings: int = 0
    minutes: int = 0
    resources: int = 0
    stories: int = 0
    discussions: int = 0  # started in the period
    active: int = 0  # discussions of before with new replies
    replies: int = 0  # new replies in those
    members: int = 0
    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total - len(self.items)


def _shown_stories():
    """Stories anyone may be shown: none hidden by a moderator."""
    return Story.objects.filter(is_hidden=False)


def feed_for(users, *, since_by_user, until):
    """{user_id: {"communities": [FeedGroup, ...], "groups": [FeedGroup, ...],
    "is_empty": bool, "led": {community_id, ...}}} covering only active (not archived)
    communities each person is an active member of. "communities" lists each of them in name
    order with its news (the home page's list); "groups" those with something new, busiest
    first, then by name; "led" the communities they convene or co-convene."""
    user_ids = [u.pk for u in users]
    if not user_ids:
        return {}
    earliest = min(since_by_user.values())
    places = _Places.of(user_ids)
    period = {"earliest": earliest, "until": until}
    meetings = _meetings(places, **period)
    minutes = _minutes(places, **period)
    resources = _resources(places, **period)
    stories = _stories(places, **period)
    latest = max(since_by_user.values())
    discussions, replied = _discussions(places, latest=latest, **period)
    # The count of new members is on the home page alone: a batch does not read it.
    joined = _joined(places.ids, earliest=earliest) if len(users) == 1 else {}
    news = _News(
        [*minutes, *meetings, *discussions, *resources, *stories], joined=joined, replied=replied
    )
    result = {}
    for user in users:
        mine = [news.of(c, since_by_user[user.pk]) for c in places.communities_of[user.pk]]
        busy = sorted((g for g in mine if g.total), key=lambda g: -g.total)  # stable: by name
        result[user.pk] = {
            "communities": mine,
            "groups": busy,
            "is_empty": not busy,
            "led": places.led_by[user.pk],
        }
    return result


@dataclass
class _Places:
    """The active communities of a batch's people: each loaded once ({id: Community}), each
    person's in name order, and those each person convenes or co-convenes."""

    communities: dict
    communities_of: dict
    led_by: dict

    @classmethod
    def of(cls, user_ids):
        memberships = list(
            Membership.objects.filter(
                user__in=user_ids,
                status=Membership.Status.ACTIVE,
                community__status=Community.Status.ACTIVE,
            )
            .order_by("community__name", "community_id")
            .values_list("user_id", "community_id", "role")
        )
        communities = Community.objects.in_bulk({pk for _, pk, _ in memberships})
        communities_of, led_by = defaultdict(list), defaultdict(set)
        for user_id, community_id, role in memberships:
            communities_of[user_id].append(communities[community_id])
            if role in Membership.LEADING_ROLES:
                led_by[user_id].add(community_id)
        return cls(communities, communities_of, led_by)

    @property
    def ids(self):
        return set(self.communities)


def _meetings(places, *, earliest, until):
    """Meetings scheduled in the period that are still to come, soonest first."""
    return [
        FeedMeeting(pk, places.communities[community_id], title, starts_at, created_at)
        for pk, community_id, title, starts_at, created_at in Meeting.objects.filter(
            community__in=places.ids,
            created_at__gt=earliest,
            created_at__lte=until,
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=until,
        )
        .order_by("starts_at", "pk")
        .values_list("pk", "community_id", "title", "starts_at", "created_at")
    ]


def _minutes(places, *, earliest, until):
    """Minutes published in the period, newest first."""
    rows = (
        Minutes.objects.filter(
            meeting__community__in=places.ids,
            status=Minutes.Status.PUBLISHED,
            published_at__gt=earliest,
            published_at__lte=until,
        )
        .order_by("-published_at", "-pk")
        .values_list(
            "pk",
            "published_at",
            "meeting_id",
            "meeting__community_id",
            "meeting__title",
            "meeting__starts_at",
            "meeting__created_at",
        )
    )
    return [
        FeedMinutes(
            pk,
            FeedMeeting(meeting_id, places.communities[community_id], title, starts_at, created),
            published_at,
        )
        for pk, published_at, meeting_id, community_id, title, starts_at, created in rows
    ]


def _resources(places, *, earliest, until):
    """Resources shared in the period, newest first: the current version of each, none
    hidden by a convener."""
    return [
        FeedResource(pk, places.communities[community_id], title, created_at)
        for pk, community_id, title, created_at in Resource.objects.filter(
            community__in=places.ids,
            status=Resource.Status.PUBLISHED,  # not hidden by a convener
            superseded_by__isnull=True,  # the current version only
            created_at__gt=earliest,
            created_at__lte=until,
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", "community_id", "title", "created_at")
    ]


def _stories(places, *, earliest, until):
    """Stories told in the period, newest first, none hidden by a moderator."""
    return [
        FeedStory(pk, places.communities[community_id], title, created_at)
        for pk, community_id, title, created_at in _shown_stories()
        .filter(community__in=places.ids, created_at__gt=earliest, created_at__lte=until)
        .order_by("-created_at", "-pk")
        .values_list("pk", "community_id", "title", "created_at")
    ]


def _discussions(places, *, earliest, latest, until):
    """The discussions of the period, as feeds may carry them (never hidden, never in a safe
    space): those started in it, newest first, as FeedDiscussion; and those with replies
    in it, as {community_id: [_Replied, ...]} for _News to count each person's new
    replies. Two queries, whatever the number of people.

    The periods run from each person's moment (`earliest` the first, `latest` the last) to
    `until`. The replies are read once, and counted in the query rather than returned one
    by one (some 18,000 for a batch of 1,000 people): those after `latest` together, being
    new to everyone; those before it by their moment, being new to some people only. With
    one moment, as on the home page and in most batches, none is before it: a row for each
    discussion."""
    started = [
        FeedDiscussion(pk, places.communities[community_id], title, from_epoch(created_at))
        for pk, community_id, title, created_at in feed_discussions(
            community_ids=places.ids, active_after=earliest
        )
        .filter(created_at__gt=earliest, created_at__lte=until)
        .order_by("-created_at", "-pk")
        .values_list("pk", "community_id", "title", read_as_seconds(F("created_at")))
    ]
    columns = ["discussion_id", "discussion__community_id", "discussion__title"]
    if latest > earliest:  # a reply's moment if before `latest`, else NULL (counted together)
        columns.append(Case(When(created_at__lte=latest, then=read_as_seconds(F("created_at")))))
    rows = (
        feed_replies(community_ids=places.ids, active_after=earliest)
        .filter(created_at__gt=earliest, created_at__lte=until, discussion__created_at__lte=until)
        .values_list(*columns)
        .annotate(n=Count("pk"), newest=read_as_seconds(Max("created_at")))
    )
    started_at = {item.pk: item.created_at for item in started}
    replied = {}
    for pk, community_id, title, *moment, n, newest in rows:
        if pk not in replied:
            community = places.communities[community_id]
            replied[pk] = _Replied(pk, community, title, started_at.get(pk))
        replied[pk].add(from_epoch(moment[0]) if moment else None, n, from_epoch(newest))
    by_community = defaultdict(list)
    for discussion in replied.values():
        discussion.early.sort()
        by_community[discussion.community.pk].append(discussion)
    return started, by_community


@dataclass(eq=False)
class _Replied:
    """A discussion with replies in a batch's period: its title, when it was started if in
    the period (else None), how many replies came after the last person's moment, the times
    of those before it (oldest first) and when the newest came."""

    pk: int
    community: Community
    title: str
    started_at: datetime | None
    late: int = 0
    early: list = field(default_factory=list)
    newest: datetime | None = None

    def add(self, moment, n, newest):
        if moment is None:
            self.late += n
        else:
            self.early += [moment] * n
        self.newest = newest if self.newest is None else max(self.newest, newest)

    def new_to(self, since):
        """How many replies are new to a person whose period starts at `since` (a moment of
        the batch, so every one of `late` is): none when the discussion itself is."""
        if self.started_at is not None and self.started_at > since:
            return 0
        return self.late + len(self.early) - bisect_right(self.early, since)


def _joined(community_ids, *, earliest):
    """{community_id: members who joined since `earliest`}."""
    return dict(
        Membership.objects.filter(
            community__in=community_ids, status=Membership.Status.ACTIVE, joined_at__gt=earliest
        )
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )


class _News:
    """The items grouped by community once, each list in its kind's order: each person's
    feed then reads only their communities' items (a batch's lists hold every item of every
    community of the batch). A community's group for a moment is built once and shared by
    everyone whose period starts then (most of a batch)."""

    def __init__(self, items, *, joined, replied):
        self.joined = joined
        self.replied = replied
        self.news_in = defaultdict(list)
        for item in items:
            self.news_in[_community_of(item).pk].append(item)
        self.groups = {}

    def of(self, community, since):
        key = (community.pk, since)
        if key not in self.groups:
            group = self.groups[key] = FeedGroup(
                community, members=self.joined.get(community.pk, 0)
            )
            items = [i for i in self.news_in.get(community.pk, ()) if _when(i) > since]
            items += self._active(community.pk, since)
            for item in sorted(items, key=lambda i: i.rank):  # stable: each kind's order kept
                counted = _COUNTED[item.kind]
                setattr(group, counted, getattr(group, counted) + 1)
                group.total += 1
                if len(group.items) < GROUP_SHOWN:
                    group.items.append(item)
            group.replies = sum(i.replies for i in items if i.kind == "active")
        return self.groups[key]

    def _active(self, community_id, since):
        """The community's discussions started by `since` with replies after it, the most
        new replies first (then the latest)."""
        active = []
        for discussion in self.replied.get(community_id, ()):
            if new := discussion.new_to(since):
                active.append(
                    FeedActive(
                        discussion.pk,
                        discussion.community,
                        discussion.title,
                        new,
                        discussion.newest,
                    )
                )
        return sorted(active, key=lambda a: (-a.replies, -a.created_at.timestamp(), -a.pk))


_COUNTED = {
    "meeting": "meetings",
    "minutes": "minutes",
    "resource": "resources",
    "story": "stories",
    "discussion": "discussions",
    "active": "active",
}


def _community_of(item):
    return item.meeting.community if item.kind == "minutes" else item.community


def _when(item):
    """When the item became news: a meeting when scheduled, minutes when published."""
    return item.published_at if item.kind == "minutes" else item.created_at
