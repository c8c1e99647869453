"""Apply, sponsor confirms, manager scores and offers, applicant accepts, attendance,
journal, and the commitment tracker moving from 0 to 1. axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.conftest import module_added, programme_create_for
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    NetworkFactory,
    UserFactory,
)

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]


def test_programme_journey(page, browser, live_server, mailoutbox):
    session, community = _a_programme_with_a_session_and_a_convener()
    sign_in(page, "ada@example.org")
    _apply(page)
    _the_sponsor_confirms(browser, live_server, mailoutbox)
    manager_page = _the_manager_scores_and_offers_a_place(browser, live_server)
    page.goto("/programmes/leaders-2027/apply/")
    page.get_by_role("button", name="Accept the place").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Welcome to the programme")
    assert_accessible(page)

    # The session has taken place (attendance is recorded once a meeting has begun).
    Meeting.objects.filter(pk=session.meeting_id).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    manager_page.goto(f"/meetings/{session.meeting_id}/attendance/")
    assert_accessible(manager_page)
    manager_page.get_by_label("Ada Applicant").check()
    manager_page.get_by_role("button", name="Save attendance").click()

    _the_journal_with_a_first_entry(page)

    held = timezone.now() - timedelta(hours=3)
    MeetingFactory(
        community=community,
        title="Falls meeting",
        format="in-person",
        starts_at=held,
        ends_at=held + timedelta(hours=2),
    )
    page.reload()
    expect(page.locator(".app-commitment")).to_have_text("1 of 5 face-to-face meetings convened")


def _a_programme_with_a_session_and_a_convener():
    """The network's programme taking applications, its first session tomorrow, and Ada,
    who convenes a community of the network: (session, community)."""
    network = NetworkFactory(name="National Deprescribing Network")
    manager = UserFactory(email="pm@example.nhs.uk", name="Pat Manager")
    network.managers.add(manager)
    programme = programme_create_for(network=network, manager=manager)
    session = module_added(
        programme=programme,
        manager=manager,
        starts_in=timedelta(days=1),
        title="Module 1: Discover",
        venue="Example House",
    )
    community = CommunityFactory(name="Falls in Care Homes", slug="falls", network=network)
    applicant = UserFactory(email="ada@example.org", name="Ada Applicant")
    MembershipFactory(community=community, user=applicant, role="convener")
    return session, community


def _apply(page):
    page.get_by_role("link", name="Leadership programmes").click()
    assert_accessible(page)
    page.get_by_role("link", name="Convener Leadership 2027").click()
    assert_accessible(page)
    page.get_by_role("button", name="Apply").click()
    assert_accessible(page)
    page.get_by_label("The community you convene").select_option(label="Falls in Care Homes")
    page.get_by_label("Why you want to take part").fill(
        "To grow our falls community across the county."
    )
    page.get_by_label("What you hope to learn").fill("Facilitation and keeping people engaged.")
    page.get_by_label("Sponsor's name").fill("Sol Sponsor")
    page.get_by_label("Sponsor's role").fill("Director of nursing")
    page.get_by_label("Sponsor's e-mail address").fill("sponsor@example.nhs.uk")
    page.get_by_label(re.compile("I commit to convene")).check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("submitted")
    expect(page.locator("main")).to_contain_text("waiting for confirmation")
    assert_accessible(page)


def _the_sponsor_confirms(browser, live_server, mailoutbox):
    """From the link in the sponsor's e-mail, without signing in."""
    sponsor_mail = next(m for m in mailoutbox if m.to == ["sponsor@example.nhs.uk"])
    link = re.search(r"https?://\S+/sponsor/\S+/", sponsor_mail.body).group(0)
    sponsor_page = browser.new_context(base_url=live_server.url).new_page()
    sponsor_page.goto(link.replace("http://testserver", ""))
    assert_accessible(sponsor_page)
    sponsor_page.get_by_role("button", name="I support this application").click()
    expect(sponsor_page.locator("h1")).to_have_text("Thank you")


def _the_manager_scores_and_offers_a_place(browser, live_server):
    """The manager's page, signed in, once the decision is saved."""
    manager_page = browser.new_context(base_url=live_server.url).new_page()
    sign_in(manager_page, "pm@example.nhs.uk")
    manager_page.goto("/programmes/leaders-2027/applications/")
    assert_accessible(manager_page)
    expect(manager_page.locator("tbody")).to_contain_text("Confirmed")
    manager_page.get_by_role("link", name="Ada Applicant").click()
    assert_accessible(manager_page)
    manager_page.locator("#id_r-c0_3").check()
    manager_page.locator("#id_r-c1_4").check()
    manager_page.get_by_role("button", name="Save scores").click()
    manager_page.get_by_label("Offer a place").check()
    manager_page.get_by_role("button", name="Save decision").click()
    expect(manager_page.locator(".nhsuk-notification-banner")).to_contain_text(
        "decision has been saved"
    )
    return manager_page


def _the_journal_with_a_first_entry(page):
    page.goto("/programmes/leaders-2027/journal/")
    expect(page.locator(".app-commitment")).to_have_text("0 of 5 face-to-face meetings convened")
    expect(page.locator(".app-session-attendance")).to_have_text("Attended")
    assert_accessible(page)
    page.get_by_role("link", name="Write an entry").click()
    page.get_by_label("Title").fill("After module 1")
    page.get_by_label("Reflection").fill("I learnt to start with the domain, not the agenda.")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator("main")).to_contain_text("After module 1")
    assert_accessible(page)
