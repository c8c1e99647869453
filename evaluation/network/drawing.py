"""The map drawn as an accessible SVG, on the server: communities on a circle in name order
(the same picture for the same figures, whatever the order of the rows), edges as lines
(shared members solid, shared organisations dashed) and adoptions as arrows on a curve. The
SVG has a title and a description; every node and edge has its own title; the page puts the
same figures in a table beside it."""

import math
from itertools import groupby

from django.utils.html import escape
from django.utils.safestring import mark_safe

from evaluation.network import graph

WIDTH, HEIGHT = 720, 600
CX, CY, RADIUS = WIDTH / 2, HEIGHT / 2, 200
# Each kind of edge's look, written once on a group of its edges (every one of these is an
# inherited property, so each line and curve in the group draws with it): thousands of edges
# on a large network need not repeat it. EDGES is what every edge shares.
EDGES = 'fill="none" stroke-opacity="0.7"'
STYLE = {
    graph.PEOPLE: 'stroke="#005eb8"',
    graph.ORGANISATIONS: 'stroke="#4c6272" stroke-dasharray="6 4"',
    graph.ADOPTIONS: 'stroke="#007f3b" marker-end="url(#{key}-arrow)"',
}
LABEL_CHARS = 26


def positions(nodes):
    """Each node's place: evenly on a circle, the first at the top, clockwise."""
    count = max(len(nodes), 1)
    return {
        node.id: (
            CX + RADIUS * math.sin(2 * math.pi * i / count),
            CY - RADIUS * math.cos(2 * math.pi * i / count),
        )
        for i, node in enumerate(nodes)
    }


def svg(snapshot, *, title, description, key="map"):
    """The map; `key` starts the ids inside it, so that two maps can share a page."""
    place = positions(snapshot.nodes)
    names = {node.id: node.name for node in snapshot.nodes}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-labelledby="{key}-title {key}-desc" class="app-network-map" focusable="false">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(description)}</desc>',
        f'<defs><marker id="{key}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10"'
        ' markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"'
        ' fill="#007f3b"/></marker></defs>',
    ]
    parts.append(f"<g {EDGES}>")
    # In the order of the edges (by kind: graph.build), a group for each run of one kind.
    for kind, edges in groupby(snapshot.edges, key=lambda edge: edge.kind):
        parts.append(f"<g {STYLE[kind].format(key=key)}>")
        parts += [_edge(edge, place, names) for edge in edges]
        parts.append("</g>")
    parts.append("</g>")
    parts += [_node(node, place[node.id]) for node in snapshot.nodes]
    parts.append("</svg>")
    # Every piece of text above is escaped; the rest is fixed markup and numbers.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308, B703


def _edge(edge, place, names):
    (x1, y1), (x2, y2) = place[edge.source], place[edge.target]
    width = 1 + min(edge.weight, 8)
    label = (
        f"{names[edge.source]} – {names[edge.target]}: "
        f"{graph.KIND_LABELS[edge.kind].lower()} {edge.weight}"
    )
    if edge.directed:
        # A curve bent to the side, so that an adoption does not hide the line of shared
        # members between the same two communities; stop short of the node for the arrow.
        mx, my = (x1 + x2) / 2 + (y2 - y1) * 0.15, (y1 + y2) / 2 - (x2 - x1) * 0.15
        dx, dy = x2 - mx, y2 - my
        length = math.hypot(dx, dy) or 1
        ex, ey = x2 - dx / length * 14, y2 - dy / length * 14
        shape = f'<path d="M{x1:.1f} {y1:.1f}Q{mx:.1f} {my:.1f} {ex:.1f} {ey:.1f}"'
    else:
        # Shared members a little to one side, shared organisations to the other, so that
        # neither hides the other between the same two communities.
        length = math.hypot(x2 - x1, y2 - y1) or 1
        side = 3 if edge.kind == graph.PEOPLE else -3
        ox, oy = -(y2 - y1) / length * side, (x2 - x1) / length * side
        x1, y1, x2, y2 = x1 + ox, y1 + oy, x2 + ox, y2 + oy
        shape = f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
    return f'<g><title>{escape(label)}</title>{shape} stroke-width="{width}"/></g>'


def _node(node, point):
    x, y = point
    r = 6 + min(math.sqrt(node.members) * 2, 18)
    name = node.name if len(node.name) <= LABEL_CHARS else node.name[: LABEL_CHARS - 1] + "…"
    anchor = "middle" if abs(x - CX) < 1 else ("start" if x > CX else "end")
    lx = x + (r + 4 if anchor == "start" else -(r + 4) if anchor == "end" else 0)
    ly = y + (4 if anchor != "middle" else (-(r + 6) if y < CY else r + 14))
    private = " (private)" if node.private else ""
    return (
        f"<g><title>{escape(node.name)}{private}: {node.members} active members</title>"
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{"#ffffff" if node.private else "#d8dde0"}"'
        f' stroke="#212b32" stroke-width="2"/>'
        f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="13"'
        f' fill="#212b32">{escape(name)}</text></g>'
    )
