"""The network map on a world small enough to check by hand.

Network "Mapped": A (public), B (listed), C (private), D (public). Two years ago all four
existed. People (organisation in brackets):
  p1 [X] A, B since two years;  p2 [Y] A since two years, B since today;
  p3 [X] B, C since today;      p4 [Y] A, D since today;
  p5 [Z] A, D since two years, left six months ago;
  p6 [none] C, D since two years, removed six months ago.
Adoptions: C adopted a resource of A today; D adopted one of B two years ago.
"""

import csv
import io
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Membership
from communities.services import membership_leave, membership_remove
from evaluation.network import graph, presentation, selectors
from knowledge.models import Adoption
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    OrganisationFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def _world():
    network = NetworkFactory(name="Mapped", slug="mapped")
    network.manager = UserFactory(name="Mona Manager")
    network.managers.add(network.manager)
    long_ago = timezone.now() - timedelta(days=730)
    made, conveners = {}, {}
    for key, visibility in (("A", "public"), ("B", "listed"), ("C", "private"), ("D", "public")):
        made[key] = CommunityFactory(network=network, name=f"Group {key}", visibility=visibility)
        conveners[key] = MembershipFactory(
            community=made[key], role="convener", joined_at=long_ago
        ).user
    Community.objects.filter(network=network).update(created_at=long_ago)
    orgs = {k: OrganisationFactory(name=f"Org {k}") for k in "XYZ"}
    plan = {
        "p1": ("X", {"A": long_ago, "B": long_ago}),
        "p2": ("Y", {"A": long_ago, "B": None}),
        "p3": ("X", {"B": None, "C": None}),
        "p4": ("Y", {"A": None, "D": None}),
        "p5": ("Z", {"A": long_ago, "D": long_ago}),
        "p6": (None, {"C": long_ago, "D": long_ago}),
    }
    people, memberships = {}, {}
    for name, (org, joined) in plan.items():
        person = UserFactory(name=f"Person {name}", organisation=orgs[org] if org else None)
        people[name] = person
        for key, when in joined.items():
            memberships[name, key] = MembershipFactory(
                community=made[key], user=person, joined_at=when or timezone.now()
            )
    # The conveners are in one community each and their organisations in one: they link
    # nothing. Then p5 leaves and p6 is removed, six months ago.
    with time_machine.travel(timezone.now() - timedelta(days=180)):
        for key in ("A", "D"):
            membership_leave(membership=memberships["p5", key])
        for key in ("C", "D"):
            membership_remove(
                membership=memberships["p6", key], actor=conveners[key], reason="Moved on"
            )
    adopted = Adoption.objects.create(
        resource=ResourceFactory(community=made["A"]), community=made["C"], note="Used."
    )
    old = Adoption.objects.create(
        resource=ResourceFactory(community=made["B"]), community=made["D"], note="Used."
    )
    Adoption.objects.filter(pk=old.pk).update(created_at=long_ago)
    assert adopted.resource_community_id == made["A"].pk
    return network, made, people, orgs


@pytest.fixture
def mapped():
    return _world()


def _edges(snapshot, made):
    names = {c.pk: k for k, c in made.items()}
    return {(names[e.source] + names[e.target], e.kind): e.weight for e in snapshot.edges}


def test_the_figures_now_and_a_year_ago(mapped):
    network, made, people, orgs = mapped
    found = selectors.network_map(network=network, viewer=network.manager)
    P, G, AD = graph.PEOPLE, graph.ORGANISATIONS, graph.ADOPTIONS
    assert _edges(found.now, made) == {
        ("AB", P): 2, ("BC", P): 1, ("AD", P): 1,
        ("AB", G): 2, ("AC", G): 1, ("BC", G): 1, ("AD", G): 1, ("BD", G): 1,
        ("AC", AD): 1, ("BD", AD): 1,
    }  # fmt: skip
    assert _edges(found.then, made) == {
        ("AB", P): 1, ("AD", P): 1, ("CD", P): 1,
        ("AB", G): 1, ("AD", G): 1,
        ("BD", AD): 1,
    }  # fmt: skip
    assert [n.members for n in found.now.nodes] == [4, 4, 2, 2]  # A, B, C, D
    assert [n.members for n in found.then.nodes] == [4, 2, 2, 3]
    now_people = {s.key: s.pairs_alone for s in found.now.spanners_of("person")}
    then_people = {s.key: s.pairs_alone for s in found.then.spanners_of("person")}
    assert now_people == {people["p3"].pk: 1, people["p4"].pk: 1}
    assert then_people == {people["p1"].pk: 1, people["p5"].pk: 1, people["p6"].pk: 1}
    assert {s.key: s.pairs_alone for s in found.now.spanners_of("organisation")} == {
        orgs["X"].pk: 2,  # A–C and B–C
        orgs["Y"].pk: 2,  # A–D and B–D
    }
    states = [c.state for c in graph.changes(found.then, found.now)]
    assert (states.count("added"), states.count("lost")) == (5, 1)


def test_a_manager_sees_counts_not_names_for_private_communities(client, mapped):
    network, made, people, orgs = mapped
    client.force_login(network.manager)
    response = client.get(reverse("evaluation:network_map", args=[network.slug]))
    assert response.status_code == 200
    page = soup(response)
    text = page.get_text(" ", strip=True)
    for name in ("Person p4", "Person p1", "Person p5", "Org Y"):
        assert name in text  # every community that makes them spanners is visible
    for name in ("Person p3", "Person p6"):
        assert name not in response.content.decode()  # they link private Group C
    # Organisation X links A and B only a year ago (named then), and C now (not named now).
    now_orgs = page.find(id="spanners-orgs-now").find_parent("table").get_text()
    assert "Org Y" in now_orgs and "Org X" not in now_orgs
    hidden = [p.get_text(" ", strip=True) for p in page.select(".app-hidden-spanners")]
    assert hidden == [
        "1 more person in private communities (not named: you may not see who is in those communities).",
        "1 more organisation in private communities (not named: you may not see who is in those communities).",
        "1 more person in private communities (not named: you may not see who is in those communities).",
    ]
    assert "Group C (private)" in text  # a community's name is metadata a manager sees
    svg = page.select_one("svg.app-network-map")
    assert svg.select_one("title").get_text() == "Map of Mapped now"
    assert len(svg.select("circle")) == 4
    assert "Since" in text and "5 links added, 1 lost." in text


def test_staff_and_a_member_of_the_private_community_see_its_spanners(client, mapped):
    network, made, people, _ = mapped
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("evaluation:network_map", args=[network.slug]))
    assert "Person p3" in response.content.decode()
    network.managers.add(people["p2"])  # a manager who is not in Group C
    MembershipFactory(community=made["C"], user=network.manager)  # one who is
    client.force_login(network.manager)
    assert (
        "Person p3"
        in client.get(reverse("evaluation:network_map", args=[network.slug])).content.decode()
    )
    client.force_login(people["p2"])
    assert (
        "Person p3"
        not in client.get(reverse("evaluation:network_map", args=[network.slug])).content.decode()
    )


@pytest.mark.parametrize("name", ["network_map", "network_map_graphml", "network_map_csv"])
def test_other_people_find_no_map(client, mapped, name):
    network, made, people, _ = mapped
    other = NetworkFactory()
    other.managers.add(other_manager := UserFactory())
    url = reverse(f"evaluation:{name}", args=[network.slug])
    for person in (other_manager, people["p1"]):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.force_login(other_manager)
    assert client.get(reverse("evaluation:network_maps")).status_code == 200
    client.force_login(people["p1"])
    assert client.get(reverse("evaluation:network_maps")).status_code == 404


SVG = "{http://www.w3.org/2000/svg}"
LOOKS = {  # what each kind of edge is drawn with, as the legend beside the map says
    "shared members": {"stroke": "#005eb8"},
    "shared organisations": {"stroke": "#4c6272", "stroke-dasharray": "6 4"},
    "resources adopted": {"stroke": "#007f3b", "marker-end": "url(#map-arrow)"},
}


def _drawn_edges(svg):
    """(title, the attributes its line or curve is drawn with, its own and those it
    inherits from its groups) of each edge, in drawing order."""
    root = ET.fromstring(str(svg))  # noqa: S314 (our own drawing)
    parents = {child: parent for parent in root.iter() for child in parent}
    edges = []
    for shape in root.iter():
        if shape.tag not in (f"{SVG}line", f"{SVG}path") or shape not in parents:
            continue
        group = parents[shape]
        if group.tag != f"{SVG}g":
            continue  # the arrow's own shape, in <defs>
        looks, element = {}, shape
        while element is not None:
            looks = {**element.attrib, **looks}
            element = parents.get(element)
        edges.append((group.find(f"{SVG}title").text, looks))
    return edges


def test_each_edge_is_drawn_in_the_look_of_its_kind(mapped):
    network, *_ = mapped
    found = selectors.map_of(network=network)
    drawn = presentation.drawn(found)
    edges = _drawn_edges(drawn["svg"])
    names = found.names
    assert [title for title, _ in edges] == [
        f"{names[e.source]} – {names[e.target]}: {graph.KIND_LABELS[e.kind].lower()} {e.weight}"
        for e in found.now.edges
    ]
    for title, looks in edges:
        kind = title.split(": ")[1].rsplit(" ", 1)[0]
        weight = int(title.rsplit(" ", 1)[1])
        expected = {**LOOKS[kind], "fill": "none", "stroke-opacity": "0.7"}
        assert {k: looks.get(k) for k in (*expected, "stroke-dasharray", "marker-end")} == {
            "stroke-dasharray": None,
            "marker-end": None,
            **expected,
        }
        assert looks["stroke-width"] == str(1 + min(weight, 8))
    assert len(_drawn_edges(drawn["svg_then"])) == len(found.then.edges)
    assert 'marker-end="url(#map-then-arrow)"' in str(drawn["svg_then"])


def test_the_graphml_parses_with_the_right_counts(client, mapped):
    network, made, people, _ = mapped
    client.force_login(network.manager)
    response = client.get(reverse("evaluation:network_map_graphml", args=[network.slug]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mapped-map.graphml"'
    root = ET.fromstring(response.content)  # noqa: S314 (our own file)
    g = root.find(f"{GRAPHML}graph")
    assert g.get("edgedefault") == "directed"
    nodes = g.findall(f"{GRAPHML}node")
    edges = g.findall(f"{GRAPHML}edge")
    assert len(nodes) == 4 and len(edges) == 10
    keys = {k.get("attr.name"): k.get("id") for k in root.findall(f"{GRAPHML}key")}

    def data(element, name):
        return element.find(f"{GRAPHML}data[@key='{keys[name]}']").text

    assert sorted(data(n, "name") for n in nodes) == ["Group A", "Group B", "Group C", "Group D"]
    assert [data(n, "private") for n in nodes if data(n, "name") == "Group C"] == ["true"]
    kinds = [data(e, "kind") for e in edges]
    assert (kinds.count("shared_people"), kinds.count("shared_organisations")) == (3, 5)
    adoption = [e for e in edges if data(e, "kind") == "adoption" and data(e, "weight") == "1"]
    assert {(e.get("source"), e.get("target")) for e in adoption} == {
        (f"c{made['A'].pk}", f"c{made['C'].pk}"),
        (f"c{made['B'].pk}", f"c{made['D'].pk}"),
    }
    assert b"Person" not in response.content


def test_the_csv_edge_list(client, mapped):
    network, made, people, _ = mapped
    client.force_login(network.manager)
    response = client.get(reverse("evaluation:network_map_csv", args=[network.slug]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["source", "target", "kind", "weight"]
    assert len(rows) == 11
    assert ["Group A", "Group B", "shared_people", "2"] in rows
    assert ["Group A", "Group C", "adoption", "1"] in rows
    assert "Person" not in response.content.decode()


def _grow(network, size):
    """`size` more communities, each sharing two members with the next."""
    communities = [CommunityFactory(network=network) for _ in range(size)]
    for here, there in zip(communities, communities[1:], strict=False):
        for _ in range(2):
            person = UserFactory()
            MembershipFactory(community=here, user=person)
            MembershipFactory(community=there, user=person)


def test_the_page_reads_in_a_fixed_number_of_queries(client, mapped, monkeypatch):
    network, *_ = mapped
    monkeypatch.setattr(presentation, "LINKS_PER_PAGE", 4)
    client.force_login(network.manager)
    url = reverse("evaluation:network_map", args=[network.slug])
    counts = []
    for size in (2, 8):
        _grow(network, size)  # the map is computed afresh on the first page, then cached
        for query in ("", "?page=2", "?page=junk"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url + query)
            assert response.status_code == 200
            counts.append(len(queries))
        assert response.context["links_page"].paginator.num_pages > 2
    assert counts[:3] == counts[3:], counts
    assert counts[1] == counts[2] < counts[0]


def _page(client, network):
    response = client.get(reverse("evaluation:network_map", args=[network.slug]))
    assert response.status_code == 200
    return response


DRAWN = ("svg", "svg_then", "summary", "links", "added", "lost")


def test_the_map_is_computed_once_while_nothing_changes(client, mapped, monkeypatch):
    network, *_ = mapped
    computed = []
    map_of = selectors.map_of
    monkeypatch.setattr(selectors, "map_of", lambda **kw: computed.append(1) or map_of(**kw))
    client.force_login(network.manager)
    first = _page(client, network)
    for name in ("network_map", "network_map_graphml", "network_map_csv"):
        client.get(reverse(f"evaluation:{name}", args=[network.slug]))
    client.get(reverse("evaluation:network_map", args=[network.slug]), {"page": "2"})
    again = _page(client, network)
    assert len(computed) == 1
    assert [again.context[k] for k in DRAWN] == [first.context[k] for k in DRAWN]


# The eleven links of the world, in the table's order (kind, then the communities' order).
LINKS = [
    ["Group A", "Group B", "Shared members", "1", "2", "Kept"],
    ["Group A", "Group D", "Shared members", "1", "1", "Kept"],
    ["Group B", "Group C", "Shared members", "0", "1", "Added"],
    ["Group C", "Group D", "Shared members", "1", "0", "Lost"],
    ["Group A", "Group B", "Shared organisations", "1", "2", "Kept"],
    ["Group A", "Group C", "Shared organisations", "0", "1", "Added"],
    ["Group A", "Group D", "Shared organisations", "1", "1", "Kept"],
    ["Group B", "Group C", "Shared organisations", "0", "1", "Added"],
    ["Group B", "Group D", "Shared organisations", "0", "1", "Added"],
    ["Group A", "Group C", "Resources adopted", "0", "1", "Added"],
    ["Group B", "Group D", "Resources adopted", "1", "1", "Kept"],
]


def _links(response):
    """The rows of the table of links, the line that counts them and the pager's links."""
    page = soup(response)
    table = page.find(id="map-links").find_parent("table")
    rows = [[td.get_text() for td in tr.select("td")] for tr in table.select("tbody tr")]
    count = page.select_one(".app-links-count")
    pager = {a["class"][-1]: a["href"] for a in page.select("a.nhsuk-pagination__link")}
    return rows, " ".join(count.get_text().split()), count.a["href"], pager


def test_every_link_on_one_page_while_they_fit(client, mapped):
    network, *_ = mapped
    client.force_login(network.manager)
    rows, count, csv_url, pager = _links(_page(client, network))
    assert rows == LINKS
    assert count == "11 links in all. Download the links there are now as a CSV edge list."
    assert csv_url == reverse("evaluation:network_map_csv", args=[network.slug])
    assert pager == {}


def test_the_links_come_a_page_at_a_time(client, mapped, monkeypatch):
    network, *_ = mapped
    monkeypatch.setattr(presentation, "LINKS_PER_PAGE", 4)
    client.force_login(network.manager)
    url = reverse("evaluation:network_map", args=[network.slug])
    first = _links(client.get(url))
    assert first[0] == LINKS[:4]
    assert first[1] == (
        "11 links in all, 4 to a page: these are 1 to 4. "
        "Download the links there are now as a CSV edge list."
    )
    assert first[2] == reverse("evaluation:network_map_csv", args=[network.slug])
    assert first[3] == {"nhsuk-pagination__link--next": "?page=2#links"}
    response = client.get(url, {"page": "2"})
    assert response.status_code == 200
    second = _links(response)
    assert second[0] == LINKS[4:8]
    assert second[1].startswith("11 links in all, 4 to a page: these are 5 to 8.")
    assert second[3] == {
        "nhsuk-pagination__link--prev": "?page=1#links",
        "nhsuk-pagination__link--next": "?page=3#links",
    }
    assert soup(response).find(id="links").name == "h2"  # where the pager's links lead
    # Every page shows the whole map and the spanners, named as on the first.
    text = response.content.decode()
    assert "Person p4" in text and "Person p3" not in text and "Person p6" not in text
    assert "5 links added, 1 lost." in text
    third = _links(client.get(url, {"page": "3"}))
    assert third[0] == LINKS[8:]
    assert third[3] == {"nhsuk-pagination__link--prev": "?page=2#links"}


@pytest.mark.parametrize("number, shown", [("junk", 1), ("", 1), ("99", 3), ("0", 3)])
def test_a_page_number_out_of_range_shows_the_nearest_page(
    client, mapped, monkeypatch, number, shown
):
    """As on every paginated page: not a number, the first page; beyond the pages, the
    last."""
    network, *_ = mapped
    monkeypatch.setattr(presentation, "LINKS_PER_PAGE", 4)
    client.force_login(network.manager)
    response = client.get(reverse("evaluation:network_map", args=[network.slug]), {"page": number})
    assert response.status_code == 200
    assert response.context["links_page"].number == shown
    assert _links(response)[0] == LINKS[(shown - 1) * 4 : shown * 4]


def _join(made, people, orgs):
    MembershipFactory(community=made["C"], user=people["p1"])


def _leave(made, people, orgs):
    membership_leave(membership=Membership.objects.get(community=made["A"], user=people["p1"]))


def _adopt(made, people, orgs):
    Adoption.objects.create(
        resource=ResourceFactory(community=made["D"]), community=made["A"], note="Used."
    )


def _unadopt(made, people, orgs):
    Adoption.objects.get(community=made["C"]).delete()


def _move(made, people, orgs):
    people["p4"].organisation = orgs["Z"]  # Y no longer links A and D, Z does
    people["p4"].save()


def _rename(made, people, orgs):
    made["B"].name = "Group Bee"
    made["B"].save()


def _archive(made, people, orgs):
    made["D"].status = Community.Status.ARCHIVED
    made["D"].archived_at = timezone.now()
    made["D"].save()


@pytest.mark.parametrize(
    "change", [_join, _leave, _adopt, _unadopt, _move, _rename, _archive], ids=lambda f: f.__name__
)
def test_a_change_to_the_map_shows_on_the_next_view(client, mapped, change):
    network, made, people, orgs = mapped
    client.force_login(network.manager)
    before = _page(client, network)
    change(made, people, orgs)
    after = _page(client, network)
    fresh = presentation.drawn(selectors.map_of(network=network))
    assert [after.context[k] for k in DRAWN] == [fresh[k] for k in DRAWN]
    assert [after.context[k] for k in DRAWN] != [before.context[k] for k in DRAWN]


def test_a_renamed_network_and_person_show_on_the_next_view(client, mapped):
    network, made, people, _ = mapped
    client.force_login(network.manager)
    assert "Person p4" in _page(client, network).content.decode()
    network.name = "Remapped"
    network.save()
    type(people["p4"]).objects.filter(pk=people["p4"].pk).update(name="Petra Four")  # no signal
    page = _page(client, network).content.decode()
    assert "Map of Remapped now" in page and "Petra Four" in page  # names are read each time


def test_writes_that_send_no_signal_show_within_the_cache_lifetime(client, mapped, settings):
    network, made, people, _ = mapped
    settings.NETWORK_MAP_CACHE_SECONDS = 60
    # An in-process cache, whose clock the test can move (Redis keeps its own time).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client.force_login(network.manager)
    _page(client, network)
    Community.objects.filter(pk=made["A"].pk).update(name="Group Ay")  # a bulk write
    assert "Group Ay" not in _page(client, network).content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert "Group Ay" in _page(client, network).content.decode()
