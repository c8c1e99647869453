"""A community's or a network's figures over a period, counted as the programme dashboard
counts them (dashboard/figures.py): what counts as a member, a meeting held, attendance and
reach is defined once, where the data lives (communities.selectors, meetings.selectors),
and both read it from there; these are the dashboard's figures with a period's two ends.
tests/evaluation/test_report_figures.py proves that both give the same numbers for the
same period.

- Members: active members who had joined by the end of the period (the membership's
  creation where it has no date of joining). People who have left since are not counted:
  the dashboard counts today's members, and for a period ending today both are the same.
  New members: those of them who were in none of the communities before the period (in
  one community, the memberships that started in the period, which the dashboard's trends
  count month by month).
- Organisations, professions and regions reached: distinct among those members.
- Meetings held: meetings not cancelled that ended in the period, and by now.
- Attendance: registrations marked attended (walk-ins included) and guests no account has
  claimed (README, "How attendance is counted"). Registered: registrations made before the
  meeting and kept (not walk-ins, not waiting, not cancelled).
- Actions: those agreed at the meetings held in the period, done and still open.

Aggregates only: nobody is named here. Six grouped queries for any number of communities.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from communities.selectors import active_memberships, reach
from meetings.models import ActionItem, Registration
from meetings.selectors import CAME, attendance, meetings_held

REACH = ("members", "organisations", "professions", "regions")
SUMMED = ("meetings", "registered", "attended", "actions", "actions_done")


@dataclass(frozen=True)
class Period:
    """From the first day to the last, both included, in the viewer's time zone."""

    start: date
    end: date

    @property
    def starts_at(self):
        return _midnight(self.start)

    @property
    def ends_at(self):
        """The first moment after the period: midnight at the end of its last day."""
        return _midnight(self.end + timedelta(days=1))


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _reach(period):
    return {
        **reach(),
        "members_before": Count("user", distinct=True, filter=Q(started__lt=period.starts_at)),
    }


def _grouped(queryset, key, **counts):
    """{the value of `key`: {name: count}} of one grouped query."""
    rows = queryset.values(key).annotate(**counts).order_by()
    return {row[key]: row for row in rows}


def period_figures(communities, *, period, now=None):
    """{"total": the figures of all these communities together (a person in two of them
    counted once), "rows": [the figures of each, with its community], in their order}."""
    now = now or timezone.now()
    ids = [community.pk for community in communities]
    members = active_memberships(community_ids=ids).alias(
        started=Coalesce("joined_at", "created_at")
    )
    members = members.filter(started__lt=period.ends_at)
    held = meetings_held(community_ids=ids, since=period.starts_at, before=period.ends_at, now=now)
    _, guests = attendance(meeting__in=held)
    reads = {
        "members": _grouped(members, "community", **_reach(period)),
        "meetings": _grouped(held, "community", meetings=Count("pk")),
        "registrations": _grouped(
            Registration.objects.filter(meeting__in=held),
            "meeting__community",
            registered=Count("pk", filter=Q(status=Registration.Status.REGISTERED, walk_in=False)),
            # The registrations that count as attendance, read with the others.
            attended=Count("pk", filter=CAME),
        ),
        "guests": _grouped(guests, "meeting__community", guests=Count("pk")),
        "actions": _grouped(
            ActionItem.objects.filter(meeting__in=held),
            "community",
            actions=Count("pk"),
            actions_done=Count("pk", filter=Q(status=ActionItem.Status.DONE)),
        ),
    }
    rows = [_row(community, reads) for community in communities]
    total = members.aggregate(**_reach(period))
    total["new_members"] = total["members"] - total.pop("members_before")
    total.update({name: sum(row[name] for row in rows) for name in SUMMED})
    total["actions_open"] = total["actions"] - total["actions_done"]
    return {"total": total, "rows": rows}


def _row(community, reads):
    def read(kind, name, key=community.pk):
        return reads[kind].get(key, {}).get(name, 0)

    row = {"community": community}
    row.update({name: read("members", name) for name in REACH})
    row["new_members"] = row["members"] - read("members", "members_before")
    row["meetings"] = read("meetings", "meetings")
    row["registered"] = read("registrations", "registered")
    row["attended"] = read("registrations", "attended") + read("guests", "guests")
    row["actions"] = read("actions", "actions")
    row["actions_done"] = read("actions", "actions_done")
    row["actions_open"] = row["actions"] - row["actions_done"]
    return row
