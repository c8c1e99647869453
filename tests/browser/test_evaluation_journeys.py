"""A programme manager evaluates their network in Chromium: from the programme dashboard to
the map of how its communities hold together, read as a picture and as tables, and its
downloads for evaluators; the evidence gap; the report for funders, printed and downloaded
as a PDF. axe-core and the HTML checker on each page."""

import re

from playwright.sync_api import expect

from evaluation.network import presentation
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = JOURNEY


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


def _from_the_dashboard(page, *, link, listing):
    """The manager signs in, follows `link` from the dashboard to the list of networks
    headed `listing` (checked), and opens their network."""
    _a_network_whose_communities_share_a_member()
    sign_in(page, "mo@example.org")
    page.goto("/dashboard/")
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(listing)
    assert_accessible(page)
    page.get_by_role("link", name="North Coast Collaborative").click()


def test_a_manager_reads_the_map_of_their_network(page, monkeypatch):
    _from_the_dashboard(page, link="the network map", listing="Network maps")
    expect(page.get_by_role("heading", level=1)).to_have_text("Map of North Coast Collaborative")
    expect(page.get_by_role("img", name=re.compile("^Map of North Coast")).first).to_be_visible()
    links = page.get_by_role("heading", name="Links between communities")
    expect(links).to_be_visible()
    expect(page.locator("main")).to_contain_text("Bea Bridge")
    expect(page.get_by_role("link", name="GraphML")).to_be_visible()
    assert_accessible(page)
    # A page of one link at a time: its two links (members, organisations) on two pages.
    monkeypatch.setattr(presentation, "LINKS_PER_PAGE", 1)
    page.reload()
    table = page.get_by_role("region", name=re.compile("^Links between communities"))
    expect(table.get_by_role("row")).to_have_count(2)  # the header and one link
    expect(table).to_contain_text("Shared members")
    expect(page.locator("main")).to_contain_text("2 links in all, 1 to a page")
    page.get_by_role("link", name=re.compile("^Next")).click()
    expect(page).to_have_url(re.compile(r"\?page=2#links$"))
    expect(table).to_contain_text("Shared organisations")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("link", name=re.compile("^Previous"))).to_be_visible()
    assert_accessible(page)


def test_a_manager_finds_where_evidence_of_value_is_missing(page):
    _from_the_dashboard(
        page, link="the evidence gap of each network", listing="Evidence of the value created"
    )
    expect(page.locator("main")).to_contain_text("No evidence yet")
    assert_accessible(page)


def test_a_manager_prints_and_downloads_the_report_of_their_network(page, tmp_path):
    _from_the_dashboard(page, link="a report of each network and community", listing="Reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("North Coast Collaborative")
    expect(page.get_by_role("region", name="Each community in the period")).to_be_visible()
    assert_accessible(page)
    # Printed, the page is the report alone: no header, no form, no download link.
    page.emulate_media(media="print")
    for chrome in ("header.nhsuk-header", "form.app-report-period", ".app-report-download"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.get_by_role("heading", name="How the communities hold together")).to_be_visible()
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download this report as a PDF")).click()
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    # A period that ends in the future: said next to the field.
    page.get_by_label("To", exact=True).fill("2999-01-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#id_end_error")).to_contain_text("The period cannot end after today")
    assert_accessible(page)
