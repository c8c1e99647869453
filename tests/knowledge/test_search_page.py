"""The library's pages (selectors.resource_page): a relevance search on PostgreSQL reads its
page in one query, with the same resources, order, counts, snippets, places and topics as
resource_list through the paginator; visibility holds on every path; the filter form's long
selects are drawn exactly as Django draws a select."""

import pytest
from django import forms as django_forms
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Community, Membership
from knowledge import forms, selectors, services
from knowledge.models import Resource
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NUMBERS = [None, "1", "2", "3", "4", "abc", "0", "-1", "99", "2.5", ""]


def indexed(*resources):
    services.search_vector_update(resource_ids=[r.pk for r in resources])
    return resources


def library(member):
    """A member's view of a small library: resources that match "sepsis" in the title, the
    summary or the body (so they rank differently), in their community, an open one, a
    private one they are not in, and network-wide; with topics."""
    network = NetworkFactory()
    mine = CommunityFactory(network=network, visibility=Community.Visibility.PRIVATE)
    MembershipFactory(community=mine, user=member, role=Membership.Role.MEMBER)
    open_one = CommunityFactory(network=network, visibility=Community.Visibility.LISTED)
    closed = CommunityFactory(network=network, visibility=Community.Visibility.PRIVATE)
    made = []
    for i in range(4):
        made += [
            ResourceFactory(community=mine, title=f"Sepsis screening {i}", visibility="members"),
            ResourceFactory(
                community=open_one, title=f"Handover {i}", summary="Sepsis on the ward.", body=""
            ),
            ResourceFactory(
                community=open_one,
                title=f"Members note {i}",
                body="Sepsis.",
                visibility=Resource.Visibility.MEMBERS,
            ),
            ResourceFactory(community=closed, title=f"Secret sepsis audit {i}"),
            ResourceFactory(
                community=None,
                network=network,
                title=f"Network sepsis bundle {i}",
                visibility=Resource.Visibility.SIGNED_IN,
            ),
        ]
    made[0].topics.set(["wards", "falls", "acute care"])
    made[1].topics.set(["handover"])
    indexed(*made)
    return network, mine, open_one, closed


def reference(*, user, number, **filters):
    """The page as resource_list and the bounded paginator give it."""
    qs, sort = selectors.resource_list(user=user, **filters)
    page = selectors.page_of(qs, number)
    return page, selectors.with_snippets(page.object_list, filters.get("q", "")), sort


def shown(page):
    return [r.pk for r in page.object_list]


@pytest.mark.parametrize("sort", ["", "relevance", "newest", "adopted"])
def test_every_page_is_the_page_resource_list_gives(monkeypatch, sort):
    """Same resources in the same order, same count, same page number for every page asked
    for (past the end, not a number, below one), with the candidates capped (the "more
    than" case) and not."""
    member = UserFactory()
    network, mine, open_one, closed = library(member)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    for candidates in (selectors.SEARCH_CANDIDATES, 7):
        monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", candidates)
        for number in NUMBERS:
            page, sort_used = selectors.resource_page(
                user=member, number=number, q="sepsis", sort=sort
            )
            expected, items, expected_sort = reference(
                user=member, number=number, q="sepsis", sort=sort
            )
            assert sort_used == expected_sort
            assert shown(page) == [r.pk for r in items], (candidates, number)
            assert page.number == expected.number
            assert page.paginator.count == expected.paginator.count
            assert page.paginator.num_pages == expected.paginator.num_pages
            for got, want in zip(page.object_list, items, strict=True):
                assert got.snippet_html == want.snippet_html
                assert got.community_name == (want.community.name if want.community else None)
                assert got.network_name == (want.network.name if want.network else None)
                assert got.topic_names == [
                    t.name for t in sorted(want.topics.all(), key=lambda t: t.pk)
                ]
    assert not any(r.community_id == closed.pk for r in items)


def test_filters_narrow_the_ranked_page_as_they_narrow_the_list():
    member = UserFactory()
    network, mine, open_one, closed = library(member)
    other = CommunityFactory(visibility=Community.Visibility.PUBLIC)
    indexed(ResourceFactory(community=other, title="Sepsis elsewhere", kind="leaflet"))
    for filters in [
        {"community": open_one.pk},
        {"community": mine},
        {"network": network.pk},
        {"network": network},
        {"kind": "leaflet"},
        {"topic": "handover"},
    ]:
        page, _ = selectors.resource_page(user=member, q="sepsis", **filters)
        _, items, _ = reference(user=member, number=None, q="sepsis", **filters)
        assert shown(page) == [r.pk for r in items], filters
        assert page.paginator.count == len(items)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "manager", "member"])
def test_the_ranked_page_shows_and_counts_only_what_the_person_may_see(role):
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    secret = ResourceFactory(
        community=private, title="Zebracorn review", visibility=Resource.Visibility.PUBLIC
    )
    public = ResourceFactory(
        community=CommunityFactory(visibility=Community.Visibility.PUBLIC),
        title="Zebracorn leaflet",
        visibility=Resource.Visibility.PUBLIC,
    )
    indexed(secret, public)
    user = __import__("django.contrib.auth.models", fromlist=["x"]).AnonymousUser()
    if role != "anonymous":
        user = UserFactory()
    if role == "manager":
        private.network.managers.add(user)
    if role == "member":
        MembershipFactory(community=private, user=user)
    page, _ = selectors.resource_page(user=user, q="zebracorn")
    expected = {public.pk, secret.pk} if role == "member" else {public.pk}
    assert set(shown(page)) == expected
    assert page.paginator.count == len(expected)


def test_a_relevance_search_on_postgresql_reads_its_page_in_one_query(
    django_assert_num_queries,
):
    member = UserFactory()
    library(member)
    ContentType.objects.get_for_model(Resource)  # Django keeps it once read
    expected = 1 if connection.vendor == "postgresql" else 3  # else: count, page, topics
    with django_assert_num_queries(expected):
        page, sort = selectors.resource_page(user=member, q="sepsis")
        assert sort == "relevance"
        for resource in page.object_list:  # nothing more is read for the list
            str(resource.snippet_html), resource.community_name, resource.topic_names
            resource.get_kind_display(), resource.created_at, resource.superseded_by_id
    with django_assert_num_queries(1):  # the count: an empty page reads nothing more
        page, _ = selectors.resource_page(user=member, q="nothing matches this")
        assert page.paginator.count == 0 and not page.object_list
    with django_assert_num_queries(3):  # count, page, topics
        selectors.resource_page(user=member, q="sepsis", sort="newest")


def test_the_search_page_costs_the_same_queries_whatever_the_size(client):
    member = UserFactory()
    community = CommunityFactory()
    MembershipFactory(community=community, user=member)
    client.force_login(member)
    url = reverse("knowledge:search") + "?q=falls"
    counts = []
    for n in (3, 30):
        made = [ResourceFactory(community=community, summary="A falls toolkit.") for _ in range(n)]
        for resource in made:
            resource.topics.set(["falls", f"topic {resource.pk}"])
        indexed(*made)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
        reads = [q["sql"] for q in queries.captured_queries if "knowledge_resource" in q["sql"]]
        if connection.vendor == "postgresql":
            assert len(reads) == 1, reads  # the count, the ranking and the page together
    assert counts[0] == counts[1]


def test_the_search_page_shows_places_topics_and_the_more_than_line(client, monkeypatch):
    """What a person sees is what the list showed before the page was read in one query."""
    member = UserFactory()
    network, mine, open_one, closed = library(member)
    client.force_login(member)
    monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", 6)
    response = client.get(reverse("knowledge:search"), {"q": "sepsis"})
    page = soup(response)
    cards = {
        card.select_one("h2 a").get_text(): card.select("p.nhsuk-body-s")
        for card in page.select(".app-resource-list li.nhsuk-card")
    }
    status = " ".join(page.select_one("[role=status]").get_text().split())
    if connection.vendor == "postgresql":
        assert status.startswith("More than 5 resources for “sepsis”")
        assert len(cards) == 6
    else:
        assert status == "12 resources for “sepsis”"
    assert not any(title.startswith("Secret") for title in cards)
    # The newest of each kind is among the newest candidates.
    assert f"· {mine.name} ·" in cards["Sepsis screening 3"][0].get_text()
    assert f"· {network.name} (network) ·" in cards["Network sepsis bundle 3"][0].get_text()
    assert cards["Network sepsis bundle 3"][1].get_text() == "No topics"


def test_topics_are_listed_in_the_order_of_their_tags(client):
    member = UserFactory()
    community = CommunityFactory()
    MembershipFactory(community=community, user=member)
    resource = ResourceFactory(community=community, title="Falls bundle")
    resource.topics.set(["wards", "acute care", "falls"])
    indexed(resource)
    client.force_login(member)
    expected = ", ".join(t.name for t in sorted(resource.topics.all(), key=lambda t: t.pk))
    for url, query in [
        (reverse("knowledge:search"), {"q": "falls"}),
        (reverse("knowledge:library"), {}),
        (reverse("knowledge:community_library", args=[community.slug]), {"q": "falls"}),
    ]:
        card = soup(client.get(url, query)).select_one(".app-resource-list li.nhsuk-card")
        assert card.select("p.nhsuk-body-s")[-1].get_text() == expected, url


def test_the_search_page_filters_by_community_and_network_slugs(client):
    member = UserFactory()
    network, mine, open_one, closed = library(member)
    client.force_login(member)
    url = reverse("knowledge:search")

    def titles(**query):
        page = soup(client.get(url, {"q": "sepsis", **query}))
        return {a.get_text() for a in page.select(".app-resource-list h2 a")}

    assert titles(community=mine.slug) == {f"Sepsis screening {i}" for i in range(4)}
    in_network = titles(network=network.slug)
    assert {f"Network sepsis bundle {i}" for i in range(4)} <= in_network
    assert {f"Handover {i}" for i in range(4)} <= in_network
    assert not any(t.startswith("Secret") for t in in_network)
    # A community the person may not see is not a choice: the form says so, nothing leaks.
    page = soup(client.get(url, {"q": "sepsis", "community": closed.slug}))
    assert "Select a valid choice" in page.select_one(".nhsuk-error-summary").get_text()
    assert closed.name not in str(page)


# --- the filter form's long selects ---------------------------------------------------------

AWKWARD = [
    ("a&b", 'Tom & Jerry\'s <b>"best"</b>'),
    ("plain", "Plain"),
    ("ünï", "Ünïcode – dash"),
    ("dup", "First of two"),
    ("dup", "Second of two"),
    ("<x>", "'quoted'"),
]


class DjangoSelectForm(django_forms.Form):
    """What LibraryFilterForm's community field would be with Django's own field."""

    community = django_forms.ChoiceField(
        label="Community", required=False, choices=[("", "Any community"), *AWKWARD]
    )


@pytest.mark.parametrize(
    "data", [None, {}, {"community": "a&b"}, {"community": "dup"}, {"community": "nope"}]
)
def test_the_long_select_is_drawn_and_checked_exactly_as_django_does(data):
    ours = forms.LibraryFilterForm(data, communities=AWKWARD)
    django = DjangoSelectForm(data)
    assert ours.is_valid() == django.is_valid()
    assert ours.errors.get("community") == django.errors.get("community")
    assert str(ours["community"]) == str(django["community"])
    assert ours["community"].as_field_group() == django["community"].as_field_group()
    if data and data["community"] == "dup":  # only the first of equal values is selected
        assert str(ours["community"]).count(" selected") == 1


def test_snippets_and_summaries_are_plain_text(client):
    """What a person reads in the library is words, not Markdown: on PostgreSQL the headline
    quotes the stored body, elsewhere the snippet is cut from it; both lose the marks."""
    resource = ResourceFactory(
        title="Falls in care homes",
        summary="Tried in **three homes** over a _winter_.",
        body="## Why we made it\n\nFalls rose in [three homes](https://example.org/falls).\n\n"
        "- one\n- two",
    )
    indexed(resource)
    for query in ("homes", ""):
        page = soup(client.get(reverse("knowledge:search"), {"q": query or "falls"}))
        card = page.select_one(".app-resource-list li")
        text = " ".join(card.get_text(" ").split())
        for mark in ("**", "##", "](", "_winter_"):
            assert mark not in text, (query, text)
        assert "three homes" in text
    listing = soup(client.get(reverse("knowledge:library")))
    card_text = listing.select_one(".app-resource-list").get_text(" ")
    assert "Tried in three homes over a winter." in " ".join(card_text.split())
    assert "**" not in card_text
