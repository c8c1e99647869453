"""Reads for the home pages and the programme dashboard."""

import hashlib
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from communities.models import Community, Invitation, Membership
from conveners.models import Application
from conveners.selectors import meetings_convened
from core.replicas import replica_reads
from dashboard import figures
from dashboard.updates import updates_for
from meetings.models import ActionItem, Meeting, Registration, SeriesRegistration
from meetings.permissions import actions_visible_to


def welcome_context():
    public = Community.objects.active().filter(visibility=Community.Visibility.PUBLIC)
    return {
        "public_communities": public.select_related("network").annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)
            )
        )[:6],
    }


def upcoming_meetings(*, user, now=None, community_ids=None, limit=8):
    """The next meetings of the person's communities and those they are registered or waiting
    for elsewhere (network events, say), soonest first, each with `my_status`: "registered",
    "waiting" or None. `community_ids`: their active communities, when already read."""
    now = now or timezone.now()
    if community_ids is None:
        community_ids = list(
            Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
                "community_id", flat=True
            )
        )
    mine = dict(
        Registration.objects.filter(
            user=user,
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
            meeting__ends_at__gte=now,
        ).values_list("meeting_id", "status")
    )
    # Both sets as lists of ids: the planner reads them from the indexes on (community,
    # ends_at) and on the key (a BitmapOr) and sorts the hundred or so rows left. Two things
    # keep it from walking the index on (status, starts_at) instead, through every meeting
    # of the platform that has already ended (tens of thousands): "not cancelled" rather
    # than "scheduled" (the same meetings: a meeting is one or the other), which that index
    # cannot serve in order, and no sub-select under the OR. The soonest are picked first,
    # and only they are joined to their community or network.
    # A series is one row, its next meeting: seven "not registered" rows of one monthly
    # series said nothing the first did not. A meeting is left out when an earlier one of
    # its series is still to come (a probe of the index on series for each candidate).
    # Only the meetings of the candidates' series, named in a list read first: left to
    # itself, PostgreSQL hashed every meeting of the platform still to come (a sequential
    # scan of all of them, 12 ms) to anti-join a hundred candidates, a subquery included.
    candidates = Q(community__in=community_ids) | Q(pk__in=list(mine))
    their_series = list(
        Meeting.objects.filter(candidates, ends_at__gte=now, series__isnull=False)
        .order_by()
        .values_list("series_id", flat=True)
        .distinct()
    )
    earlier_of_its_series = (
        Meeting.objects.filter(series=OuterRef("series"), ends_at__gte=now, series__in=their_series)
        .exclude(status=Meeting.Status.CANCELLED)
        .filter(
            Q(starts_at__lt=OuterRef("starts_at"))
            | Q(starts_at=OuterRef("starts_at"), pk__lt=OuterRef("pk"))
        )
    )
    soonest = (
        Meeting.objects.filter(candidates)
        .filter(ends_at__gte=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .exclude(Exists(earlier_of_its_series))
        .order_by("starts_at", "pk")
        .values("pk")[:limit]
    )
    meetings = list(
        Meeting.objects.filter(pk__in=soonest)
        .select_related("community", "network")
        .only(
            "title",
            "starts_at",
            "community_id",
            "network_id",
            "series_id",
            "community__name",
            "network__name",
        )
        .order_by("starts_at", "pk")
    )
    to_come, followed = _series_followed(meetings, user=user, now=now)
    for meeting in meetings:
        meeting.my_status = mine.get(meeting.pk)
        # For a series' row: how many of its meetings are to come, and whether the person
        # registered for all of them.
        meeting.series_to_come = to_come.get(meeting.series_id, 0)
        meeting.follows_series = meeting.series_id in followed
    return meetings


def _series_followed(meetings, *, user, now):
    """For the series of these meetings: ({series_id: how many of its meetings are to come},
    {series_id the person registered for as a whole, ...})."""
    series_ids = {meeting.series_id for meeting in meetings if meeting.series_id}
    if not series_ids:
        return {}, set()
    to_come = dict(
        Meeting.objects.filter(series_id__in=series_ids, ends_at__gte=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by()
        .values("series_id")
        .annotate(n=Count("pk"))
        .values_list("series_id", "n")
    )
    followed = set(
        SeriesRegistration.objects.filter(user=user, series_id__in=series_ids).values_list(
            "series_id", flat=True
        )
    )
    return to_come, followed


def home_context(*, user, now=None):
    now = now or timezone.now()
    since = user.last_home_visit or now - timedelta(days=30)
    # The same updates as the digest, in the same order: what needs the person, then what is
    # new, grouped by community.
    feed = updates_for([user], since_by_user={user.pk: since}, now=now)[user.pk]
    upcoming = upcoming_meetings(
        user=user, community_ids=[group.community.pk for group in feed["communities"]], now=now
    )
    # The lists below read only the columns the page shows: building the SQL and the rows of
    # whole people and communities (long texts among them) was most of their cost.
    invitations = (
        Invitation.objects.filter(
            email__iexact=user.email, status=Invitation.Status.PENDING, expires_at__gt=now
        )
        .select_related("community")
        .only("token", "community", "community__name")
    )
    participation = []
    for application in Application.objects.filter(
        applicant=user, status=Application.Status.ACCEPTED
    ).select_related("programme"):
        next_session = (
            application.programme.sessions.filter(meeting__starts_at__gte=now)
            .select_related("meeting")
            .order_by("meeting__starts_at")
            .first()
        )
        participation.append(
            {
                "application": application,
                "next_session": next_session,
                "convened": meetings_convened(application=application).count(),
            }
        )
    return {
        "since": since,
        "feed": feed,
        "upcoming": upcoming,
        # Through the same rule as "my actions": published minutes of a meeting they may see.
        # Those due soon are already at the top, under what needs them: listed once.
        "actions": actions_visible_to(
            user, among=ActionItem.objects.filter(owner=user, status=ActionItem.Status.OPEN)
        )
        .exclude(pk__in=[a.pk for a in feed["needs"]["actions"]])
        .select_related("community")
        .only("description", "due_date", "community", "community__name")[:10],
        "invitations": invitations,
        "participation": participation,
        "managed_networks": user.managed_networks.only("slug", "name").order_by("name"),
    }


# --- the programme dashboard --------------------------------------------------------------------

FILTERS = ("network", "region", "phase", "topic")


def programme_networks(*, viewer):
    """The networks whose figures the viewer may see: those they manage (every one, staff)."""
    return list(figures.networks_for(viewer))


def figures_key(name, *, network_ids, parts):
    """The cache key of one of the dashboard's figures (or of the page drawn from them): its
    name, the current generation of each network it covers (a change in a network is on the
    next view) and `parts`, everything else its value depends on."""
    network_ids = sorted(set(network_ids))
    fingerprint = repr((name, figures.generations(network_ids), parts))
    return f"{figures.cache_prefix()}:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def drawn_page_parts(*, query, networks, viewer):
    """What the drawn page depends on besides its figures: the query (the form's values and
    the links), the viewer's networks (the form's choices), the viewer (the spread shows what
    they may see), and their time zone and language (dates are written in them)."""
    return (
        query,
        [(network.slug, network.name) for network in networks],
        viewer.pk,
        timezone.get_current_timezone_name(),
        translation.get_language(),
    )


def _sorted(rows, key):
    if key in figures.FLAGS:
        return sorted(rows, key=lambda r: (not r["flags"][key], r["community"].name))
    if key in ("members", "meetings_90", "flag_count"):
        return sorted(rows, key=lambda r: (-r[key], r["community"].name))
    if key == "last_activity":
        return sorted(
            rows, key=lambda r: (r["last_activity"] is None, r["last_activity"] or 0), reverse=False
        )
    return rows


class ProgrammeFigures:
    """The programme dashboard of one viewer for the filters they chose: the figures of the
    communities asked about, each computed once and then read from the cache while nothing in
    their networks has changed, and the page drawn from them, kept the same way. The page
    and the downloads (dashboard/exports.py) read the same figures."""

    def __init__(self, *, viewer, networks, filters):
        self.viewer = viewer
        self.networks = networks
        self.sort = filters.get("sort") or "name"
        self.communities = figures.communities_for(
            viewer,
            networks=[network.pk for network in networks],
            **{k: filters.get(k) for k in FILTERS if filters.get(k)},
        )

    @cached_property
    def _places(self):
        return list(self.communities.values_list("pk", "network_id"))

    @property
    def ids(self):
        return [pk for pk, _ in self._places]

    def _cached(self, name, compute, *parts):
        network_ids = [network_id for _, network_id in self._places]
        key = figures_key(name, network_ids=network_ids, parts=(self.ids, *parts))
        value = cache.get(key)
        if value is None:
            with replica_reads():  # the heavy reads: from a replica, if there are any
                value = compute()
            cache.set(key, value, getattr(settings, "FIGURES_CACHE_SECONDS", 600))
        return value

    def table(self):
        """A row per community (figures.community_table), in the order asked for."""
        rows = self._cached("table", lambda: figures.community_table(self.communities))
        return _sorted(rows, self.sort)

    def trends(self):
        return self._cached("trends", lambda: figures.trends(self.ids))

    def spread(self):
        # What the viewer may see of the resources: theirs alone.
        return self._cached(
            "spread", lambda: figures.spread(self.ids, viewer=self.viewer), self.viewer.pk
        )

    def headline(self, rows):
        since = timezone.now() - timedelta(days=90)
        return self._cached(
            "headline", lambda: figures.headline(rows, self.communities, since=since)
        )

    def programmes(self):
        networks = [network.pk for network in self.networks]
        return figures.programmes(self.viewer, networks=networks)

    def drawn(self, *, form, query):
        """{"form": the filter form, "figures": the headline, the communities table (a row
        per community, hundreds in a large network), the trends and the spread}, drawn as
        HTML once and kept with the figures they show. Both are safe strings: every value
        in them was escaped by the template that drew it."""
        parts = drawn_page_parts(query=query, networks=self.networks, viewer=self.viewer)
        return self._cached("page", lambda: self._draw(form, query), *parts)

    def _draw(self, form, query):
        rows = self.table()
        context = {
            "user": self.viewer,  # drawn without a request; the cache key names the viewer
            "rows": rows,
            "flags": figures.FLAGS,
            "query": query,
            "query_prefix": f"{query}&" if query else "",
            "headline": self.headline(rows),
            "trends": figures.trend_bars(self.trends()),
            "spread": self.spread(),
        }
        return {
            "form": form.render(),
            "figures": render_to_string("dashboard/figures.html", context),
        }
