"""A member comments on a resource and pastes an NHS number by mistake: the page quotes it,
highlighted, next to the comment box; they confirm from the keyboard that it is not about a
real patient and the comment is posted. axe-core and the HTML checker see every page."""

from playwright.sync_api import expect

from communities.models import Community
from core.models import AuditEntry
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import CommunityFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = JOURNEY


def test_a_comment_with_an_nhs_number_is_confirmed_from_the_keyboard(page):
    community = CommunityFactory(name="Falls Prevention", visibility=Community.Visibility.LISTED)
    member = MembershipFactory(
        community=community, user=UserFactory(email="member@example.org", name="Mo Member")
    ).user
    resource = ResourceFactory(community=community, owner=member, title="Falls leaflet")

    sign_in(page, "member@example.org")
    page.goto(resource.get_absolute_url())
    expect(page.get_by_label("This is not about a real patient")).to_have_count(0)
    page.get_by_label("Your comment").fill("We used it with test patient 943 476 5919.")
    page.get_by_role("button", name="Add comment").click()

    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    error = page.locator("#id_body_error")
    expect(error.locator("mark")).to_have_text("943 476 5919")
    expect(error).to_contain_text("looks like an NHS number")
    expect(page.get_by_label("Your comment")).to_have_value(
        "We used it with test patient 943 476 5919."
    )
    assert_accessible(page)

    box = page.get_by_label("This is not about a real patient")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.get_by_role("button", name="Add comment").focus()
    page.keyboard.press("Enter")

    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Your comment has been added"
    )
    assert AuditEntry.objects.filter(action="patient_data.confirmed").count() == 1
    assert resource.comments.get().body == "We used it with test patient 943 476 5919."
