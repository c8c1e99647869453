"""A member reports a story that names a resident; the convener, told by e-mail, finds it in
the community's reports, hides it with a reason; the author reads the reason on the story's
page (and in the e-mail it came with); another member finds the story gone. axe-core and
the HTML checker check every page."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Community, Membership
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import CommunityFactory, MembershipFactory, StoryFactory, UserFactory

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]

TITLE = "Crushing tablets at Meadowview"
REASON = "It names a resident and her room: please tell it without them."


def hide_with_a_reason(page, what, reason):
    """On the page that asks "Hide this <what>?" (a story, a reply...): hiding with no reason
    is refused in the error summary; with `reason` the <what> is hidden, the page says that
    its author has been told why, and shows the reason."""
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hide this {what}?")
    assert_accessible(page)
    page.get_by_role("button", name=f"Hide the {what}").click()  # no reason yet: refused
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Give a reason")
    assert_accessible(page)
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name=f"Hide the {what}").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        f"The {what} is hidden and its author has been told why."
    )
    expect(page.locator(".app-hidden-reason")).to_contain_text(f"Hidden by a convener: {reason}")


def _relative(link):
    return re.sub(r"^https?://[^/]+", "", link)


def test_report_hide_and_read_the_reason(page, mailoutbox):
    community = CommunityFactory(
        name="Care Homes Medicines", slug="care-homes", visibility=Community.Visibility.LISTED
    )
    people = {
        role: MembershipFactory(
            community=community,
            user=UserFactory(email=f"{role}@example.nhs.uk", name=f"{role.title()} Example"),
            role=Membership.Role.CONVENER if role == "convener" else Membership.Role.MEMBER,
        ).user
        for role in ("author", "reporter", "convener", "other")
    }
    story = StoryFactory(
        community=community, author=people["author"], title=TITLE, visibility="members"
    )
    story_path = f"/library/stories/{story.pk}/"

    # A member reports it, with a reason.
    sign_in(page, "reporter@example.nhs.uk")
    page.goto(story_path)
    assert_accessible(page)
    page.get_by_role("link", name="Report this story").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report this story")
    assert_accessible(page)
    page.get_by_label("What is wrong with it?").fill("It names a resident of our care home.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "the conveners have been told about this story"
    )
    assert_accessible(page)
    sign_out(page)
    assert [m.to for m in mailoutbox] == [["convener@example.nhs.uk"]]

    # The convener finds it in the community's reports and hides it with a reason.
    sign_in(page, "convener@example.nhs.uk")
    page.goto("/communities/care-homes/")
    page.get_by_role("link", name="1 report to look at").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("It names a resident of our care home.")
    expect(page.locator("tbody tr")).to_contain_text("Reporter Example")
    assert_accessible(page)
    page.get_by_role("link", name=f"Hide {TITLE}").click()
    hide_with_a_reason(page, "story", REASON)
    assert_accessible(page)
    page.goto("/communities/care-homes/reports/")
    expect(page.get_by_text("No report is waiting.")).to_be_visible()
    sign_out(page)

    # The author reads why, from the e-mail's link.
    notice = mailoutbox[-1]
    assert notice.to == ["author@example.nhs.uk"] and REASON in notice.body
    link = re.search(r"https?://\S+/library/stories/\d+/", notice.body).group(0)
    sign_in(page, "author@example.nhs.uk")
    page.goto(_relative(link))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".app-hidden-reason")).to_contain_text(f"Hidden by a convener: {REASON}")
    assert_accessible(page)
    sign_out(page)

    # Another member: the story is not there at all.
    sign_in(page, "other@example.nhs.uk")
    # (Asked with the browser's cookies but not opened as a page: a page answering 404 is a
    # console error, which fails every journey.)
    response = page.request.get(story_path)
    assert response.status == 404 and TITLE not in response.text()
    page.goto("/communities/care-homes/library/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(TITLE)).to_have_count(0)
    assert_accessible(page)
