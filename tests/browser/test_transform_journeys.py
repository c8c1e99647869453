"""A community's end, as its convener and its members see it: archived (nothing can be
posted, the members told), merged (everything moves, every member told once), split (the
chosen members invited). axe-core and the HTML checker check every page on the way."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communities.models import Community, Membership
from knowledge.models import Resource
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.browser.test_community_journeys import sign_out
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]


def falls_group():
    """Falls Group, convened by Lee, with Mo as a member, a meeting next week and a guide."""
    community = CommunityFactory(
        name="Falls Group", slug="falls", visibility=Community.Visibility.LISTED
    )
    lead = UserFactory(email="lead@example.org", name="Lee Convener")
    member = UserFactory(email="mo@example.org", name="Mo Member")
    MembershipFactory(community=community, user=lead, role=Membership.Role.CONVENER)
    MembershipFactory(community=community, user=member)
    start = timezone.now() + timedelta(days=7)
    meeting = MeetingFactory(community=community, title="Falls huddle", starts_at=start)
    resource = ResourceFactory(community=community, title="Falls prevention guide", owner=member)
    return community, lead, member, meeting, resource


def open_transform(page, slug):
    page.goto(f"/communities/{slug}/")
    page.get_by_role("link", name="Archive, merge or split").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Archive, merge or split")
    assert_accessible(page)


def confirm(page, heading, button):
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    page.get_by_role("button", name=button).click()


def test_archive_ends_the_community_and_tells_its_members(page, mailoutbox):
    community, lead, member, meeting, _ = falls_group()
    sign_in(page, "lead@example.org")
    open_transform(page, "falls")
    page.get_by_role("link", name="Archive it").click()
    expect(page.locator(".app-outcome")).to_contain_text("1 future meeting is cancelled")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()  # without the note
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say what becomes")
    assert_accessible(page)
    page.get_by_label("What becomes of the community").fill("Our work goes on in Frailty.")
    page.get_by_role("button", name="Continue").click()
    confirm(page, "Archive Falls Group?", "Archive Falls Group")
    expect(page.locator(".nhsuk-warning-callout")).to_contain_text("This community is archived")
    expect(page.locator(".nhsuk-caption-l")).not_to_contain_text("phase")
    assert_accessible(page)
    sign_out(page)

    told = [m for m in mailoutbox if m.subject == "Falls Group has been archived"]
    assert sorted(m.to[0] for m in told) == ["lead@example.org", "mo@example.org"]
    assert "Our work goes on in Frailty." in told[0].body

    sign_in(page, "mo@example.org")
    page.goto("/communities/falls/stories/new/")
    expect(page.locator("main")).to_contain_text("Falls Group is archived")
    expect(page.locator("main form")).to_have_count(0)
    assert_accessible(page)
    page.goto(f"/meetings/{meeting.pk}/")
    expect(page.locator("main")).to_contain_text("archived")
    expect(page.get_by_role("button", name="Register")).to_have_count(0)
    assert_accessible(page)


def test_merge_moves_everything_and_tells_each_member_once(page, mailoutbox):
    community, lead, member, meeting, resource = falls_group()
    target = CommunityFactory(
        name="Frailty Group", slug="frailty", visibility=Community.Visibility.LISTED
    )
    MembershipFactory(community=target, user=lead, role=Membership.Role.CONVENER)
    sign_in(page, "lead@example.org")
    open_transform(page, "falls")
    page.get_by_role("link", name="Merge it into another community").click()
    assert_accessible(page)
    page.get_by_label("Community to merge into").select_option(label="Frailty Group")
    page.get_by_role("button", name="Continue").click()  # no note needed
    expect(page.locator(".app-outcome")).to_contain_text(
        "2 members, 1 future meeting, 1 resource, 0 discussions and 0 open action points will move to "
        "Frailty Group"
    )
    confirm(page, "Merge Falls Group into Frailty Group?", "Merge into Frailty Group")
    expect(page.get_by_role("heading", level=1)).to_have_text("Frailty Group")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("has been merged")
    assert_accessible(page)
    sign_out(page)

    merged = [m for m in mailoutbox if "has merged into" in m.subject]
    assert sorted(m.to[0] for m in merged) == ["lead@example.org", "mo@example.org"]
    assert "1 future meeting, 1 resource, 0 discussions and 0 open action points" in merged[0].body

    sign_in(page, "mo@example.org")
    page.goto("/communities/falls/meetings/")  # the old address leads on
    assert page.url.endswith("/communities/frailty/meetings/")
    expect(page.locator("main")).to_contain_text("Falls huddle")
    assert_accessible(page)
    page.goto("/communities/falls/library/")
    assert page.url.endswith("/communities/frailty/library/")
    expect(page.locator("main")).to_contain_text("Falls prevention guide")
    assert_accessible(page)
    assert Resource.objects.get(pk=resource.pk).community == target
    assert not Membership.objects.filter(community=community, status="active").exists()


def test_split_invites_the_chosen_members(page, mailoutbox):
    community, lead, member, meeting, resource = falls_group()
    MembershipFactory(community=community, user=UserFactory(name="Sam Stays"))
    sign_in(page, "lead@example.org")
    open_transform(page, "falls")
    page.get_by_role("link", name="Split a new community off it").click()
    assert_accessible(page)
    page.get_by_label("Name of the new community").fill("Hip Fracture Group")
    page.get_by_label("Short web address of the new community").fill("hip-fracture")
    page.get_by_label("What will the new community care about?").fill("Recovery after a fall.")
    page.get_by_label(re.compile("^Mo Member")).check()
    page.get_by_label(re.compile("^Falls huddle")).check()
    page.get_by_label("Falls prevention guide").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".app-answers")).to_contain_text("Mo Member")
    expect(page.locator(".app-answers")).not_to_contain_text("Sam Stays")
    confirm(page, "Start Hip Fracture Group from Falls Group?", "Start Hip Fracture Group")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hip Fracture Group")
    assert_accessible(page)
    sign_out(page)

    invitations = [m for m in mailoutbox if m.subject.startswith("You are invited")]
    assert [m.to for m in invitations] == [["mo@example.org"]]
    assert "1 future meeting and 1 resource moved" in invitations[0].body
    accept = re.search(r"https?://\S+/invitations/\S+/", invitations[0].body).group(0)

    sign_in(page, "mo@example.org")
    page.goto(accept.replace("http://testserver", ""))
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Accept")).click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Welcome to Hip Fracture Group"
    )
    page.goto("/communities/hip-fracture/meetings/")
    expect(page.locator("main")).to_contain_text("Falls huddle")
    assert_accessible(page)
