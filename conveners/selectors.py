from collections import Counter

from django.db.models import Prefetch

from communities.models import Membership, Network
from conveners.models import Application, JournalEntry, LeadershipProgramme, Review
from core.queries import filtered
from meetings.models import Meeting, Registration

POOL = [
    s
    for s in Application.Status
    if s not in (Application.Status.DRAFT, Application.Status.WITHDRAWN)
]
COHORT = [Application.Status.OFFERED, Application.Status.ACCEPTED]


def application_list(*, programme, status="", region="", profession=None, sort="submitted"):
    qs = (
        programme.applications.exclude(status=Application.Status.DRAFT)
        .select_related("applicant", "profession", "organisation", "community")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.all()))
    )
    qs = filtered(qs, status=status, region=region, profession=profession)
    applications = list(qs.order_by("submitted_at", "pk"))
    for a in applications:
        totals = [r.total for r in a.reviews.all()]
        a.average_score = round(sum(totals) / len(totals), 1) if totals else None
        a.review_count = len(totals)
    if sort == "score":
        applications.sort(key=lambda a: (a.average_score is None, -(a.average_score or 0)))
    return applications


def _breakdown(applications, key, label):
    pool = Counter(key(a) for a in applications)
    cohort = Counter(key(a) for a in applications if a.status in COHORT)
    total = sum(cohort.values())
    rows = []
    for value in sorted(set(pool) | set(cohort), key=lambda v: (-(cohort[v]), str(v))):
        share = round(100 * cohort[value] / total) if total else 0
        rows.append(
            {
                "value": value or "Not given",
                "pool": pool[value],
                "cohort": cohort[value],
                "share": share,
            }
        )
    return {"label": label, "rows": rows}


def selection(*, programme):
    applications = list(
        programme.applications.filter(status__in=POOL).select_related("profession", "organisation")
    )
    breakdowns = [
        _breakdown(applications, lambda a: a.get_region_display() if a.region else "", "Region"),
        _breakdown(applications, lambda a: a.profession.name if a.profession else "", "Profession"),
        _breakdown(
            applications,
            lambda a: a.organisation.get_kind_display() if a.organisation else "",
            "Organisation kind",
        ),
    ]
    cohort_size = sum(1 for a in applications if a.status in COHORT)
    warnings = [
        f"{row['value']} takes {row['share']}% of the cohort ({row['cohort']} of {cohort_size}), more than {programme.balance_threshold}%"
        for b in breakdowns[:2]
        for row in b["rows"]
        if cohort_size and row["share"] > programme.balance_threshold
    ]
    return {
        "breakdowns": breakdowns,
        "warnings": warnings,
        "cohort_count": cohort_size,
        "pool_count": len(applications),
    }


def meetings_convened(*, application):
    """Face-to-face meetings held by communities the participant convenes, within the
    programme's dates: counted from the meetings, never typed in."""
    from django.utils import timezone

    programme = application.programme
    convened = Membership.objects.filter(
        user=application.applicant,
        status=Membership.Status.ACTIVE,
        role__in=Membership.LEADING_ROLES,
    ).values("community")
    return Meeting.objects.filter(
        community__in=convened,
        status=Meeting.Status.SCHEDULED,
        format__in=[Meeting.Format.IN_PERSON, Meeting.Format.HYBRID],
        starts_at__date__gte=programme.starts_on,
        starts_at__date__lte=programme.ends_on,
        ends_at__lte=timezone.now(),
    ).order_by("starts_at")


def meetings_convened_counts(*, programme, user_ids):
    """{user_id: face-to-face meetings convened} for many participants in one query; the
    same rule as meetings_convened."""
    from django.db.models import Count
    from django.utils import timezone

    rows = (
        Meeting.objects.filter(
            community__memberships__user__in=user_ids,
            community__memberships__status=Membership.Status.ACTIVE,
            community__memberships__role__in=Membership.LEADING_ROLES,
            status=Meeting.Status.SCHEDULED,
            format__in=[Meeting.Format.IN_PERSON, Meeting.Format.HYBRID],
            starts_at__date__gte=programme.starts_on,
            starts_at__date__lte=programme.ends_on,
            ends_at__lte=timezone.now(),
        )
        .values("community__memberships__user")
        .annotate(n=Count("pk", distinct=True))
    )
    return {r["community__memberships__user"]: r["n"] for r in rows}


def participant_sessions(*, application):
    sessions = list(application.programme.sessions.select_related("meeting"))
    attended = dict(
        Registration.objects.filter(
            meeting__programme_session__programme=application.programme, user=application.applicant
        ).values_list("meeting_id", "attended")
    )
    for s in sessions:
        s.attended = attended.get(s.meeting_id)
    return sessions


def participants(*, programme):
    apps = list(
        programme.applications.filter(status=Application.Status.ACCEPTED).select_related(
            "applicant", "community"
        )
    )
    sessions = programme.sessions.count()
    attended = Counter(
        Registration.objects.filter(
            meeting__programme_session__programme=programme, attended=True
        ).values_list("user_id", flat=True)
    )
    for a in apps:
        a.sessions_attended, a.sessions_total = attended[a.applicant_id], sessions
    return apps


def programme_list(*, user):
    """Every programme, latest closing first, each with this person's application (or None)
    as `my_application`."""
    programmes = list(
        LeadershipProgramme.objects.select_related("network").order_by("-applications_close")
    )
    mine = {a.programme_id: a for a in Application.objects.filter(applicant=user)}
    for programme in programmes:
        programme.my_application = mine.get(programme.pk)
    return programmes


def programmes_managed_by(*, user):
    return LeadershipProgramme.objects.filter(network__managers=user).select_related("network")


def networks_to_run_programmes(*, user):
    """The networks this person may create a programme in: those they manage (staff: all)."""
    return Network.objects.all() if user.is_staff else user.managed_networks.all()


def programme_sessions(*, programme):
    return programme.sessions.select_related("meeting")


def own_review(*, application, user):
    return application.reviews.filter(reviewer=user).first()


def others_reviews(*, application, user):
    return application.reviews.exclude(reviewer=user).select_related("reviewer")


def journal_entry_get(*, application, pk):
    """An entry of this participant's own journal, or None."""
    return application.journal.filter(pk=pk).first()


def shared_journal(*, programme):
    """The entries the programme's participants shared with its managers."""
    shared = JournalEntry.objects.filter(
        application__programme=programme, shared_with_managers=True
    )
    return shared.select_related("application__applicant")
