"""The programme dashboard's figures, computed from the data with a fixed number of
grouped queries whatever the number of communities. One function per table, used by the
page and by its CSV export, so a figure has the same value everywhere.

Only aggregates and community metadata: no private content (no resource titles, no names
from member lists, no discussion titles) leaves here, except resource titles the viewer
may see anyway. Discussions are counted, never named: a safe-space discussion is counted
like any other (a count says nothing of what was written), a hidden one not at all.
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Region
from communities.models import Community, Membership, Network
from communities.selectors import active_memberships, community_figures, reach
from conveners.models import Application, LeadershipProgramme
from conveners.selectors import meetings_convened_counts, selection
from core.generations import current as current_generations
from core.generations import moved_on as generations_moved_on
from core.queries import filtered
from discussions.models import Discussion
from knowledge.models import Adoption, Resource
from meetings.models import ActionItem, Registration
from meetings.selectors import attendance, attended_count, meetings_held

# What counts as a member, a meeting held, attendance and reach is defined where the data
# lives (communities.selectors, meetings.selectors), and read from there by the reports for
# funders too (evaluation/report/figures.py).
ACTIVE = Membership.Status.ACTIVE
FLAGS = {
    "no_meeting": "No meeting for 60 days",
    "no_convener": "No active convener",
    "attendance_falling": "Attendance falling over the last three meetings",
    "requests_waiting": "Join requests waiting more than 14 days",
    "reviews_due": "Resources past their review date",
    "question_unanswered": "A question unanswered for 14 days or more",
}
# A question waiting this long for an answer flags its community.
UNANSWERED_FOR = timedelta(days=14)


# --- the cache's generations ----------------------------------------------------------------------
# The figures are aggregates over every membership, meeting and registration of a network:
# hundreds of milliseconds on a large one. They are kept in the cache (dashboard.selectors,
# `ProgrammeFigures`) under a key that holds a generation number for each of their networks;
# dashboard/signals.py moves a network's generation on whenever a row that feeds its figures
# is saved or deleted, so the next view computes afresh. Writes that bypass signals (bulk
# UPDATEs) are bounded by FIGURES_CACHE_SECONDS.


def cache_prefix():
    return getattr(settings, "FIGURES_CACHE_PREFIX", "figures")


def figures_changed(network_ids):
    """Forget the cached figures of these networks."""
    generations_moved_on(cache_prefix(), network_ids)


def generations(network_ids):
    """[(network id, its current generation), ...] in the order of `network_ids`."""
    return current_generations(cache_prefix(), network_ids)


def networks_for(user):
    if user.is_staff:
        return Network.objects.all()
    return Network.objects.filter(managers=user)


def communities_for(user, *, networks=None, network=None, region="", phase="", topic=""):
    """The active communities of the user's networks (`networks`: those networks, when
    already read), with the filters asked for, in name order."""
    if networks is None:
        networks = networks_for(user)
    qs = Community.objects.filter(network__in=networks, status=Community.Status.ACTIVE)
    qs = filtered(
        qs, network=network, regions__region=region, phase=phase, topics__name__iexact=topic
    )
    return (
        Community.objects.filter(pk__in=qs.values("pk")).select_related("network").order_by("name")
    )


def community_table(communities, *, now=None):
    """One row per community with its figures and health flags."""
    now = now or timezone.now()
    communities = list(communities)
    reads = _table_reads([c.pk for c in communities], now=now)
    return [_community_row(c, reads, now=now) for c in communities]


def _table_reads(ids, *, now):
    """The communities' figures, a grouped query each: {community_id: ...} per kind."""
    # Members and organisations as the community pages show them, kept by the services
    # (communities.selectors.community_figures): no COUNT(DISTINCT) over every member here.
    figures = community_figures(community_ids=ids)
    members = {
        r["community"]: r
        for r in Membership.objects.filter(community__in=ids)
        .values("community")
        .annotate(
            conveners=Count("pk", filter=Q(status=ACTIVE, role__in=Membership.LEADING_ROLES)),
            old_requests=Count(
                "pk",
                filter=Q(
                    status=Membership.Status.REQUESTED, requested_at__lt=now - timedelta(days=14)
                ),
            ),
            last_joined=Max("joined_at"),
        )
    }
    held = (
        meetings_held(community_ids=ids, since=now - timedelta(days=365), now=now)
        .annotate(attended=attended_count())
        .values("community", "ends_at", "capacity", "attended", "minutes__published_at")
        .order_by("community", "-ends_at")
    )
    meetings = defaultdict(list)  # newest first
    for m in held:
        meetings[m["community"]].append(m)
    actions = {
        r["community"]: r
        for r in ActionItem.objects.filter(community__in=ids)
        .values("community")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=ActionItem.Status.DONE)))
    }
    resources = {
        r["community"]: r
        for r in Resource.objects.filter(community__in=ids, status=Resource.Status.PUBLISHED)
        .values("community")
        .annotate(
            count=Count("pk"),
            reviews_due=Count("pk", filter=Q(review_date__lt=now.date())),
            last=Max("created_at"),
        )
    }
    adoptions = dict(
        Adoption.objects.filter(resource_community__in=ids)
        .elsewhere()
        .values("resource_community")
        .annotate(n=Count("pk"))
        .values_list("resource_community", "n")
    )
    unanswered = {
        r["community"]: r
        for r in unanswered_questions(Discussion.objects.filter(community__in=ids))
        .values("community")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
    }
    return {
        "figures": figures,
        "members": members,
        "meetings": meetings,
        "actions": actions,
        "resources": resources,
        "adoptions": adoptions,
        "unanswered": unanswered,
    }


def unanswered_questions(discussions):
    """Open questions that no reply answers yet: shown (not hidden by a convener), not
    closed, no answer chosen (as the community's "unanswered questions" list has it)."""
    return discussions.filter(
        kind=Discussion.Kind.QUESTION, is_hidden=False, is_closed=False, answer__isnull=True
    )


def _community_row(c, reads, *, now):
    m, a = reads["members"].get(c.pk, {}), reads["actions"].get(c.pk, {})
    r = reads["resources"].get(c.pk, {})
    questions = reads["unanswered"].get(c.pk, {})
    meetings = reads["meetings"].get(c.pk, [])
    recent = [x for x in meetings if x["ends_at"] >= now - timedelta(days=90)]
    capacity = sum(x["capacity"] for x in recent if x["capacity"])
    attended_with_capacity = sum(x["attended"] for x in recent if x["capacity"])
    on_time = sum(
        1
        for x in recent
        if x["minutes__published_at"]
        and x["minutes__published_at"] <= x["ends_at"] + timedelta(days=7)
    )
    last3 = [x["attended"] for x in meetings[:3]]
    last_meeting = meetings[0]["ends_at"] if meetings else None
    last_activity = max(
        [d for d in (last_meeting, r.get("last"), m.get("last_joined")) if d], default=None
    )
    flags = {
        "no_meeting": last_meeting is None or last_meeting < now - timedelta(days=60),
        "no_convener": not m.get("conveners"),
        # Oldest to newest, each lower than the one before.
        "attendance_falling": len(last3) == 3 and last3[2] > last3[1] > last3[0],
        "requests_waiting": bool(m.get("old_requests")),
        "reviews_due": bool(r.get("reviews_due")),
        "question_unanswered": bool(questions) and questions["oldest"] <= now - UNANSWERED_FOR,
    }
    return {
        "community": c,
        "network": c.network.name if c.network else "",
        "phase": c.get_phase_display(),
        "members": reads["figures"][c.pk]["member_count"],
        "organisations": reads["figures"][c.pk]["organisation_count"],
        "meetings_90": len(recent),
        "average_attendance": round(sum(x["attended"] for x in recent) / len(recent), 1)
        if recent
        else None,
        "attendance_vs_capacity": round(100 * attended_with_capacity / capacity)
        if capacity
        else None,
        "minutes_on_time": f"{on_time} of {len(recent)}" if recent else "",
        "actions_done": f"{a.get('done', 0)} of {a.get('total', 0)}",
        "resources": r.get("count", 0),
        "adoptions_elsewhere": reads["adoptions"].get(c.pk, 0),
        "unanswered_questions": questions.get("count", 0),
        "last_activity": last_activity,
        "flags": flags,
        "flag_count": sum(flags.values()),
    }


def headline(rows, communities_qs, *, since):
    ids = [row["community"].pk for row in rows]
    reached = active_memberships(community_ids=ids).aggregate(**reach())
    meetings = meetings_held(community_ids=ids, since=since)
    held = meetings.aggregate(n=Count("pk"))["n"]
    attended = sum(people.count() for people in attendance(meeting__in=meetings))
    phases = Counter(row["community"].get_phase_display() for row in rows)
    return {
        "communities": len(rows),
        "phases": [(p.label, phases.get(p.label, 0)) for p in Community.Phase],
        **reached,
        "meetings_held": held,
        "attendance": attended,
    }


def trends(ids, *, months=12, now=None):
    """Per month over the last 12 months: new members, meetings held, attendance,
    discussions started (not hidden), resources shared, adoptions."""
    now = now or timezone.now()
    # The first day of the month `months - 1` before this one: the months end with this one
    # (31 days a month back from early in a month landed in the month before the first).
    back = now.year * 12 + now.month - 1 - (months - 1)
    start = now.replace(
        year=back // 12, month=back % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
    )

    def per_month(qs, field, value="pk", count=True):
        data = (
            qs.filter(**{f"{field}__gte": start}).annotate(month=TruncMonth(field)).values("month")
        )
        data = data.annotate(n=Count(value) if count else Sum(value))
        return {
            row["month"].date().replace(day=1)
            if hasattr(row["month"], "date")
            else row["month"]: row["n"]
            for row in data
        }

    registrations, guests = attendance(meeting__community__in=ids)
    series = {
        "New members": per_month(active_memberships(community_ids=ids), "joined_at"),
        "Meetings held": per_month(meetings_held(community_ids=ids, now=now), "starts_at"),
        "Attendance": Counter(per_month(registrations, "meeting__starts_at"))
        + Counter(per_month(guests, "meeting__starts_at")),
        "Discussions started": per_month(
            Discussion.objects.filter(community__in=ids, is_hidden=False), "created_at"
        ),
        "Resources shared": per_month(
            Resource.objects.filter(community__in=ids, status="published"), "created_at"
        ),
        "Adoptions": per_month(Adoption.objects.filter(resource__community__in=ids), "created_at"),
    }
    labels = []
    month = start.date()
    for _ in range(months):
        labels.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [
        {"name": name, "points": [(m, values.get(m, 0)) for m in labels]}
        for name, values in series.items()
    ]


def trend_bars(series_list):
    """The trends with the bars of their charts: each month's height against the series' top."""
    result = []
    for series in series_list:
        top = max((v for _, v in series["points"]), default=0) or 1
        bars = []
        for index, (month, value) in enumerate(series["points"]):
            height = round(90 * value / top)
            bars.append(
                {
                    "month": month,
                    "value": value,
                    "x": index * 20 + 2,
                    "y": 100 - height,
                    "height": height,
                }
            )
        result.append({**series, "bars": bars})
    return result


def spread(ids, *, viewer):
    """Adoptions outside the community that made the resource. Titles only where the
    viewer may see the resource; otherwise a neutral description."""
    from knowledge.permissions import resources_visible_to

    adoptions = list(
        Adoption.objects.filter(resource_community__in=ids)
        .elsewhere()
        .select_related("resource", "resource__community", "organisation", "community")
        .order_by("-created_at")[:100]
    )
    visible = set(
        resources_visible_to(viewer)
        .filter(pk__in=[a.resource_id for a in adoptions])
        .values_list("pk", flat=True)
    )
    return [
        {
            "resource": a.resource.title
            if a.resource_id in visible
            else f"A members-only resource of {a.resource.community.name}",
            "resource_id": a.resource_id if a.resource_id in visible else None,
            "from": a.resource.community.name,
            # Who took it up: the organisation and the community, as far as either is known
            # (the community alone made rows of different organisations look the same).
            "to": ", ".join(
                name
                for name in (
                    a.organisation.name if a.organisation else "",
                    a.community.name if a.community else "",
                )
                if name
            ),
            "when": a.created_at,
        }
        for a in adoptions
    ]


def programmes(user, *, networks=None):
    """The leadership programmes of the user's networks (`networks`: when already read)."""
    if networks is None:
        networks = networks_for(user)
    result = []
    for programme in LeadershipProgramme.objects.filter(network__in=networks).select_related(
        "network"
    ):
        states = Counter(programme.applications.values_list("status", flat=True))
        participants = list(
            programme.applications.filter(status=Application.Status.ACCEPTED).select_related(
                "applicant"
            )
        )
        attended = Counter(
            Registration.objects.filter(
                meeting__programme_session__programme=programme, attended=True
            ).values_list("user_id", flat=True)
        )
        sessions = programme.sessions.count()
        convened = meetings_convened_counts(
            programme=programme, user_ids=[a.applicant_id for a in participants]
        )
        rows = [
            {
                "name": a.applicant.name,
                "sessions": f"{attended[a.applicant_id]} of {sessions}",
                "convened": convened.get(a.applicant_id, 0),
                "commitment": programme.meeting_commitment,
            }
            for a in participants
        ]
        result.append(
            {
                "programme": programme,
                "states": [(s.label, states.get(s.value, 0)) for s in Application.Status],
                "balance": selection(programme=programme),
                "participants": rows,
            }
        )
    return result


REGION_CHOICES = Region.choices
