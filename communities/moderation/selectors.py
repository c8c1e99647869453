"""What the conveners' queue reads: open reports with the content they are about, loaded in
one query per kind of content (not per report)."""

from collections import defaultdict

from communities.models import Report
from communities.moderation.registry import KINDS
from communities.selectors import community_leaders


def community_moderators(community):
    """Who is told of a report on a community's content: its active conveners (a kind's
    `moderators`)."""
    return [m.user for m in community_leaders(community=community) if m.user.is_active]


def open_reports(*, community, limit=200):
    """The community's open reports, oldest first, each with `.target` (the content, or None
    when it no longer exists) and, when it exists, its `.label`, `.title`, `.url` and
    `.hide_url` as its kind declares them."""
    reports = list(
        Report.objects.filter(community=community, resolved_at__isnull=True)
        .select_related("reporter")
        .order_by("created_at", "pk")[:limit]
    )
    wanted = defaultdict(set)
    for report in reports:
        wanted[report.kind].add(report.object_id)
    found = {}
    for key, ids in wanted.items():
        kind = KINDS.get(key)
        if kind is None:
            continue
        objects = kind.model.objects.select_related(*kind.select_related).in_bulk(ids)
        found.update({(key, pk): obj for pk, obj in objects.items()})
    for report in reports:
        report.target = found.get((report.kind, report.object_id))
        if report.target is not None:
            kind = KINDS[report.kind]
            report.label = kind.label
            report.title = kind.title(report.target)
            report.url = kind.url(report.target)
            report.hide_url = kind.hide_url(report.target)
    return reports


def open_report_count(*, community):
    return Report.objects.filter(community=community, resolved_at__isnull=True).count()
