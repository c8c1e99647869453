"""The map for evaluators, in files NetworkX and Gephi open: GraphML (communities as nodes
with their name, whether private and their active members; edges with kind and weight) and a
CSV edge list (source, target, kind, weight). Community names are metadata a programme
manager may see; no person is named in either file."""

# Only to write GraphML: nothing here parses XML from outside.
from xml.etree import ElementTree as ET  # nosec B405

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
KEYS = [  # (id, for, name, type)
    ("d0", "node", "name", "string"),
    ("d1", "node", "private", "boolean"),
    ("d2", "node", "members", "int"),
    ("d3", "edge", "kind", "string"),
    ("d4", "edge", "weight", "int"),
]


def graphml(snapshot, *, network_name):
    """One directed multigraph: an adoption runs from the community whose resource it was to
    the community that adopted it; a shared-members or shared-organisations edge is written
    once, from the lower id to the higher (its direction means nothing). GraphML allows one
    default direction per graph, and NetworkX refuses a graph that mixes them."""
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    for key, owner, name, kind in KEYS:
        ET.SubElement(
            root,
            f"{{{GRAPHML_NS}}}key",
            {"id": key, "for": owner, "attr.name": name, "attr.type": kind},
        )
    g = ET.SubElement(
        root, f"{{{GRAPHML_NS}}}graph", {"id": network_name, "edgedefault": "directed"}
    )
    for node in snapshot.nodes:
        element = ET.SubElement(g, f"{{{GRAPHML_NS}}}node", {"id": f"c{node.id}"})
        _data(element, "d0", node.name)
        _data(element, "d1", "true" if node.private else "false")
        _data(element, "d2", str(node.members))
    for i, edge in enumerate(snapshot.edges):
        element = ET.SubElement(
            g,
            f"{{{GRAPHML_NS}}}edge",
            {"id": f"e{i}", "source": f"c{edge.source}", "target": f"c{edge.target}"},
        )
        _data(element, "d3", edge.kind)
        _data(element, "d4", str(edge.weight))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _data(element, key, text):
    ET.SubElement(element, f"{{{GRAPHML_NS}}}data", {"key": key}).text = text


CSV_HEADER = ["source", "target", "kind", "weight"]


def edge_rows(snapshot):
    """The rows of the CSV edge list (written by core.http.table_download, formula-safe)."""
    names = {node.id: node.name for node in snapshot.nodes}
    return [[names[e.source], names[e.target], e.kind, e.weight] for e in snapshot.edges]
