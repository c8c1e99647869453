"""Reads of value tags: a story's tags, and the evidence gap of a community or a network.

The gaps are counts only, each in a fixed number of queries whatever the number of stories:
a network's managers see how many stories of each community claim each cycle, never which."""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from communities.models import Community
from evaluation.value.models import CYCLE_HINTS, ValueTag

_COUNTS = {
    "evidenced": Count("pk", filter=~Q(evidence_kind="")),
    "unevidenced": Count("pk", filter=Q(evidence_kind="")),
}


BAR_X, BAR_WIDTH, BAR_STEP = 150, 300, 28


@dataclass
class CycleCount:
    cycle: str
    label: str
    hint: str
    evidenced: int = 0
    unevidenced: int = 0

    @property
    def total(self):
        return self.evidenced + self.unevidenced

    @property
    def short(self):
        return self.label.replace(" value", "").lower()


@dataclass
class Gap:
    cycles: list
    rows: list = field(default_factory=list)  # (community name, [CycleCount, ...]) per network

    @property
    def missing(self):
        """The cycles no story yet evidences, in the cycle's order: the gap itself."""
        return [c for c in self.cycles if not c.evidenced]

    @property
    def by_gap(self):
        """Every cycle, those with no evidence first."""
        return self.missing + [c for c in self.cycles if c.evidenced]

    @property
    def bars(self):
        """The chart's stacked bars, one per cycle, sized against the largest total."""
        scale = max([c.total for c in self.cycles] + [1])
        bars = []
        for i, c in enumerate(self.cycles):
            evidenced = round(BAR_WIDTH * c.evidenced / scale)
            bars.append(
                {
                    "count": c,
                    "y": i * BAR_STEP,
                    "text_y": i * BAR_STEP + 15,
                    "evidenced": evidenced,
                    "unevidenced": round(BAR_WIDTH * c.unevidenced / scale),
                    "unevidenced_x": BAR_X + evidenced,
                }
            )
        return bars

    @property
    def chart_height(self):
        return len(self.cycles) * BAR_STEP


def _empty_cycles():
    return [
        CycleCount(value, str(label), CYCLE_HINTS[value]) for value, label in ValueTag.Cycle.choices
    ]


def _add(cycles, counted):
    by_cycle = {c.cycle: c for c in cycles}
    for row in counted:
        by_cycle[row["cycle"]].evidenced += row["evidenced"]
        by_cycle[row["cycle"]].unevidenced += row["unevidenced"]
    return cycles


def story_tags(*, story):
    return list(story.value_tags.select_related("resource"))


def entry_tags(*, entry):
    return list(entry.value_tags.select_related("resource"))


def _story_tags_of(**lookup):
    return ValueTag.objects.filter(story__is_hidden=False, **lookup)


def community_gap(*, community):
    """Each cycle: how many of the community's stories claim it with and without evidence.
    Stories a convener hid are not counted."""
    counted = _story_tags_of(story__community=community).values("cycle").annotate(**_COUNTS)
    return Gap(cycles=_add(_empty_cycles(), counted))


def network_gap(*, network):
    """The network's gap: per cycle over every community (and the journal entries shared with
    its programme managers), and per community × cycle. Three queries."""
    names = dict(Community.objects.filter(network=network).values_list("pk", "name"))
    per_community = (
        _story_tags_of(story__community__network=network)
        .values("story__community", "cycle")
        .annotate(**_COUNTS)
    )
    journal = (
        ValueTag.objects.filter(
            journal_entry__shared_with_managers=True,
            journal_entry__application__programme__network=network,
        )
        .values("cycle")
        .annotate(**_COUNTS)
    )
    grouped = {pk: [] for pk in names}
    for row in per_community:
        grouped.setdefault(row["story__community"], []).append(row)
    totals = _add(_empty_cycles(), list(journal))
    rows = []
    for pk, name in sorted(names.items(), key=lambda item: item[1].lower()):
        cycles = _add(_empty_cycles(), grouped[pk])
        _add(totals, grouped[pk])
        rows.append((name, cycles))
    journal_row = _add(_empty_cycles(), journal)
    if any(c.total for c in journal_row):
        rows.append(("Leadership programme journals", journal_row))
    return Gap(cycles=totals, rows=rows)


CSV_HEADER = ["Where", "Cycle", "Stories with evidence", "Stories without evidence"]


def gap_csv_rows(*, gap, name):
    rows = gap.rows or [(name, gap.cycles)]
    return [[where, c.label, c.evidenced, c.unevidenced] for where, cycles in rows for c in cycles]
