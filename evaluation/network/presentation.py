"""The map as the page shows it: the figures then and now, the edges that changed, and the
spanners, named or counted (selectors.NetworkMap decided which names the viewer may see)."""

from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


def change_rows(found, changes=None):
    names = found.names
    if changes is None:
        changes = graph.changes(found.then, found.now)
    return [
        {
            "source": names[c.source],
            "target": names[c.target],
            "kind": graph.KIND_LABELS[c.kind],
            "directed": c.kind == graph.ADOPTIONS,
            "then": c.then,
            "now": c.now,
            "state": c.state,
        }
        for c in changes
    ]


STATES = {"added": "Added", "lost": "Lost", "kept": "Kept"}


def change_table_rows(rows):
    """The table of links' rows as HTML, as _changes.html's loop wrote them: thousands of
    rows on a large network, where the template language took seconds. Every piece of text
    is escaped; the rest is fixed markup and whole numbers."""
    cell = '<td class="nhsuk-table__cell">'
    number = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">'
    return mark_safe(  # noqa: S308  # nosec B308, B703
        "".join(
            f'<tr class="nhsuk-table__row">{cell}{escape(r["source"])}</td>'
            f"{cell}{escape(r['target'])}</td>{cell}{escape(r['kind'])}</td>"
            f"{number}{int(r['then'])}</td>{number}{int(r['now'])}</td>"
            f"{cell}{STATES[r['state']]}</td></tr>"
            for r in rows
        )
    )


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
    figures and the table of links, drawn once (evaluation/network/caching.py keeps it)."""
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
        "changes_table": render_to_string(
            "evaluation/network/_changes.html",
            {
                "changes": changes,
                "rows": change_table_rows(change_rows(found, changes)),
                "then_date": then_date,
            },
        ),
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


def context(found):
    return {**drawn(found), **spanners(found)}
