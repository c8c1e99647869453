"""Reflow (WCAG 1.4.10): at 320 CSS pixels wide no page scrolls sideways. A long file name
on a download button wraps, a select with a long option fits its column, and wide tables
scroll inside their own focusable region, not the page. The dashboard's health flags are
in view at a desktop width and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communities.models import Community, CommunityRegion, Membership
from knowledge.models import ResourceVersion
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import (
    AdoptionFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    NetworkFactory,
    OrganisationFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = JOURNEY

LONG_FILE_NAME = "medicines_optimisation_in_care_homes_structured_review_template_v12_final.pdf"
LONG_NAME = "Northern Coastal Integrated Care Medicines Optimisation Collaborative Network"


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def assert_reflows(page, width=320):
    wider = page.evaluate(
        """width => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .filter(el => !el.parentElement.closest('.app-table-scroll, svg'))
            .slice(0, 8)
            .map(el => `${el.tagName.toLowerCase()}.${el.className}: ${el.getBoundingClientRect().right}`)""",
        width,
    )
    assert page_width(page) <= width, (
        f"{page.url} is {page_width(page)} px wide at {width} px: {wider}"
    )


@pytest.fixture
def network_world():
    network = NetworkFactory(name=LONG_NAME)
    manager = UserFactory(email="pm@example.nhs.uk", name="Pat Manager")
    network.managers.add(manager)
    maker = CommunityFactory(
        name="Care Homes Medicines", network=network, visibility=Community.Visibility.LISTED
    )
    taker = CommunityFactory(name="Falls Prevention", network=network)
    CommunityRegion.objects.create(community=maker, region="london")
    convener = MembershipFactory(
        community=maker,
        role=Membership.Role.CONVENER,
        user=UserFactory(
            email="ada@example.nhs.uk",
            name="Ada Author",
            organisation=OrganisationFactory(name=LONG_NAME + " Trust"),
        ),
    ).user
    for _ in range(3):
        MembershipFactory(community=maker)
    held = timezone.now() - timedelta(days=90)
    MeetingFactory(community=maker, title="m", starts_at=held)
    resource = ResourceFactory(
        community=maker,
        owner=convener,
        title="A structured medication review template for residents of care homes",
    )
    ResourceVersion.objects.create(
        resource=resource,
        number=1,
        file="resources/review.pdf",
        original_name=LONG_FILE_NAME,
        content_type="application/pdf",
        size=120_000,
        uploaded_by=convener,
    )
    AdoptionFactory(
        resource=resource,
        community=taker,
        organisation=OrganisationFactory(name="Meadowview Nursing Home"),
    )
    return {"network": network, "maker": maker, "resource": resource}


def test_nothing_scrolls_sideways_at_320_pixels(page, network_world):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, "ada@example.nhs.uk")

    page.goto(f"/library/resources/{network_world['resource'].pk}/")
    download = page.get_by_role("button", name=f"Download {LONG_FILE_NAME}")
    expect(download).to_be_visible()
    assert_reflows(page)
    assert_accessible(page)

    page.goto(f"/communities/{network_world['maker'].slug}/members/")
    expect(page.get_by_role("region", name="Members of Care Homes Medicines")).to_be_visible()
    assert_reflows(page)
    assert_accessible(page)

    sign_out(page)
    sign_in(page, "pm@example.nhs.uk")
    page.goto("/dashboard/")
    expect(page.get_by_label("Network")).to_be_visible()
    assert_reflows(page)
    assert_accessible(page)
    # The wide tables scroll in their own region, which a keyboard can reach.
    region = page.get_by_role("region", name="Resources adopted outside the community")
    region.focus()
    expect(region).to_be_focused()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_health_flags_are_in_view(page, network_world, width):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "pm@example.nhs.uk")
    page.goto("/dashboard/")
    assert_reflows(page, width)
    row = page.locator(".app-dashboard-table tbody tr", has_text="Care Homes Medicines")
    flag = row.locator(".app-flags .nhsuk-tag").first
    expect(flag).to_have_text("No meeting for 60 days")
    box = flag.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # The table says what it holds, and each row whose figures they are.
    expect(page.locator(".app-dashboard-table caption")).to_have_text(
        "Communities: health flags and figures of the last 90 days"
    )
    expect(row.locator("th[scope=row]")).to_contain_text("Care Homes Medicines")
    # A community with no figure to show reads "none", not nothing.
    empty = page.locator(".app-dashboard-table tbody tr", has_text="Falls Prevention")
    expect(empty.locator("td").nth(5)).to_have_text("–none")
