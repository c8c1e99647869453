"""The map itself, computed from plain rows (no database here): communities are the nodes;
the edges are the people and the organisations present in two communities (undirected,
weight = how many) and the resources one community adopted from another (directed, weight =
how many adoptions). A spanner is a person or organisation that alone links at least one pair
of communities: without them, those two would share nobody."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

PEOPLE = "shared_people"
ORGANISATIONS = "shared_organisations"
ADOPTIONS = "adoption"
KINDS = (PEOPLE, ORGANISATIONS, ADOPTIONS)
KIND_LABELS = {
    PEOPLE: "Shared members",
    ORGANISATIONS: "Shared organisations",
    ADOPTIONS: "Resources adopted",
}


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    private: bool
    members: int


@dataclass(frozen=True)
class Edge:
    source: int
    target: int
    kind: str
    weight: int

    @property
    def key(self):
        return (self.source, self.target, self.kind)

    @property
    def directed(self):
        return self.kind == ADOPTIONS


@dataclass(frozen=True)
class Spanner:
    """A person ("person") or an organisation ("organisation") in two or more communities,
    `pairs_alone` of whose pairs nobody else links."""

    kind: str
    key: int
    communities: tuple
    pairs_alone: int


@dataclass
class Snapshot:
    nodes: list
    edges: list
    spanners: list

    def edge_map(self):
        return {edge.key: edge for edge in self.edges}

    def count(self, kind):
        return sum(1 for edge in self.edges if edge.kind == kind)

    def spanners_of(self, kind):
        return [s for s in self.spanners if s.kind == kind]


def build(*, communities, memberships, adoptions):
    """The map of one moment. `communities`: (id, name, private) of the communities that
    existed; `memberships`: (community id, person id, organisation id or None) active then;
    `adoptions`: (source community id, adopting community id, how many) made by then."""
    ids = {c[0] for c in communities}
    people, organisations, members = defaultdict(set), defaultdict(set), Counter()
    for community_id, person_id, organisation_id in memberships:
        if community_id not in ids:
            continue
        people[person_id].add(community_id)
        members[community_id] += 1
        if organisation_id is not None:
            organisations[organisation_id].add(community_id)
    person_pairs, person_spanners = _links("person", people)
    org_pairs, org_spanners = _links("organisation", organisations)
    adopted = {(s, t): n for s, t, n in adoptions if n and s != t and s in ids and t in ids}
    edges = (
        [Edge(a, b, PEOPLE, n) for (a, b), n in person_pairs.items()]
        + [Edge(a, b, ORGANISATIONS, n) for (a, b), n in org_pairs.items()]
        + [Edge(s, t, ADOPTIONS, n) for (s, t), n in adopted.items()]
    )
    edges.sort(key=lambda e: (KINDS.index(e.kind), e.source, e.target))
    nodes = [Node(i, name, private, members[i]) for i, name, private in communities]
    nodes.sort(key=lambda n: (n.name.lower(), n.id))
    return Snapshot(nodes=nodes, edges=edges, spanners=person_spanners + org_spanners)


def _links(kind, holders):
    """How many holders each pair of communities shares, and the holders who alone link at
    least one pair, most such pairs first."""
    # A holder in one community links none: most people are, and are passed over.
    linking = {key: sorted(c) for key, c in holders.items() if len(c) > 1}
    pairs, holder = Counter(), {}  # holder: the last holder of each pair, the only one of some
    for key, communities in linking.items():
        pairs.update(combinations(communities, 2))
        holder.update(dict.fromkeys(combinations(communities, 2), key))
    alone = Counter(holder[pair] for pair, n in pairs.items() if n == 1)
    spanners = [Spanner(kind, key, tuple(linking[key]), n) for key, n in alone.items()]
    spanners.sort(key=lambda s: (-s.pairs_alone, -len(s.communities), s.key))
    return pairs, spanners


@dataclass(frozen=True)
class Change:
    """One edge a year ago and now (weight 0: not there)."""

    source: int
    target: int
    kind: str
    then: int
    now: int

    @property
    def state(self):
        if not self.then:
            return "added"
        if not self.now:
            return "lost"
        return "kept"


def changes(then, now):
    """Every edge of either moment, with its weight then and now."""
    before, after = then.edge_map(), now.edge_map()
    keys = sorted(set(before) | set(after), key=lambda k: (KINDS.index(k[2]), k[0], k[1]))
    return [
        Change(
            k[0],
            k[1],
            k[2],
            before[k].weight if k in before else 0,
            after[k].weight if k in after else 0,
        )
        for k in keys
    ]
