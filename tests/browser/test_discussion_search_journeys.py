"""A member looks for advice in the library, follows the link to the discussions with the
same words, and opens the reply that answers her. axe-core and the HTML checker check every page."""

import re

from playwright.sync_api import expect

from communities.models import Community, Membership
from discussions import services
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = JOURNEY


def _discussed():
    community = CommunityFactory(
        name="Care Homes Medicines", slug="care-homes", visibility=Community.Visibility.LISTED
    )
    people = {}
    for key, name, role in [
        ("asker", "Asha Example", Membership.Role.MEMBER),
        ("colleague", "Bethan Sample", Membership.Role.MEMBER),
    ]:
        people[key] = MembershipFactory(
            community=community,
            user=UserFactory(email=f"{key}@example.nhs.uk", name=name),
            role=role,
        ).user
    question = services.discussion_start(
        community=community,
        author=people["colleague"],
        kind="question",
        title="Reviewing covert medication",
        body="How often do you review it?",
    )
    return services.reply_add(
        discussion=question,
        author=people["colleague"],
        body="Every month, and the **pharmacist** signs the crushing plan.",
    )


def test_find_a_reply_from_the_library_search(page):
    reply = _discussed()
    sign_in(page, "asker@example.nhs.uk")
    page.goto("/library/search/?q=crushing")
    assert_accessible(page)
    page.get_by_role("link", name="Search discussions for “crushing”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search discussions")
    expect(page.get_by_role("status")).to_have_text("1 result for “crushing”")
    expect(page.locator(".app-snippet mark")).to_have_text("crushing")
    assert_accessible(page)
    page.get_by_role("link", name="Reviewing covert medication").click()
    expect(page).to_have_url(
        re.compile(rf"/discussions/{reply.discussion_id}/\?page=1#reply-{reply.pk}$")
    )
    expect(page.locator(f"#reply-{reply.pk}")).to_contain_text("crushing plan")

    page.goto("/discussions/search/?q=nothing+like+this")
    expect(page.get_by_role("status")).to_have_text("0 results for “nothing like this”")
    assert_accessible(page)
