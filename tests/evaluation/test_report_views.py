"""The report as people read it: who reads which (404 for everyone else), the period and its
messages, the figures, the surveys and the stories of the period, a private community's
report to a programme manager (figures and counts, no names), the links to it, and the page
in a fixed number of queries."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Membership, Network
from evaluation.report import permissions
from evaluation.surveys import results as survey_results
from evaluation.surveys import services as survey_services
from evaluation.value.services import value_tag_save
from tests.conftest import field_error, soup
from tests.evaluation.test_report_figures import report_world
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    RegistrationFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    place = report_world()
    place["sepsis"].convener = MembershipFactory(
        community=place["sepsis"], role=Membership.Role.CONVENER
    ).user
    place["other_manager"] = UserFactory()
    Network.objects.create(name="Elsewhere", slug="elsewhere").managers.add(place["other_manager"])
    place["staff"] = UserFactory(is_staff=True)
    place["outsider"] = UserFactory()
    return place


def community_url(community, name="report_community", query=""):
    return reverse(f"evaluation:{name}", args=[community.slug]) + query


def network_url(network, name="report_network"):
    return reverse(f"evaluation:{name}", args=[network.slug])


def _person(place, role):
    return {
        "manager": place["network"].manager,
        "convener": place["falls"].convener,
        "member": place["people"][0],
    }.get(role) or place[role]


@pytest.mark.parametrize(
    ("role", "community", "network"),
    [
        ("manager", 200, 200),
        ("convener", 200, 404),
        ("staff", 200, 200),
        ("member", 404, 404),
        ("other_manager", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_who_reads_which_report(client, place, role, community, network):
    client.force_login(_person(place, role))
    assert client.get(community_url(place["falls"])).status_code == community
    assert client.get(network_url(place["network"])).status_code == network
    # Another community's convener reads only their own.
    assert client.get(community_url(place["sepsis"])).status_code == (
        404 if role == "convener" else community
    )


def test_signed_out_people_are_sent_to_sign_in(client, place):
    response = client.get(community_url(place["falls"]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def _summary(page):
    return {
        row.select_one("dt").get_text(strip=True): " ".join(row.select_one("dd").get_text().split())
        for row in page.select(".app-report-figures .nhsuk-summary-list__row")
    }


def test_the_community_report_shows_the_figures_of_the_last_12_months(client, place):
    client.force_login(place["falls"].convener)
    page = soup(client.get(community_url(place["falls"])))
    today = timezone.localdate()
    year_ago = today.replace(year=today.year - 1) + timedelta(days=1)
    assert page.select_one("h1").get_text(strip=True) == "Falls prevention"
    assert page.select_one(".nhsuk-caption-l").get_text(strip=True) == (
        f"Report for {year_ago:%-d %B %Y} to {today:%-d %B %Y}"
    )
    assert _summary(page) == {
        "Members": "7 at the end of the period, 3 of them new in it",
        "Reached": "5 organisations, 1 profession, 1 region",
        "Meetings held": "1",
        "Attendance": "3 registered, 4 attended",
        "Actions agreed at these meetings": "2: 1 done, 1 still open",
    }
    assert page.select_one("#id_start")["value"] == year_ago.isoformat()
    pdf_link = page.select_one(".app-report-download a")
    assert pdf_link["href"] == community_url(place["falls"], "report_community_pdf")


def test_the_network_report_has_a_row_per_community_and_the_map(client, place):
    client.force_login(place["network"].manager)
    page = soup(client.get(network_url(place["network"])))
    table = page.select_one("#report-communities").find_parent("table")
    rows = [
        [cell.get_text(strip=True) for cell in tr.select("th, td")]
        for tr in table.select("tbody tr")
    ]
    assert rows == [
        ["Falls prevention", "7", "3", "5", "1", "1", "3", "4", "1 of 2"],
        ["Sepsis huddle (private)", "2", "2", "2", "1", "1", "1", "1", "0 of 0"],
    ]
    assert _summary(page)["Members"] == "8 at the end of the period, 4 of them new in it"
    svg = page.select_one(".app-report-map svg")
    assert svg.find("title").get_text() == "Map of North Coast now"
    names = [th.get_text(strip=True) for th in page.select(".app-report-map ~ table tbody th")]
    assert "Sepsis huddle (private)" in names


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?start=2025-02-30", "id_start", "Enter the first day of the period as a real date"),
        ("?end=not-a-date", "id_end", "Enter the last day of the period as a real date"),
        ("?end={tomorrow}", "id_end", "The period cannot end after today"),
        (
            "?start={today}&end={yesterday}",
            "id_start",
            "The period must start on or before the day it ends",
        ),
    ],
)
def test_a_wrong_period_is_said_next_to_its_field(client, place, query, field, message):
    today = timezone.localdate()
    query = query.format(
        today=today, tomorrow=today + timedelta(days=1), yesterday=today - timedelta(days=1)
    )
    client.force_login(place["network"].manager)
    for name in ("report_community", "report_community_pdf"):
        response = client.get(community_url(place["falls"], name, query))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        page = soup(response)
        assert field_error(page, field) == message
        assert page.select(".app-report-section") == []


def test_a_chosen_period_is_kept_in_the_pdf_link(client, place):
    client.force_login(place["network"].manager)
    today = timezone.localdate()
    query = f"?start={today - timedelta(days=100)}&end={today - timedelta(days=45)}"
    page = soup(client.get(community_url(place["falls"], query=query)))
    assert _summary(page)["Members"] == "4 at the end of the period, 0 of them new in it"
    link = page.select_one(".app-report-download a")["href"]
    assert link == community_url(place["falls"], "report_community_pdf", query)


def open_survey(place, *, anonymous=False, title="Year one"):
    survey = survey_services.survey_create(
        actor=place["network"].manager,
        network=place["network"],
        title=title,
        communities=[place["falls"]],
        template="evaluation",
        anonymous=anonymous,
    )
    survey_services.survey_open(actor=place["network"].manager, survey=survey)
    survey.refresh_from_db()
    return survey


def answer_survey(survey, people, value=4):
    for person in people:
        answers = {
            q.pk: {"value": value} if q.kind == "scale" else {"text": f"Said by {person.pk}"}
            for q in survey.questions.all()
        }
        survey_services.response_submit(survey=survey, user=person, answers=answers)


def test_the_surveys_results_are_shown_to_those_who_read_them(client, place):
    survey = open_survey(place)
    answer_survey(survey, place["people"][:3])
    client.force_login(place["network"].manager)
    page = soup(client.get(community_url(place["falls"])))
    survey_part = page.select_one(".app-report-survey")
    assert survey_part.select_one("h3").get_text(strip=True) == "Year one"
    assert (
        survey_part.select_one(".app-response-rate")
        .get_text(" ", strip=True)
        .startswith("3 of 7 people answered (43%).")
    )
    assert f"Said by {place['people'][0].pk}" in survey_part.select_one(".app-free-text").text
    assert survey_part.select(".app-answer-by") == []  # a report names nobody
    assert survey_part.select("svg[role=img] title")
    # The convener does not read the results of the manager's survey, here or elsewhere.
    client.force_login(place["falls"].convener)
    page = soup(client.get(community_url(place["falls"])))
    assert page.select(".app-report-survey") == []
    assert "None of your surveys of this community ran in this period." in page.text


def test_only_the_results_page_links_to_all_the_written_answers(client, place, monkeypatch):
    monkeypatch.setattr(survey_results, "TEXTS_SHOWN", 1)
    survey = open_survey(place)
    answer_survey(survey, place["people"][:3])
    written = survey.questions.filter(kind="text").first()
    link = f'a[href="{reverse("evaluation:survey_written_answers", args=[survey.pk, written.pk])}"]'
    client.force_login(place["network"].manager)
    results = soup(client.get(reverse("evaluation:survey_results", args=[survey.pk])))
    assert results.select_one(link).get_text(" ", strip=True).startswith("Read all 3 written")
    report = soup(client.get(community_url(place["falls"]))).select_one(".app-report-survey")
    assert {len(shown.select("li")) for shown in report.select(".app-free-text")} == {1}
    assert report.select(link) == []


def test_a_small_group_of_an_anonymous_survey_stays_hidden(client, place):
    survey = open_survey(place, anonymous=True)
    answer_survey(survey, place["people"][:3])
    client.force_login(place["network"].manager)
    part = soup(client.get(community_url(place["falls"]))).select_one(".app-report-survey")
    assert part.select_one(".app-hidden-group").get_text(strip=True) == (
        "Fewer than 5 answers: not shown, so nobody can be recognised."
    )
    assert part.select(".app-free-text") == []
    assert "Said by" not in part.text


def test_a_survey_closed_before_the_period_is_left_out(client, place):
    with time_machine.travel(timezone.now() - timedelta(days=700)):
        survey = open_survey(place, title="Two years ago")
        survey_services.survey_close(actor=place["network"].manager, survey=survey)
    open_survey(place, title="This year")
    client.force_login(place["network"].manager)
    page = soup(client.get(community_url(place["falls"])))
    assert [h.get_text(strip=True) for h in page.select(".app-report-survey h3")] == ["This year"]
    long_ago = (timezone.localdate() - timedelta(days=720)).isoformat()
    page = soup(client.get(community_url(place["falls"], query=f"?start={long_ago}")))
    titles = [h.get_text(strip=True) for h in page.select(".app-report-survey h3")]
    assert titles == ["This year", "Two years ago"]


def _story(community, *, days_ago, cycle, visibility="public", **evidence):
    with time_machine.travel(timezone.now() - timedelta(days=days_ago)):
        story = StoryFactory(community=community, visibility=visibility)
    value_tag_save(actor=story.author, story=story, cycle=cycle, **evidence)
    return story


def _gap(page):
    return {
        tr.select_one("th").get_text(strip=True): [td.get_text() for td in tr.select("td")]
        for tr in page.select("#report-value ~ table tbody tr")
    }


def test_the_stories_of_the_period_by_cycle_with_the_evidence_gap(client, place):
    falls = place["falls"]
    figure = {"evidence_kind": "figure", "figure": 3, "figure_unit": "audits"}
    told = _story(falls, days_ago=10, cycle="applied", **figure)
    _story(falls, days_ago=500, cycle="realised", **figure)
    client.force_login(falls.convener)
    page = soup(client.get(community_url(falls)))
    section = page.select_one("section[aria-labelledby=report-value]")
    assert "1 story of changed practice told in the period; 1 claims" in section.text
    assert _gap(page)["Applied value"] == ["1", "0"]
    assert _gap(page)["Realised value"] == ["0", "0"]
    assert "No evidence in this period of realised value." in section.text
    story = section.select_one(".app-report-stories li")
    assert story.select_one("a")["href"] == told.get_absolute_url()
    assert "applied value, with a figure as evidence" in story.get_text()


def test_a_manager_reads_a_private_communitys_figures_and_counts_never_names(client, place):
    sepsis = place["sepsis"]
    story = _story(sepsis, days_ago=5, cycle="immediate", visibility="members")
    client.force_login(place["network"].manager)
    page = soup(client.get(community_url(sepsis)))
    assert _summary(page)["Members"] == "2 at the end of the period, 2 of them new in it"
    assert _gap(page)["Immediate value"] == ["0", "1"]
    assert story.title not in page.text
    assert page.select(".app-report-stories") == []
    assert "1 more story is counted above and not listed" in page.text
    assert "Bea Bridge" not in page.text
    client.force_login(sepsis.convener)
    assert story.title in soup(client.get(community_url(sepsis))).text


def test_the_index_lists_the_reports_each_person_may_read(client, place):
    url = reverse("evaluation:report_index")
    client.force_login(place["network"].manager)
    links = [a["href"] for a in soup(client.get(url)).select("main li a")]
    assert network_url(place["network"]) in links
    client.force_login(place["falls"].convener)
    links = [a["href"] for a in soup(client.get(url)).select("main li a")]
    assert links == [community_url(place["falls"])]
    client.force_login(place["outsider"])
    assert client.get(url).status_code == 404


def test_the_dashboard_and_the_evaluation_pages_link_to_the_reports(client, place):
    client.force_login(place["network"].manager)
    page = soup(client.get(reverse("dashboard:programme")))
    hrefs = {a["href"] for a in page.select("a")}
    for community in (place["falls"], place["sepsis"]):  # the private one's figures too
        assert community_url(community) in hrefs
    assert reverse("evaluation:report_index") in hrefs
    page = soup(client.get(reverse("evaluation:network_map", args=[place["network"].slug])))
    assert network_url(place["network"]) in {a["href"] for a in page.select("a")}
    page = soup(client.get(reverse("evaluation:value_index")))
    assert reverse("evaluation:report_index") in {a["href"] for a in page.select("a")}


def test_each_permission_agrees_with_its_queryset(place):
    people = [AnonymousUser(), place["falls"].convener, place["sepsis"].convener]
    people += [place[k] for k in ("staff", "outsider", "other_manager")]
    people += [place["network"].manager, place["people"][0]]
    for person in people:
        readable = set(permissions.communities_reported_to(person))
        for community in Community.objects.all():
            assert permissions.can_read_community_report(person, community) == (
                community in readable
            )
        readable = set(permissions.networks_reported_to(person))
        for network in Network.objects.all():
            assert permissions.can_read_network_report(person, network) == (network in readable)


def _grow(place, size):
    """More of everything the report reads: members, meetings with people who came, stories
    with value tags, answers to the survey."""
    falls = place["falls"]
    now = timezone.now()
    for i in range(size):
        person = MembershipFactory(community=falls, joined_at=now - timedelta(days=i)).user
        _story(falls, days_ago=i + 1, cycle="potential")
        meeting = MeetingFactory(community=falls, starts_at=now - timedelta(days=i + 2))
        RegistrationFactory(meeting=meeting, user=person, attended=True)


def test_the_pages_read_in_a_fixed_number_of_queries(client, place, django_assert_num_queries):
    survey = open_survey(place)
    answer_survey(survey, place["people"][:2])
    _grow(place, 1)
    client.force_login(place["network"].manager)
    urls = [community_url(place["falls"]), network_url(place["network"])]
    counts = []
    for url in urls:
        client.get(url)  # the session and the caches warmed
        with CaptureQueriesContext(connection) as read:
            assert client.get(url).status_code == 200
        counts.append(len(read.captured_queries))
    _grow(place, 6)
    answer_survey(survey, place["people"][2:])
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200


def test_the_report_reads_its_figures_from_a_replica_and_the_reader_from_the_primary(
    client, place, settings
):
    """As the dashboard's figures (tests/core/test_replica_pages.py, whose router records
    where each read would go)."""
    from core.replicas import unit_of_work
    from tests.core.test_replica_pages import REPLICA, Spy

    spy = Spy()
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = [spy]
    client.force_login(place["network"].manager)
    with unit_of_work():
        assert client.get(network_url(place["network"])).status_code == 200
    assert {"communities.Membership", "meetings.Meeting", "knowledge.Story"} <= spy.from_replica()
    assert {"accounts.User", "communities.Network"} <= spy.from_primary()
