"""A newcomer finds a community by topic, asks to join with a note; the convener approves
from the e-mail link; the newcomer sees the members, states a need, and the board shows a
matching offer. axe-core checks every page on the way."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Community, Membership
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]


def offered(page, label):
    """The values the browser's own suggestion list of this field holds."""
    list_id = page.get_by_label(label).get_attribute("list")
    return page.locator(f"datalist#{list_id} option").evaluate_all("os => os.map(o => o.value)")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_find_ask_approve_state_a_need_and_meet_an_offer(page, mailoutbox):
    _polypharmacy_with_a_convener_and_an_offer()
    sign_in(page, "newcomer@example.org")
    _find_the_community_by_topic_and_ask_to_join(page)
    _the_convener_approves_from_the_email(page, mailoutbox)
    sign_in(page, "newcomer@example.org")
    _see_the_members_state_a_need_and_meet_the_offer(page)


def _polypharmacy_with_a_convener_and_an_offer():
    community = CommunityFactory(
        name="Polypharmacy Over 74",
        slug="polypharmacy",
        join_policy=Community.JoinPolicy.APPROVAL,
        visibility=Community.Visibility.LISTED,
        domain="Reducing harm from problematic polypharmacy.",
    )
    community.topics.set(["polypharmacy", "deprescribing"])
    CommunityFactory(name="Sepsis Network").topics.set(["sepsis"])
    MembershipFactory(
        community=community,
        role=Membership.Role.CONVENER,
        user=UserFactory(email="lead@example.nhs.uk", name="Lee Convener"),
    )
    MembershipFactory(
        community=community,
        user=UserFactory(name="Olu Offerer"),
        offers="I run structured medication reviews and can mentor.",
        offers_topics="medication review",
    )
    UserFactory(email="newcomer@example.org", name="Nia Newcomer")


def _find_the_community_by_topic_and_ask_to_join(page):
    page.get_by_role("link", name="Communities", exact=True).click()
    assert_accessible(page)
    # The topics in use are offered as the newcomer types (the page above passed the HTML
    # checker with them); Enter in the field applies the filter.
    assert sorted(offered(page, "Topic")) == ["deprescribing", "polypharmacy", "sepsis"]
    page.get_by_label("Topic").fill("polypharmacy")
    page.get_by_label("Topic").press("Enter")
    expect(page.locator(".nhsuk-card__heading")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="Polypharmacy Over 74").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Polypharmacy Over 74")
    assert_accessible(page)

    page.get_by_role("button", name="Ask to join").click()  # a link styled as a button
    assert_accessible(page)
    page.get_by_label("A short note to the conveners (optional)").fill(
        "Practice pharmacist, I review care-home residents."
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your request has been sent")
    assert_accessible(page)
    sign_out(page)


def _the_convener_approves_from_the_email(page, mailoutbox):
    assert [m.to for m in mailoutbox] == [["lead@example.nhs.uk"]]
    decide_link = re.search(r"https?://\S+/requests/\d+/", mailoutbox[0].body).group(0)
    sign_in(page, "lead@example.nhs.uk")
    page.goto(decide_link.replace("http://testserver", ""))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nia Newcomer asks to join")
    expect(page.locator("main")).to_contain_text("I review care-home residents")
    assert_accessible(page)
    page.get_by_label("Approve").check()
    page.get_by_label("A message to the person (optional)").fill("Welcome, Nia!")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("approved")
    assert_accessible(page)
    sign_out(page)
    assert mailoutbox[-1].to == ["newcomer@example.org"] and "Welcome, Nia!" in mailoutbox[-1].body


def _see_the_members_state_a_need_and_meet_the_offer(page):
    page.goto("/communities/polypharmacy/")
    page.get_by_role("link", name="Members", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(3)
    assert_accessible(page)
    page.get_by_role("link", name="Needs and offers").click()
    assert_accessible(page)
    page.get_by_role("link", name="Say what you need and what you can offer").click()
    assert_accessible(page)
    page.get_by_label("What do you need from the community?").fill(
        "A mentor for my first medication reviews."
    )
    assert "polypharmacy" in offered(page, "Topics of your needs")
    page.get_by_label("Topics of your needs").fill("medication review")
    page.get_by_role("button", name="Save").click()
    match = page.locator(".app-matches li")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("Olu Offerer")
    assert_accessible(page)
