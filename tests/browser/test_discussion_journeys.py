"""A member asks a question and mentions a colleague, choosing her from the suggestions with
the keyboard; the colleague replies; the asker marks the reply as the answer. Then a
near miss in a safe space: another member sees "A member", the convener sees who wrote it.
axe-core and the HTML checker check every page."""

import pytest
from playwright.sync_api import expect

from communities.models import Community, Membership
from tests.browser.conftest import assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _community():
    community = CommunityFactory(
        name="Care Homes Medicines", slug="care-homes", visibility=Community.Visibility.LISTED
    )
    for key, name, role in [
        ("asker", "Asha Example", Membership.Role.MEMBER),
        ("colleague", "Bethan Sample", Membership.Role.MEMBER),
        ("convener", "Colm Lead", Membership.Role.CONVENER),
    ]:
        MembershipFactory(
            community=community,
            user=UserFactory(email=f"{key}@example.nhs.uk", name=name),
            role=role,
        )
    return community


def test_ask_mention_reply_and_answer(page):
    _community()
    sign_in(page, "asker@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Discussions")
    assert_accessible(page)
    page.get_by_role("link", name="Start a discussion").first.click()
    assert_accessible(page)
    page.get_by_label("Question").check()
    page.get_by_label("Title").fill("Covert medication reviews")
    body = page.get_by_label("What do you want to discuss?")
    body.click()
    body.press_sequentially("How often do you review it? @Bet")
    option = page.get_by_role("option", name="Bethan Sample")
    expect(option).to_be_visible()
    expect(body).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)
    body.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    body.press("Enter")
    assert body.input_value().startswith("How often do you review it? @[Bethan Sample](")
    page.get_by_role("button", name="Start the discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Covert medication reviews")
    expect(page.locator(".app-mention")).to_have_text("@Bethan Sample")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "colleague@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/")
    page.get_by_role("link", name="Covert medication reviews").click()
    page.get_by_label("Your reply").fill("Every month, with the pharmacist.")
    page.get_by_role("button", name="Add your reply").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your reply has been added")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "asker@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/")
    page.get_by_role("link", name="Covert medication reviews").click()
    page.get_by_role("button", name="Mark as the answer").click()
    expect(page.locator("article").first).to_contain_text("The answer")
    expect(page.locator(".nhsuk-tag", has_text="Answered")).to_be_visible()
    assert_accessible(page)


def test_a_near_miss_in_the_safe_space(page):
    _community()
    sign_in(page, "asker@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/new/")
    expect(page.locator(".app-ground-rules")).to_contain_text("safe space")
    page.get_by_label("Near miss to learn from").check()
    page.get_by_label("Title").fill("A double dose nearly given")
    page.get_by_label("What do you want to discuss?").fill("Two charts for one resident.")
    page.get_by_label("This is about learning from harm").check()
    page.get_by_label("Don't show my name to members").check()
    page.get_by_role("button", name="Start the discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A double dose nearly given")
    sign_out(page)

    sign_in(page, "colleague@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/")
    page.get_by_role("link", name="A double dose nearly given").click()
    expect(page.locator("main")).to_contain_text("Started by A member")
    expect(page.locator("main")).not_to_contain_text("Asha Example")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "convener@example.nhs.uk")
    page.goto("/communities/care-homes/discussions/")
    page.get_by_role("link", name="A double dose nearly given").click()
    expect(page.locator("main")).to_contain_text("Started by Asha Example")
    expect(page.locator("main")).to_contain_text("shown to conveners only")
    assert_accessible(page)
