"""A member uploads a leaflet to their community; a member of another community finds it
by a word from its summary, opens it and records that their organisation adopted it; the
original community's page shows where its work spread. axe-core checks every page."""

from playwright.sync_api import expect

from communities.models import Community, Membership
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import (
    MINIMAL_PDF,
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = JOURNEY


def test_share_find_adopt_and_see_the_spread(page, tmp_path):
    care_homes = CommunityFactory(
        name="Care Homes Medicines",
        slug="care-homes",
        visibility=Community.Visibility.LISTED,
    )
    falls = CommunityFactory(
        name="Falls Prevention", slug="falls", visibility=Community.Visibility.LISTED
    )
    MembershipFactory(
        community=care_homes,
        user=UserFactory(email="author@example.nhs.uk", name="Ada Author"),
        role=Membership.Role.CONVENER,
    )
    MembershipFactory(
        community=falls,
        user=UserFactory(
            email="reader@example.org",
            name="Rui Reader",
            organisation=OrganisationFactory(name="Meadowview Nursing Home"),
        ),
    )
    leaflet = tmp_path / "covert-medicines.pdf"
    leaflet.write_bytes(MINIMAL_PDF)

    sign_in(page, "author@example.nhs.uk")
    page.goto("/communities/care-homes/")
    page.locator("nav.app-community-nav").get_by_role("link", name="Library", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Share a resource").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Covert medicines: a leaflet for families")
    page.get_by_label("Summary").fill(
        "Explains to families when crushing tablets into food is lawful and safe."
    )
    page.get_by_label("Kind of resource").select_option(label="Information leaflet")
    page.get_by_label("File (optional if you give a link)").set_input_files(str(leaflet))
    page.get_by_label("Every signed-in user").check()
    page.get_by_role("button", name="Share the resource").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("is in the library")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Covert medicines: a leaflet for families"
    )
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "reader@example.org")
    page.goto("/library/")
    assert_accessible(page)
    page.get_by_label("Search the library").fill("crushing")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".app-resource-list .nhsuk-card")).to_have_count(1)
    expect(page.locator(".app-snippet mark").first).to_have_text("crushing")
    assert_accessible(page)
    page.get_by_role("link", name="Covert medicines: a leaflet for families").click()
    assert_accessible(page)
    page.get_by_role("button", name="We adopted this").click()
    assert_accessible(page)
    expect(page.get_by_label("Organisation that adopted it")).to_have_value(
        "Meadowview Nursing Home"
    )
    page.get_by_label("How do you use it?").fill("Given to every family at admission.")
    page.get_by_role("button", name="Record the adoption").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("adoption is recorded")
    expect(page.locator(".app-adoption-summary")).to_contain_text(
        "Adopted by 1 organisation in 0 communities"
    )
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "author@example.nhs.uk")
    page.goto("/communities/care-homes/")
    spread = page.locator(".app-spread")
    expect(spread).to_contain_text("Covert medicines: a leaflet for families")
    expect(spread).to_contain_text("Meadowview Nursing Home")
    assert_accessible(page)
