"""Topic fields offer the topics already in use as people type (a native <datalist>): the
community directory, the library and the programme dashboard filters, and the needs and
offers form. Only topics of what the person could see anyway, most used first, at a fixed
number of queries."""

import pytest
from django.urls import reverse

from communities import selectors
from communities.models import Community, Membership
from knowledge.models import Resource, Visibility
from tests.conftest import soup
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def suggestions(response, name="topic"):
    """The values the input of this name offers, read through its `list` attribute."""
    page = soup(response)
    field = page.find("input", attrs={"name": name})
    assert field is not None, name
    datalist = page.find("datalist", id=field.get("list"))
    assert datalist is not None, f"{name} has no suggestions"
    return [option["value"] for option in datalist.find_all("option")]


@pytest.fixture
def topics():
    public = CommunityFactory(visibility=Community.Visibility.PUBLIC)
    public.topics.set(["falls", "deprescribing"])
    CommunityFactory(visibility=Community.Visibility.PUBLIC).topics.set(["falls"])
    CommunityFactory(visibility=Community.Visibility.LISTED).topics.set(["sepsis"])
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    private.topics.set(["near miss at ward 7"])
    ResourceFactory(community=public, visibility=Visibility.PUBLIC).topics.set(["falls", "audit"])
    ResourceFactory(community=public, visibility=Visibility.MEMBERS).topics.set(["rota gaps"])
    ResourceFactory(community=private, visibility=Visibility.PUBLIC).topics.set(["ward 7 audit"])
    ResourceFactory(
        community=public, visibility=Visibility.PUBLIC, status=Resource.Status.HIDDEN
    ).topics.set(["hidden topic"])
    return public


def test_the_directory_suggests_topics_in_use_most_used_first(client, topics):
    anyone = suggestions(client.get(reverse("communities:list")))
    assert anyone == ["falls", "audit", "deprescribing"]  # falls: used three times
    client.force_login(UserFactory())
    signed_in = suggestions(client.get(reverse("communities:list")))
    assert signed_in == ["falls", "audit", "deprescribing", "sepsis"]  # a listed community's


def test_no_private_or_members_only_topic_is_suggested_even_to_its_members(client, topics):
    private = Community.objects.get(visibility=Community.Visibility.PRIVATE)
    member = MembershipFactory(community=private, status=Membership.Status.ACTIVE).user
    client.force_login(member)
    offered = suggestions(client.get(reverse("communities:list")))
    for secret in ("near miss at ward 7", "ward 7 audit", "rota gaps", "hidden topic"):
        assert secret not in offered


def test_the_library_filter_suggests_topics(client, topics):
    assert "audit" in suggestions(client.get(reverse("knowledge:library")))


def test_the_needs_and_offers_form_suggests_topics_for_both_fields(client, topics):
    member = MembershipFactory(community=topics, status=Membership.Status.ACTIVE).user
    client.force_login(member)
    response = client.get(reverse("communities:needs_offers_mine", args=[topics.slug]))
    assert response.status_code == 200
    assert "falls" in suggestions(response, "needs_topics")
    assert "falls" in suggestions(response, "offers_topics")


def test_the_programme_dashboard_filter_suggests_topics(client, topics):
    network = NetworkFactory()
    manager = UserFactory()
    network.managers.add(manager)
    CommunityFactory(network=network)
    client.force_login(manager)
    response = client.get(reverse("dashboard:programme"))
    assert response.status_code == 200
    assert "falls" in suggestions(response)


def test_suggestions_are_capped_and_cost_one_query_then_none(
    django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(selectors, "TOPIC_SUGGESTIONS", 3)
    for n in range(5):
        CommunityFactory().topics.set([f"topic {n}", "shared"])
    with django_assert_num_queries(1):
        first = selectors.topic_suggestions(signed_in=False)
    assert first[0] == "shared" and len(first) == 3
    with django_assert_num_queries(0):
        assert selectors.topic_suggestions(signed_in=False) == first


@pytest.mark.parametrize("size", [5, 50])
def test_the_directory_costs_the_same_queries_with_many_topics(client, get_within, size):
    for n in range(size):
        CommunityFactory().topics.set([f"topic {n}", f"other {n}"])
    response = get_within(reverse("communities:list"), 8)
    assert len(suggestions(response)) == min(2 * size, selectors.TOPIC_SUGGESTIONS)
