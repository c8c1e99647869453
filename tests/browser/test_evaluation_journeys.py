"""A programme manager evaluates their network in Chromium: from the programme dashboard to
the map of how its communities hold together, read as a picture and as tables, and its
downloads for evaluators. axe-core and the HTML checker on each page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _a_network_whose_communities_share_a_member():
    network = NetworkFactory(name="North Coast Collaborative", slug="north-coast")
    falls = CommunityFactory(name="Falls prevention", network=network)
    sepsis = CommunityFactory(name="Sepsis huddle", network=network)
    bridge = UserFactory(name="Bea Bridge")
    for community in (falls, sepsis):
        MembershipFactory(community=community, user=bridge)
        MembershipFactory(community=community)
    manager = UserFactory(name="Mo Manager", email="mo@example.org")
    manager.managed_networks.add(network)
    return network


def test_a_manager_reads_the_map_of_their_network(page):
    _a_network_whose_communities_share_a_member()
    sign_in(page, "mo@example.org")
    page.goto("/dashboard/")
    page.get_by_role("link", name="the network map").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network maps")
    assert_accessible(page)
    page.get_by_role("link", name="North Coast Collaborative").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Map of North Coast Collaborative")
    expect(page.get_by_role("img", name=re.compile("^Map of North Coast")).first).to_be_visible()
    links = page.get_by_role("heading", name="Links between communities")
    expect(links).to_be_visible()
    expect(page.locator("main")).to_contain_text("Bea Bridge")
    expect(page.get_by_role("link", name="GraphML")).to_be_visible()
    assert_accessible(page)


def test_a_manager_finds_where_evidence_of_value_is_missing(page):
    _a_network_whose_communities_share_a_member()
    sign_in(page, "mo@example.org")
    page.goto("/dashboard/")
    page.get_by_role("link", name="the evidence gap of each network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence of the value created")
    assert_accessible(page)
    page.get_by_role("link", name="North Coast Collaborative").click()
    expect(page.locator("main")).to_contain_text("No evidence yet")
    assert_accessible(page)
