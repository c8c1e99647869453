"""Private messages in Chromium: a member writes to the author of an offer from its card,
the author answers on the site, both read the conversation; once blocked, the first member
cannot write. axe-core and the HTML checker on each page."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Membership
from tests.browser.conftest import assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _signed_in(page, email):
    sign_in(page, email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_member_contacts_the_author_of_an_offer(page):
    community = CommunityFactory(name="Falls prevention")
    asker = UserFactory(name="Ada Example")
    author = UserFactory(name="Ben Example")
    MembershipFactory(community=community, user=asker, needs="A leaflet on falls at home")
    MembershipFactory(community=community, user=author)
    Membership.objects.filter(user=author).update(offers="Our falls leaflet, free to adapt")

    _signed_in(page, asker.email)
    page.goto(f"/communities/{community.slug}/needs-and-offers/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Send a message\s+Ben Example$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a message to Ben Example")
    assert_accessible(page)
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Write your message")
    assert_accessible(page)
    page.get_by_label("Message").fill("Could I adapt your falls leaflet for our care homes?")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages with Ben Example")
    assert_accessible(page)
    sign_out(page)

    _signed_in(page, author.email)
    page.goto("/messages/")
    assert_accessible(page)
    page.get_by_role("link", name="Ada Example (unread)").click()
    expect(page.locator("main")).to_contain_text("Could I adapt your falls leaflet")
    page.get_by_label("Message").fill("Yes, please do: I will send the editable copy.")
    page.get_by_role("button", name="Send", exact=True).click()
    thread = page.locator("main ol")
    expect(thread).to_contain_text("Could I adapt your falls leaflet")
    expect(thread).to_contain_text("Yes, please do")
    assert_accessible(page)
    page.get_by_role("link", name="Block Ada Example").click()
    assert_accessible(page)
    page.get_by_role("button", name="Block").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Message settings")
    expect(page.locator("main")).to_contain_text("Ada Example")
    assert_accessible(page)
    sign_out(page)

    _signed_in(page, asker.email)
    page.goto("/messages/")
    page.get_by_role("link", name="Ben Example (unread)").click()
    expect(page.locator("main ol")).to_contain_text("Yes, please do")
    expect(page.locator("main")).to_contain_text("You cannot send messages to this person.")
    expect(page.get_by_label("Message")).to_have_count(0)
    assert_accessible(page)
