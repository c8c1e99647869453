"""A busy member signs in: the home page leads with what needs her (an action point due,
a join request, a place), then what is new by community, and "and N more" takes her, by
keyboard, to the community's page."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from knowledge.models import Resource
from meetings.models import Meeting
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import (
    ActionItemFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = JOURNEY


def meeting(community, title, *, days, created=None):
    start = timezone.now() + timedelta(days=days)
    made = MeetingFactory(community=community, title=title, starts_at=start)
    if created:
        Meeting.objects.filter(pk=made.pk).update(created_at=created)
    return made


def test_a_busy_member_sees_what_needs_her_first_and_the_news_by_community(page):
    long_ago = timezone.now() - timedelta(days=60)
    ada = UserFactory(email="ada@example.org", name="Ada Okafor")
    falls = CommunityFactory(name="Falls Prevention", slug="falls")
    sepsis = CommunityFactory(name="Sepsis Collaborative", slug="sepsis")
    MembershipFactory(community=falls, user=ada, role="convener")
    MembershipFactory(community=sepsis, user=ada)
    held = meeting(falls, "Falls review", days=-60, created=long_ago)
    MinutesFactory(meeting=held, status="published", published_at=long_ago)
    ActionItemFactory(
        community=falls,
        meeting=held,
        owner=ada,
        description="Send the audit form",
        due_date=timezone.localdate() + timedelta(days=2),
    )
    MembershipFactory(
        community=falls,
        user=UserFactory(name="Ria Requester"),
        status="requested",
        requested_at=timezone.now(),
    )
    huddle = meeting(sepsis, "Sepsis huddle", days=3, created=long_ago)
    RegistrationFactory(meeting=huddle, user=ada, status="registered")
    for n in range(1, 6):
        Resource.objects.create(
            community=falls, title=f"Falls resource {n}", summary="s", kind="toolkit"
        )
    Resource.objects.create(community=sepsis, title="Sepsis toolkit", summary="s", kind="toolkit")

    sign_in(page, "ada@example.org")  # to the home page: its first visit shows the news
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada")
    headings = [text.strip() for text in page.locator("main h2").all_inner_texts()]
    order = [
        headings.index(h) for h in ("Needs you", "New in your communities", "Your communities")
    ]
    assert order == sorted(order), headings
    needs = page.locator(".app-home-needs li")
    expect(needs).to_have_count(3)
    expect(needs.nth(0)).to_contain_text("Send the audit form")
    expect(needs.nth(1)).to_contain_text("Ria Requester asks to join Falls Prevention")
    expect(needs.nth(2)).to_contain_text("Registered: Sepsis huddle")
    expect(page.locator(".app-home-new h3")).to_have_text(
        ["Falls Prevention", "Sepsis Collaborative"]
    )
    expect(page.locator(".app-home-new li")).to_have_count(4)  # three of Falls, one of Sepsis
    assert_accessible(page)

    more = page.get_by_role("link", name="and 2 more in Falls Prevention")
    more.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/communities/falls/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Falls Prevention")
