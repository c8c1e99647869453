"""The map as the page shows it: the figures then and now, the edges that changed, and the
spanners, named or counted (selectors.NetworkMap decided which names the viewer may see)."""

from typing import NamedTuple

from django.core.paginator import Paginator
from django.utils.formats import date_format

from evaluation.network import drawing, graph

SHOWN_SPANNERS = 25  # the top of each list; the rest are counted


def summary(found):
    then, now = found.then, found.now
    rows = [
        ("Communities", len(then.nodes), len(now.nodes)),
        (
            "Active memberships",
            sum(n.members for n in then.nodes),
            sum(n.members for n in now.nodes),
        ),
    ]
    rows += [
        (f"Links: {graph.KIND_LABELS[k].lower()}", then.count(k), now.count(k)) for k in graph.KINDS
    ]
    rows += [
        (
            "People who alone link communities",
            len(then.spanners_of("person")),
            len(now.spanners_of("person")),
        ),
        (
            "Organisations that alone link communities",
            len(then.spanners_of("organisation")),
            len(now.spanners_of("organisation")),
        ),
    ]
    return rows


class LinkRow(NamedTuple):
    """One row of the table of links: the two communities' names, the kind of link, its
    weight a year ago and now, and what became of it."""

    source: str
    target: str
    kind: str
    then: int
    now: int
    change: str


STATES = {"added": "Added", "lost": "Lost", "kept": "Kept"}
LINKS_PER_PAGE = 50  # rows of the table of links on one page


def change_rows(found, changes=None):
    """Every row of the table of links, in the order of graph.changes. Plain tuples of
    shared strings: thousands of them stay small in the cache."""
    names = found.names
    if changes is None:
        changes = graph.changes(found.then, found.now)
    return [
        LinkRow(
            names[c.source],
            names[c.target],
            graph.KIND_LABELS[c.kind],
            c.then,
            c.now,
            STATES[c.state],
        )
        for c in changes
    ]


def spanner_list(found, snapshot, kind):
    """The named spanners of one kind (the first SHOWN_SPANNERS), how many more are named, and
    how many the viewer may not know."""
    named, hidden = [], 0
    for spanner in snapshot.spanners_of(kind):
        name = found.name_of(spanner)
        if not name:
            hidden += 1
            continue
        named.append((name, spanner))
    return {
        "named": [
            {
                "name": name,
                "communities": len(spanner.communities),
                "pairs_alone": spanner.pairs_alone,
                "community_names": sorted(found.names[i] for i in spanner.communities),
            }
            for name, spanner in named[:SHOWN_SPANNERS]
        ],
        "more": max(len(named) - SHOWN_SPANNERS, 0),
        "hidden": hidden,
    }


def drawn(found):
    """What the page shows of the map that is the same for every viewer: the drawings, the
    figures and every row of the table of links, made once (evaluation/network/caching.py
    keeps them; the page shows one page of the rows at a time)."""
    now, then = found.now, found.then
    description = (
        f"{len(now.nodes)} communities; {now.count(graph.PEOPLE)} pairs share members, "
        f"{now.count(graph.ORGANISATIONS)} share organisations, {now.count(graph.ADOPTIONS)} "
        "adoption links. The table beside the map gives every figure."
    )
    changes = graph.changes(then, now)
    then_date = date_format(found.then_at, "j F Y")
    return {
        "then_date": then_date,
        "svg": drawing.svg(now, title=f"Map of {found.network.name} now", description=description),
        "svg_then": drawing.svg(
            then,
            title=f"Map of {found.network.name} a year ago",
            key="map-then",
            description=f"{len(then.nodes)} communities a year ago; the table gives every figure.",
        ),
        "nodes": now.nodes,
        "summary": summary(found),
        "links": change_rows(found, changes),
        "added": sum(1 for c in changes if c.state == "added"),
        "lost": sum(1 for c in changes if c.state == "lost"),
    }


def spanners(found):
    """The spanners as this viewer may see them (found: selectors.named_for)."""
    return {
        "network": found.network,
        "people_now": spanner_list(found, found.now, "person"),
        "people_then": spanner_list(found, found.then, "person"),
        "organisations_now": spanner_list(found, found.now, "organisation"),
        "organisations_then": spanner_list(found, found.then, "organisation"),
    }


def links_page(drawn, number):
    """The page `number` (as the query string gave it) of the table of links: the first
    page for one that is not a number, the last for one beyond it, as elsewhere."""
    return Paginator(drawn["links"], LINKS_PER_PAGE).get_page(number)


def context(found):
    return {**drawn(found), **spanners(found)}
