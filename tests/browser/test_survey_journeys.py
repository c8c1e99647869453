"""Surveys end to end in Chromium; axe-core and the HTML checker on every page.

- A programme manager builds a survey from the four evaluation questions for the whole
  network and sends it. Members follow the links in their invitations, which say who will
  read the answers: one saves a draft and finishes later, one answers anonymously, one
  belongs to a private community. The manager reads the response rate, each question as a
  chart with its table, and the written answers: named where they may see the membership,
  without a name otherwise, the lone anonymous answer left out.
- A baseline answered on joining, then its follow-up: the newcomer sees their own change,
  the manager sees the change of five people in totals, nobody sees another's answers.
"""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Community, Membership
from evaluation.surveys import services
from evaluation.surveys.models import Question, Survey
from tests.browser.conftest import assert_accessible
from tests.browser.test_account_journeys import link_in, sign_in
from tests.factories import (
    PASSWORD,
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    UserFactory,
)

# eager_tasks: the invitations are sent by tasks, and the journeys read them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.eager_tasks,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NETWORK = "North Coast Collaborative"
READERS = (
    f"Read by the people who run this survey: Mo Manager (programme manager of {NETWORK}) "
    "and the site's administrators."
)
MET = "Were your needs and priorities met?"
CONFIDENCE = "How confident are you in the community's domain?"


def _network():
    """The network, its manager Mo; Ada and Ben in a listed community, Dee and its convener
    in a private one; Eve, who belongs to none yet."""
    network = NetworkFactory(name=NETWORK, slug="north-coast")
    UserFactory(email="mo@example.org", name="Mo Manager").managed_networks.add(network)
    falls = CommunityFactory(
        network=network,
        name="Falls prevention",
        slug="falls",
        visibility=Community.Visibility.LISTED,
        join_policy=Community.JoinPolicy.OPEN,
    )
    sepsis = CommunityFactory(
        network=network, name="Sepsis huddle", visibility=Community.Visibility.PRIVATE
    )
    for key, name, community, role in [
        ("ada", "Ada Member", falls, Membership.Role.MEMBER),
        ("ben", "Ben Member", falls, Membership.Role.MEMBER),
        ("dee", "Dee Private", sepsis, Membership.Role.MEMBER),
        ("cy", "Cy Convener", sepsis, Membership.Role.CONVENER),
    ]:
        user = UserFactory(email=f"{key}@example.org", name=name)
        MembershipFactory(community=community, user=user, role=role)
    UserFactory(email="eve@example.org", name="Eve Newcomer")
    return network, falls


def _build_and_send(page, *, title, template, answers, baseline=None):
    """The manager, signed in, builds a survey for the whole network and opens it."""
    page.goto("/surveys/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")
    assert_accessible(page)
    page.get_by_role("link", name="Build a survey").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label(template).check()
    if baseline:
        page.get_by_label("The baseline it follows up").select_option(label=baseline)
    page.get_by_label(answers).check()
    page.get_by_label("Ask a whole network").select_option(label=NETWORK)
    assert_accessible(page)
    page.get_by_role("button", name="Create the survey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".app-who-reads")).to_contain_text(READERS)
    assert_accessible(page)
    page.get_by_role("link", name="Open the survey").click()
    assert_accessible(page)
    page.get_by_role("button", name="Open and send the invitations").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("invitations are on")


def _follow_the_invitation(browser, live_server, mailoutbox, key, title):
    """A member's page on the survey, reached from their invitation's link (signing in on
    the way); the invitation says who will read the answers."""
    mail = [m for m in mailoutbox if m.to == [f"{key}@example.org"] and title in m.subject][-1]
    assert READERS in " ".join(mail.body.split())
    page = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    page.goto(link_in(mail, "/notifications/"))
    page.get_by_label("Email").fill(f"{key}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".app-who-reads")).to_contain_text(READERS)
    assert_accessible(page)
    return page


def _answer(page, benefits, *, met="4", anonymously=False):
    page.get_by_label("What were the benefits of participating?").fill(benefits)
    page.get_by_label("Did you face any challenges in participating?").fill("Time off the ward.")
    page.get_by_role("radio", name=re.compile(f"^{met}")).check()
    if anonymously:
        page.get_by_label("Answer anonymously").check()
    page.get_by_role("button", name="Send your answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_accessible(page)


def test_a_network_survey_from_sending_to_its_results(page, browser, live_server, mailoutbox):
    _network()
    sign_in(page, "mo@example.org")
    title, choice = "Our first year", "Named, but each person may choose to answer anonymously"
    _build_and_send(page, title=title, template="The four evaluation questions", answers=choice)
    assert sorted(m.to[0] for m in mailoutbox if title in m.subject) == [
        f"{key}@example.org" for key in ("ada", "ben", "cy", "dee")
    ]
    ada = _follow_the_invitation(browser, live_server, mailoutbox, "ada", title)
    expect(ada.locator(".app-draft-notice")).to_contain_text("kept with your name")
    ada.get_by_label("What were the benefits of participating?").fill("Met the pharmacists.")
    ada.get_by_role("button", name="Save and finish later").click()
    expect(ada.locator(".nhsuk-notification-banner")).to_contain_text("come back to finish")
    ada.get_by_role("link", name=title).click()
    benefits = ada.get_by_label("What were the benefits of participating?")
    expect(benefits).to_have_value("Met the pharmacists.")
    _answer(ada, "Met the pharmacists, and a new falls checklist.", met="5")
    ben = _follow_the_invitation(browser, live_server, mailoutbox, "ben", title)
    _answer(ben, "Ideas I could not have had alone.", met="2", anonymously=True)
    dee = _follow_the_invitation(browser, live_server, mailoutbox, "dee", title)
    _answer(dee, "A safer handover at night.", met="4")
    _the_manager_reads_the_results(page, title)
    _the_report_says_what_members_said(page, title)


def _the_report_says_what_members_said(page, title):
    """The network's report for funders carries the same figures, and no name."""
    page.goto("/evaluation/reports/")
    page.get_by_role("link", name=NETWORK).first.click()
    survey = page.locator(".app-report-survey").filter(has_text=title)
    expect(survey.locator(".app-response-rate")).to_contain_text("3 of 4 people answered (75%)")
    table = survey.get_by_role("table", name=f"Answers to “{MET}”")
    expect(table.get_by_role("row", name="5: Completely 1")).to_be_visible()
    expect(survey).to_contain_text("a new falls checklist")
    for hidden in ("Ada Member", "Dee Private", "Ideas I could not have had alone."):
        expect(page.locator("main")).not_to_contain_text(hidden)
    assert_accessible(page)


def _the_manager_reads_the_results(page, title):
    page.goto("/surveys/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="See the results").click()
    expect(page.locator(".app-response-rate")).to_have_text("3 of 4 people answered (75%).")
    expect(page.locator(".app-anonymous-left-out")).to_contain_text("1 anonymous answer not")
    chart = page.get_by_role("img", name=re.compile(f"^Answers to “{re.escape(MET)}”"))
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name=f"Answers to “{MET}”")
    expect(table.get_by_role("row", name="5: Completely 1")).to_be_visible()
    expect(table.get_by_role("row", name="4 1")).to_be_visible()
    expect(table.get_by_role("row", name="2 0")).to_be_visible()  # Ben's is not counted
    written = page.locator(".app-free-text").first
    expect(written).to_contain_text("a new falls checklist")
    expect(written).to_contain_text("Ada Member")
    expect(written).to_contain_text("A safer handover at night.")
    expect(page.locator("main")).not_to_contain_text("Dee Private")
    expect(page.locator("main")).not_to_contain_text("Ideas I could not have had alone.")
    assert_accessible(page)


def test_a_baseline_answered_on_joining_then_its_follow_up(page, browser, live_server, mailoutbox):
    network, falls = _network()
    others = [MembershipFactory(community=falls).user for _ in range(4)]
    sign_in(page, "mo@example.org")
    _build_and_send(
        page,
        title="When you joined",
        template="Baseline: needs, offers and confidence",
        answers="Named: each answer carries the person's name",
    )
    baseline = Survey.objects.get(title="When you joined")
    for person in others:  # those who were there already answer through the service
        _answer_by_service(baseline, person, confidence=2)

    eve = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    sign_in(eve, "eve@example.org")
    eve.goto("/communities/falls/")
    eve.get_by_role("button", name="Join this community").click()
    eve.get_by_role("button", name="Join", exact=True).click()
    expect(eve.locator(".nhsuk-notification-banner")).to_contain_text("Welcome")
    eve = _follow_the_invitation(browser, live_server, mailoutbox, "eve", "When you joined")
    _answer_the_baseline_questions(eve, confidence="2")

    _build_and_send(
        page,
        title="A year on",
        template="Follow-up of a baseline",
        answers="Named: each answer carries the person's name",
        baseline="When you joined",
    )
    follow_up = Survey.objects.get(title="A year on")
    for person in others:
        _answer_by_service(follow_up, person, confidence=3)
    eve = _follow_the_invitation(browser, live_server, mailoutbox, "eve", "A year on")
    _answer_the_baseline_questions(eve, confidence="4")
    own = eve.get_by_role("table")
    expect(own.get_by_role("row", name=f"{CONFIDENCE} 2 4 +2")).to_be_visible()
    expect(own.get_by_role("row")).to_have_count(2)  # the heading and her own row, no one else's

    page.goto(f"/surveys/{follow_up.pk}/results/")
    change = page.locator(".app-change")
    # Five people compared with themselves: four moved up by one, Eve by two.
    expect(change.get_by_role("row", name=f"{CONFIDENCE} 5 1.2 5 0 0")).to_be_visible()
    expect(change.get_by_role("row")).to_have_count(2)  # totals only: nobody's own change
    assert_accessible(page)


def _answer_the_baseline_questions(page, *, confidence):
    page.get_by_label("What do you need from the community?").fill("Ways to cut falls at night.")
    page.get_by_label("What can you offer the community?").fill("Our checklist.")
    page.get_by_role("radio", name=re.compile(f"^{confidence}")).check()
    page.get_by_role("button", name="Send your answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_accessible(page)


def _answer_by_service(survey, person, *, confidence):
    answers = {
        q.pk: {"value": confidence} if q.kind == Question.Kind.SCALE else {"text": "Peers."}
        for q in survey.questions.all()
    }
    services.response_submit(survey=survey, user=person, answers=answers)
