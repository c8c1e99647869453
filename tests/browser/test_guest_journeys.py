"""Walk-ins in the browser: a convener records a member who came without registering and
a guest without an account; the guest later creates an account and, once the address is
verified, finds the meeting in their record of meetings attended. axe-core on every page."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in, sign_up_and_confirm
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    meeting_recorded,
)

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]


def test_a_walk_in_guest_signs_up_and_finds_the_meeting(page, mailoutbox):
    community = CommunityFactory(name="Care Homes Medicines", slug="care-homes")
    lead = UserFactory(email="lead@example.nhs.uk", name="Lee Lead")
    MembershipFactory(community=community, role="convener", user=lead)
    MembershipFactory(
        community=community, user=UserFactory(email="una@example.org", name="Una Member")
    )
    OrganisationFactory(name="Example Care Home")
    meeting = meeting_recorded(
        community=community, actor=lead, started_ago=timedelta(hours=3), title="Falls huddle"
    )

    sign_in(page, "lead@example.nhs.uk")
    page.goto(f"/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Record attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record attendance")
    assert_accessible(page)
    page.get_by_label("Una Member").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Attendance has been recorded"
    )

    page.get_by_role("link", name="Record attendance").click()
    page.get_by_role("link", name="Record a guest").click()
    assert_accessible(page)
    page.get_by_role("button", name="Record the guest").click()  # no name yet
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the guest's name")
    assert_accessible(page)
    page.get_by_label("Name").fill("Gwen Guest")
    page.get_by_label("Organisation (optional)").fill("Example Care Home")
    page.get_by_label("E-mail address (optional)").fill("gwen@example.org")
    page.get_by_role("button", name="Record the guest").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Gwen Guest has been recorded as a guest"
    )
    expect(page.get_by_role("region", name="Guests")).to_contain_text("gwen@example.org")
    assert_accessible(page)
    page.goto(f"/meetings/{meeting.pk}/")
    expect(page.locator("main")).to_contain_text("Una Member (walk-in)")
    expect(page.locator("main")).to_contain_text("Gwen Guest (Example Care Home, guest)")
    page.get_by_role("button", name="Sign out").click()
    if page.get_by_role("button", name="Sign Out").count():
        page.get_by_role("button", name="Sign Out").click()

    # Weeks later Gwen creates an account with the address the convener recorded.
    mailoutbox.clear()
    sign_up_and_confirm(
        page, mailoutbox, "Gwen Guest", "gwen@example.org", organisation="Example Care Home"
    )

    sign_in(page, "gwen@example.org", "a-long-unusual-passphrase")
    page.goto("/my/meetings/attended/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings you attended")
    row = page.get_by_role("row").filter(has_text="Falls huddle")
    expect(row).to_contain_text("Care Homes Medicines")
    assert_accessible(page)
