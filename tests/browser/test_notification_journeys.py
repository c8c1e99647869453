"""The notification centre in Chromium: the bell, the page, opening a notification and
marking the rest read, with an axe-core and HTML check on each page."""

from playwright.sync_api import expect

from communities import services
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = JOURNEY


def test_a_convener_hears_of_join_requests_in_the_centre(page):
    community = CommunityFactory(name="Falls prevention", join_policy="approval")
    lead = UserFactory(name="Lee Convener")
    MembershipFactory(community=community, user=lead, role="convener")
    for name in ("Ada Example", "Ben Example"):
        services.membership_join(community=community, user=UserFactory(name=name), note="")

    sign_in(page, lead.email)
    bell = page.get_by_test_id("bell")
    expect(bell).to_contain_text("2 unread notifications")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert_accessible(page)
    expect(page.locator("main h2").first).to_contain_text("Join requests: Falls prevention")

    page.get_by_role("link", name="Ada Example asks to join Falls prevention (unread)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Example")
    expect(page.get_by_test_id("bell")).to_contain_text("1 unread notification")

    page.get_by_test_id("bell").click()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_test_id("bell")).not_to_contain_text("unread")
    expect(
        page.get_by_role("link", name="Ada Example asks to join Falls prevention")
    ).to_be_visible()
    assert_accessible(page)
