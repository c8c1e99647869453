"""Reads of a report: the figures of the period (figures.py), the results of the surveys
that ran in it, the stories of value told in it, and a network's map, each through the
selector its own page uses, so that the report shows what those pages show.

Surveys: those the reader may read the results of (evaluation.surveys.permissions), sent to
the community (or in the network), opened before the period ended and not closed before it
began (the audit log dates the closing, as it dates memberships' ends for the map). The
newest SHOWN_SURVEYS are shown, each in the results page's fixed number of queries.

Stories: those told in the period that claim a value-creation cycle (evaluation.value),
counted by cycle with and without evidence; the reader sees the titles of those they may
open (knowledge.permissions) and the number of the others."""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q

from communities.models import Community
from core.models import AuditEntry
from evaluation.network import presentation
from evaluation.network import selectors as network_selectors
from evaluation.report.figures import period_figures
from evaluation.surveys import selectors as survey_selectors
from evaluation.surveys.models import Survey
from evaluation.surveys.permissions import surveys_owned_by
from evaluation.value.models import ValueTag
from evaluation.value.selectors import _COUNTS, Gap, _add, _empty_cycles, _story_tags_of
from knowledge.models import Story
from knowledge.permissions import stories_visible_to

SHOWN_SURVEYS = 5
SHOWN_STORIES = 30


@dataclass
class Report:
    """One report: a community's (`community`) or a network's (`network`, with a row of
    figures per community and the map)."""

    title: str
    period: object
    figures: dict
    surveys: list
    more_surveys: int
    value: dict
    community: object = None
    network: object = None
    rows: list = field(default_factory=list)
    map: dict | None = None


def community_report(*, community, viewer, period):
    figures = period_figures([community], period=period)
    surveys, more = surveys_in_period(
        viewer=viewer, period=period, surveys=Survey.objects.filter(communities=community)
    )
    for survey in surveys:  # the community's own line beside the whole audience's
        survey["own"] = next(
            (
                row
                for row in survey["results"]["communities"]["rows"]
                if row["community"].pk == community.pk
            ),
            None,
        )
    return Report(
        title=community.name,
        period=period,
        figures=figures["total"],
        surveys=surveys,
        more_surveys=more,
        value=value_in_period(viewer=viewer, period=period, communities=[community]),
        community=community,
        network=community.network,
    )


def network_communities(*, network, period):
    """The network's communities that existed in the period: created before it ended, and
    active or archived after it began."""
    return list(
        Community.objects.filter(network=network, created_at__lt=period.ends_at)
        .filter(Q(status=Community.Status.ACTIVE) | Q(archived_at__gte=period.starts_at))
        .order_by("name")
    )


def network_report(*, network, viewer, period):
    communities = network_communities(network=network, period=period)
    figures = period_figures(communities, period=period)
    surveys, more = surveys_in_period(
        viewer=viewer, period=period, surveys=Survey.objects.filter(network=network)
    )
    return Report(
        title=network.name,
        period=period,
        figures=figures["total"],
        rows=figures["rows"],
        surveys=surveys,
        more_surveys=more,
        value=value_in_period(
            viewer=viewer, period=period, communities=communities, network=network
        ),
        network=network,
        map=network_map(network=network, viewer=viewer),
    )


def surveys_in_period(*, viewer, period, surveys):
    """([{"survey", "results"}, ...] of the newest SHOWN_SURVEYS of `surveys` that ran in
    the period and whose results the viewer reads, how many more there are)."""
    candidates = list(
        surveys.filter(pk__in=surveys_owned_by(viewer).values("pk"))
        .exclude(status=Survey.Status.DRAFT)
        .filter(opened_at__lt=period.ends_at)
        .select_related("network", "baseline")
        .order_by("-opened_at", "-pk")
    )
    closed_before = set(
        AuditEntry.objects.filter(
            action="survey.close",
            target_type=ContentType.objects.get_for_model(Survey),
            target_id__in=[str(s.pk) for s in candidates],
            created_at__lt=period.starts_at,
        ).values_list("target_id", flat=True)
    )
    ran = [s for s in candidates if str(s.pk) not in closed_before]
    shown = [
        {"survey": s, "results": survey_selectors.results(survey=s)} for s in ran[:SHOWN_SURVEYS]
    ]
    return shown, max(len(ran) - SHOWN_SURVEYS, 0)


def value_in_period(*, viewer, period, communities, network=None):
    """The stories told in the period: how many claim each cycle, with and without
    evidence (for a network, with the journal entries shared with its managers, as its
    evidence gap counts them); the titles the viewer may open; how many were told."""
    ids = [community.pk for community in communities]
    told = {"created_at__gte": period.starts_at, "created_at__lt": period.ends_at}
    tags = _story_tags_of(story__community__in=ids, **{f"story__{k}": v for k, v in told.items()})
    cycles = _add(_empty_cycles(), tags.values("cycle").annotate(**_COUNTS).order_by())
    if network is not None:
        journal = ValueTag.objects.filter(
            journal_entry__shared_with_managers=True,
            journal_entry__application__programme__network=network,
            **{f"journal_entry__{k}": v for k, v in told.items()},
        )
        _add(cycles, journal.values("cycle").annotate(**_COUNTS).order_by())
    counts = Story.objects.filter(community__in=ids, is_hidden=False, **told).aggregate(
        told=Count("pk"), tagged=Count("pk", filter=Q(pk__in=tags.values("story_id")))
    )
    named = list(
        stories_visible_to(viewer)
        .filter(pk__in=tags.values("story_id"))
        .select_related("community")
        .prefetch_related("value_tags")
        .order_by("-created_at", "-pk")[:SHOWN_STORIES]
    )
    return {
        "gap": Gap(cycles=cycles),
        "told": counts["told"],
        "tagged": counts["tagged"],
        "stories": named,
        "unnamed": counts["tagged"] - len(named),
        "limit": SHOWN_STORIES,
    }


def network_map(*, network, viewer):
    """The network's map today and its figures a year ago, as its own page draws them."""
    drawn = presentation.context(network_selectors.network_map(network=network, viewer=viewer))
    return {key: drawn[key] for key in ("svg", "nodes", "summary", "then_date")}
