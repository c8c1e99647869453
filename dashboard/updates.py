"""What needs a person, added to their feed (dashboard.feed), and the one line that sums it
up: the member's home and the digest both read `updates_for`, so they show the same things
in the same order. A fixed number of queries for any number of people.

What needs the person, in this order (the home page and the digest list it first):
1. their open action points due within SOON, or overdue (of minutes published, or of a
   community they convene: the rule of "my actions");
2. join requests waiting in communities they convene or co-convene;
3. meetings starting within SOON that they are registered for or waiting on.

The headline (the digest's subject) names the single most important update, by this
priority, the earliest first within each:
  1. an overdue action point            "Action overdue since 1 Dec: send the audit form"
  2. an action point due soon           "Action due Thursday: send the audit form"
  3. join requests to decide            "Ria Requester asks to join Falls"
  4. a meeting they are registered for  "Registered: Falls huddle, Thursday 14:00"
  5. a meeting they are waiting on      "On the waiting list: Falls huddle, Thursday 14:00"
  6. new minutes                        "Minutes published: Falls review"
  7. a new meeting                      "New meeting: Falls huddle, Thu 10 Dec"
  8. a new discussion                   "New discussion: Covert medication in care homes"
  9. a discussion with new replies      "Active: 5 new replies in Covert medication in…"
 10. a new resource                     "New resource: Sepsis toolkit"
 11. a new story                        "New story: How we cut falls"
and then counts the rest ("— and 6 more updates"). What waits on the person's own work or
decision comes before what they may read; among what is new, decisions made (minutes) and
places still to take (meetings) come before conversations that wait on the members' answers
(a question asked, then one being answered), and those before reading (resources,
stories). Minutes stay first: they carry the action points the person may own. Discourse's
digest names the site and date instead; a subject that says what is inside is the reason
to open it. A discussion is named by its title alone, and never one in a safe space
(dashboard.feed)."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import dateformat, timezone
from django.utils.text import Truncator

from communities.models import Community, Membership
from dashboard.feed import feed_for
from meetings.models import ActionItem, Meeting, Minutes, Registration

# How far ahead an action point's due date or a meeting's start "needs" the person.
SOON = timedelta(days=7)
# Join requests named per community; the rest are counted.
REQUESTS_SHOWN = 3


@dataclass(eq=False)
class FeedAction:
    pk: int
    community: Community
    description: str
    due_date: date
    overdue: bool


@dataclass(eq=False)
class FeedBooking:
    """A meeting coming soon that the person is registered for or waiting on."""

    pk: int  # the meeting's
    title: str
    starts_at: datetime
    host_name: str  # its community's or network's name
    status: str  # Registration.Status: "registered" or "waiting"

    @property
    def waiting(self):
        return self.status == Registration.Status.WAITING


@dataclass(eq=False)
class FeedRequests:
    """Join requests waiting in one community the person convenes: the oldest few, as
    (membership id, name, requested_at), and how many in all."""

    community: Community
    requests: list
    total: int

    @property
    def more(self):
        return self.total - len(self.requests)


def updates_for(users, *, since_by_user, now):
    """feed_for, with each person's "needs" ({"actions", "requests", "bookings"}), "headline"
    (the most important update, in words), "rest" (how many other updates) and "is_empty"
    (nothing new and nothing needing them). Three queries more than feed_for, whatever the
    number of people."""
    feeds = feed_for(users, since_by_user=since_by_user, until=now)
    if not feeds:
        return feeds
    today = timezone.localdate(now)
    communities = {g.community.pk: g.community for f in feeds.values() for g in f["communities"]}
    actions = _actions(feeds, communities, today=today)
    requests = _requests(feeds, communities)
    bookings = _bookings(feeds, now=now)
    for user_id, feed in feeds.items():
        needs = {
            "actions": actions[user_id],
            "requests": requests[user_id],
            "bookings": bookings[user_id],
        }
        feed["needs"] = needs
        feed["groups"] = _without_booked(feed["groups"], needs["bookings"])
        feed["has_needs"] = any(needs.values())
        feed["is_empty"] = feed["is_empty"] and not feed["has_needs"]
        count = (
            len(needs["actions"])
            + sum(r.total for r in needs["requests"])
            + len(needs["bookings"])
            + sum(g.total for g in feed["groups"])
        )
        feed["headline"] = headline(feed, today=today)
        feed["rest"] = max(count - 1, 0)
    return feeds


def _without_booked(groups, bookings):
    """A new meeting the person already registered for (or waits on) is listed once, with
    their place, under what needs them: not again among the news, nor counted twice. The
    groups are shared by a batch, so a person's own view is a copy."""
    booked = {b.pk for b in bookings}
    if not booked:
        return groups
    kept = []
    for group in groups:
        items = [i for i in group.items if not (i.kind == "meeting" and i.pk in booked)]
        dropped = len(group.items) - len(items)
        if dropped:
            group = replace(
                group, items=items, meetings=group.meetings - dropped, total=group.total - dropped
            )
        if group.total:
            kept.append(group)
    return kept


def _actions(feeds, communities, *, today):
    """Each person's open action points due by today + SOON, overdue first: only in their
    active communities, and only those they may read (minutes published, or a community
    they convene, as meetings.permissions.actions_visible_to has it)."""
    result = defaultdict(list)
    mine = {user_id: {g.community.pk for g in f["communities"]} for user_id, f in feeds.items()}
    if not communities:
        return result
    published = Minutes.objects.filter(meeting=OuterRef("meeting"), status=Minutes.Status.PUBLISHED)
    rows = (
        ActionItem.objects.filter(
            owner__in=list(feeds),
            status=ActionItem.Status.OPEN,
            community__in=list(communities),
            due_date__lte=today + SOON,
        )
        .annotate(published=Exists(published))
        .order_by("due_date", "pk")
        .values_list("pk", "owner_id", "community_id", "description", "due_date", "published")
    )
    for pk, owner_id, community_id, description, due_date, is_published in rows:
        if community_id in mine[owner_id] and (
            is_published or community_id in feeds[owner_id]["led"]
        ):
            result[owner_id].append(
                FeedAction(pk, communities[community_id], description, due_date, due_date < today)
            )
    return result


def _requests(feeds, communities):
    """Join requests waiting in the communities each person leads, oldest first."""
    result = defaultdict(list)
    led = set().union(*(f["led"] for f in feeds.values()))
    if not led:
        return result
    waiting = defaultdict(list)
    for pk, community_id, name, requested_at in (
        Membership.objects.filter(community__in=led, status=Membership.Status.REQUESTED)
        .order_by("requested_at", "pk")
        .values_list("pk", "community_id", "user__name", "requested_at")
    ):
        waiting[community_id].append((pk, name, requested_at))
    for user_id, feed in feeds.items():
        for group in feed["communities"]:  # in name order
            rows = waiting.get(group.community.pk)
            if rows and group.community.pk in feed["led"]:
                result[user_id].append(
                    FeedRequests(group.community, rows[:REQUESTS_SHOWN], len(rows))
                )
    return result


def _bookings(feeds, *, now):
    """The meetings starting within SOON each person is registered for or waiting on,
    soonest first; network events included, meetings of archived communities not."""
    result = defaultdict(list)
    rows = (
        Registration.objects.filter(
            user__in=list(feeds),
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
            meeting__starts_at__gt=now,
            meeting__starts_at__lte=now + SOON,
            meeting__status=Meeting.Status.SCHEDULED,
        )
        .filter(
            Q(meeting__community__isnull=True)
            | Q(meeting__community__status=Community.Status.ACTIVE)
        )
        .order_by("meeting__starts_at", "meeting_id")
        .values_list(
            "user_id",
            "status",
            "meeting_id",
            "meeting__title",
            "meeting__starts_at",
            "meeting__community__name",
            "meeting__network__name",
        )
    )
    for user_id, status, pk, title, starts_at, community_name, network_name in rows:
        result[user_id].append(
            FeedBooking(pk, title, starts_at, community_name or network_name or "", status)
        )
    return result


# --- the headline ----------------------------------------------------------------------------


def headline(feed, *, today):
    """The most important update of this feed in a few words (see the priority above), or
    "" when there is none. Dates are read in the current time zone."""
    needs = feed["needs"]
    overdue = [a for a in needs["actions"] if a.overdue]
    if overdue:
        action = overdue[0]
        return f"Action overdue since {_short_day(action.due_date)}: {_cut(action.description)}"
    if needs["actions"]:
        action = needs["actions"][0]
        return f"Action due {_day_word(action.due_date, today)}: {_cut(action.description)}"
    if needs["requests"]:
        first = needs["requests"][0]
        who = first.requests[0][1] if first.total == 1 else f"{first.total} people"
        verb = "asks" if first.total == 1 else "ask"
        return f"{who} {verb} to join {first.community.name}"
    for waiting, label in ((False, "Registered"), (True, "On the waiting list")):
        booking = next((b for b in needs["bookings"] if b.waiting == waiting), None)
        if booking:
            starts = timezone.localtime(booking.starts_at)
            when = f"{_day_word(starts.date(), today)} {starts:%H:%M}"
            return f"{label}: {_cut(booking.title)}, {when}"
    shown = [item for group in feed["groups"] for item in group.items]
    if not shown:
        return ""
    item = min(shown, key=lambda i: i.rank)  # the first of the best kind, busiest group first
    if item.kind == "meeting":
        day = dateformat.format(timezone.localtime(item.starts_at), "D j M")
        return f"New meeting: {_cut(item.title)}, {day}"
    if item.kind == "active":
        return f"Active: {replies_label(item.replies)} in {_cut(item.title)}"
    label = {
        "minutes": "Minutes published",
        "discussion": "New discussion",
        "resource": "New resource",
        "story": "New story",
    }
    return f"{label[item.kind]}: {_cut(item.title)}"


def replies_label(count):
    """ "1 new reply", "5 new replies"."""
    return f"{count} new repl{'y' if count == 1 else 'ies'}"


def _cut(text):
    return Truncator(" ".join(text.split())).chars(80)


def _short_day(day):
    return dateformat.format(day, "j M")


def _day_word(day, today):
    """ "today", "tomorrow", a weekday name within the week, else "Thu 10 Dec"."""
    ahead = (day - today).days
    if ahead == 0:
        return "today"
    if ahead == 1:
        return "tomorrow"
    if 1 < ahead < 7:
        return dateformat.format(day, "l")
    return dateformat.format(day, "D j M")
