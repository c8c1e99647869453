"""Reads about meetings, each with its query shape decided once."""

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from communities.models import Community, Membership
from core.http import url_maker
from core.text import day, details_line
from meetings.models import (
    ActionItem,
    CalendarFeed,
    Meeting,
    MeetingGuest,
    Minutes,
    Registration,
    SeriesRegistration,
)
from meetings.permissions import (
    actions_visible_to,
    community_actions_visible_to,
    community_meetings_visible,
    meetings_visible_to,
)

REGISTERED = Q(registrations__status=Registration.Status.REGISTERED)
WAITING = Q(registrations__status=Registration.Status.WAITING)

# --- what the figures count -----------------------------------------------------------------
# The meeting pages, the programme dashboard (dashboard/figures.py) and the reports for
# funders (evaluation/report/figures.py) count meetings held and attendance from here, so
# that a figure means the same everywhere.
#
# Attendance counts everyone who came, once: people with an account (their registration
# marked attended, walk-ins included) and guests without one. A guest who later verifies
# their address on an account becomes a walk-in registration of that person, so only the
# guests no account has claimed count as guests (README, "How attendance is counted").
# Each said once, as lookups: CAME and UNCLAIMED filter the registrations and the guests
# themselves, attended_count() reaches the same rows through a meeting's relations.
_CAME = {"attended": True}  # a registration that counts
_UNCLAIMED = {"user__isnull": True}  # a guest who counts
CAME = Q(**_CAME)
UNCLAIMED = Q(**_UNCLAIMED)


def _through(relation, lookups):
    """`lookups` of the rows of `relation`, as a condition on the object holding it."""
    return Q(**{f"{relation}__{name}": value for name, value in lookups.items()})


def attendance(**filters):
    """(registrations, guests): the two querysets whose rows, together, are the attendance
    of the meetings that `filters` choose (`meeting__in=...`, `meeting__community__in=...`)."""
    return (
        Registration.objects.filter(CAME, **filters),
        MeetingGuest.objects.filter(UNCLAIMED, **filters),
    )


def attended_count():
    """A meeting's attendance, as an annotation of meetings: CAME and UNCLAIMED through
    the meeting's relations (each side distinct: the annotation joins both)."""
    came = Count("registrations", filter=_through("registrations", _CAME), distinct=True)
    guests = Count("guests", filter=_through("guests", _UNCLAIMED), distinct=True)
    return came + guests


def meetings_held(*, community_ids, since=None, before=None, now=None):
    """The meetings these communities held: not cancelled, and over by `now`; with `since`,
    those that ended then or later, and with `before`, those that ended before it."""
    ended = {"ends_at__lte": now or timezone.now()}
    if since is not None:
        ended["ends_at__gte"] = since
    if before is not None:
        ended["ends_at__lt"] = before
    return Meeting.objects.filter(
        community__in=community_ids, status=Meeting.Status.SCHEDULED, **ended
    )


def with_counts(qs):
    return qs.annotate(
        registered_count=Count("registrations", filter=REGISTERED, distinct=True),
        waiting_count=Count("registrations", filter=WAITING, distinct=True),
        attended_count=attended_count(),
    )


UPCOMING_SHOWN = 50
PAST_PER_PAGE = 20


def community_meeting_list(*, user, community, page=None):
    """The community's coming meetings (the first UPCOMING_SHOWN) and one page of its past
    ones, each with its counts. The counts are taken after the page is chosen: counting
    every past meeting's registrations and guests to keep twenty of them made a long
    history the page's cost."""
    visible = community_meetings_visible(user, community)
    upcoming = _counted(visible.upcoming()[:UPCOMING_SHOWN])
    past = Paginator(visible.past(), PAST_PER_PAGE).get_page(page)
    past.object_list = _counted(past.object_list)
    return upcoming, past


def _counted(meetings):
    """These meetings, in their order, with their counts, minutes and `url` (two queries;
    the address reversed once for the list)."""
    ids = list(meetings.values_list("pk", flat=True))
    counted = with_counts(Meeting.objects.filter(pk__in=ids)).select_related("minutes")
    link = url_maker("meetings:detail")
    for meeting in counted:
        meeting.url = link(meeting.pk)
    return sorted(counted, key=lambda meeting: ids.index(meeting.pk))


def meeting_detail(*, meeting, user):
    """What the meeting page shows besides the meeting: its counts, the person's registration
    (its status, and their place on the waiting list) and the minutes. The counts come from
    one grouped read of the meeting's registrations (a few rows: one per status and
    attendance), not from counts over a join of the meeting to them; attendance adds the
    guests not yet claimed by an account."""
    registered = waiting = attended = 0
    for status, came, n in (
        Registration.objects.filter(meeting=meeting)
        .order_by()
        .values_list("status", "attended")
        .annotate(n=Count("pk"))
    ):
        if status == Registration.Status.REGISTERED:
            registered += n
        elif status == Registration.Status.WAITING:
            waiting += n
        if came:
            attended += n
    attended += MeetingGuest.objects.filter(UNCLAIMED, meeting=meeting).count()
    mine = (
        Registration.objects.filter(meeting=meeting, user=user)
        .values_list("status", "waiting_since")
        .first()
        if user.is_authenticated
        else None
    )
    status, waiting_since = mine or (None, None)
    position = None
    if status == Registration.Status.WAITING:
        position = (
            Registration.objects.filter(
                meeting=meeting,
                status=Registration.Status.WAITING,
                waiting_since__lt=waiting_since,
            ).count()
            + 1
        )
    return {
        "registered_count": registered,
        "waiting_count": waiting,
        "attended_count": attended,
        "registration_status": status,
        "waiting_position": position,
        "minutes": Minutes.objects.filter(meeting=meeting).first(),
    }


def carried_actions(*, meeting, user):
    """Open action points of the same community from earlier meetings that this person may
    read (each keeps the audience of its own meeting and minutes, not of this meeting), as the
    meeting page lists them: each one's description and its line of details (owner, due date,
    the meeting it comes from)."""
    rows = open_actions_before(meeting=meeting, user=user).values_list(
        "description", "due_date", "owner__name", "meeting__starts_at"
    )
    # The line under each is written here: the list can be long (every open action of the
    # community), and the template's tags spent more on it than the rest of the page.
    return [
        {
            "description": description,
            "details": details_line(
                owner or "no owner", due and f"due {day(due)}", f"from {day(starts_at)}"
            ),
        }
        for description, due, owner, starts_at in rows
    ]


def open_actions_before(*, meeting, user):
    """Open action points of the same community from earlier meetings, carried forward: those
    this person may read."""
    if not meeting.community_id:
        return ActionItem.objects.none()
    return (
        community_actions_visible_to(user, meeting.community)
        .filter(status=ActionItem.Status.OPEN, meeting__starts_at__lt=meeting.starts_at)
        .select_related("owner", "meeting")
        .order_by("due_date", "pk")
    )


def guest_list(*, meeting):
    """The guests of a meeting still counted as guests (not yet claimed by an account)."""
    return list(meeting.guests.filter(user__isnull=True).order_by("name", "pk"))


def attended_meetings(*, user):
    return (
        Registration.objects.filter(user=user, attended=True)
        .select_related("meeting", "meeting__community", "meeting__network")
        .order_by("-meeting__starts_at")
    )


# What a calendar file reads of a meeting (meetings/ical.py), and no more.
ICAL_FIELDS = (
    "uid",
    "sequence",
    "updated_at",
    "starts_at",
    "ends_at",
    "title",
    "agenda",
    "joining_link",
    "venue",
    "format",
    "status",
    "community",
    "network",
    "community__name",
    "network__name",
)


def feed_meetings(*, feed):
    """The meetings of a person's calendar feed, soonest first: those they are registered
    for and, if they asked, every meeting of their communities they may see. With the ids
    of those they are registered for (the feed gives their joining links). One query."""
    user = feed.user
    registered = Registration.objects.filter(
        meeting=OuterRef("pk"), user=user, status=Registration.Status.REGISTERED
    )
    if feed.include_community_meetings:
        qs = Meeting.objects.filter(
            Q(Exists(registered))
            | Q(
                pk__in=meetings_visible_to(user)
                .filter(community__memberships__user=user, community__memberships__status="active")
                .values("pk")
            )
        ).annotate(is_registered=Exists(registered))
    else:
        # A person has one registration a meeting: the join repeats no meeting.
        qs = Meeting.objects.filter(
            registrations__user=user, registrations__status=Registration.Status.REGISTERED
        ).annotate(is_registered=Value(True))
    meetings = list(
        qs.select_related("community", "network").only(*ICAL_FIELDS).order_by("starts_at")
    )
    return meetings, {meeting.pk for meeting in meetings if meeting.is_registered}


def my_open_actions(*, user):
    """The person's open action points, once the minutes that gave them are published (a
    draft is the conveners' until then) and while they may still see that meeting."""
    mine = ActionItem.objects.filter(owner=user, status=ActionItem.Status.OPEN)
    return (
        actions_visible_to(user, among=mine)
        .select_related("community", "meeting")
        .order_by("due_date", "pk")
    )


def follows_series(*, meeting, user):
    """Whether the person registered for the whole series this meeting is part of."""
    return bool(
        meeting.series_id
        and user.is_authenticated
        and SeriesRegistration.objects.filter(series_id=meeting.series_id, user=user).exists()
    )


def meetings_to_carry(*, community):
    """The meetings a merge or a split carries to another community: scheduled and not yet
    started (past and cancelled ones stay with the community's record)."""
    return Meeting.objects.filter(
        community=community, starts_at__gt=timezone.now(), status=Meeting.Status.SCHEDULED
    ).order_by("starts_at", "pk")


def meeting_actions(*, meeting):
    """The action points agreed at the meeting, with their owners."""
    return meeting.action_items.select_related("owner")


def meeting_attendees(*, meeting):
    return meeting.registrations.filter(attended=True).select_related("user")


def registration_of(*, meeting, user):
    """This person's registration for the meeting (a place or on the waiting list), or None."""
    registrations = Registration.objects.filter(meeting=meeting, user=user)
    return registrations.exclude(status=Registration.Status.CANCELLED).first()


def has_place(*, meeting, user):
    """Whether this person holds a place at the meeting (not only on the waiting list)."""
    return (
        user.is_authenticated
        and Registration.objects.filter(
            meeting=meeting, user=user, status=Registration.Status.REGISTERED
        ).exists()
    )


def registered_list(*, meeting):
    """The people with a place, by name: the attendance register."""
    registered = meeting.registrations.filter(status=Registration.Status.REGISTERED)
    return registered.select_related("user").order_by("user__name")


def community_members(*, community):
    """The community's active members (people), by name."""
    return User.objects.filter(
        memberships__community=community, memberships__status=Membership.Status.ACTIVE
    ).order_by("name")


def calendar_feed_get(*, token):
    """The feed of an account still open; a closed account's feed is gone."""
    feeds = CalendarFeed.objects.select_related("user")
    return get_object_or_404(feeds, token=token, user__is_active=True)


def community_feed(*, slug):
    """A public community and its public meetings, for its calendar feed."""
    community = get_object_or_404(Community, slug=slug, visibility=Community.Visibility.PUBLIC)
    meetings = (
        Meeting.objects.filter(community=community, visibility=Meeting.Visibility.PUBLIC)
        .select_related("community", "network")
        .only(*ICAL_FIELDS)
        .order_by("starts_at")
    )
    return community, meetings
