"""Surveys as people use them: the builder's pages, answering (drafts, required questions,
the patient-data guard), the results and their exports, and who gets a 404."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluation.surveys import services
from evaluation.surveys.models import Response, Survey
from tests.conftest import error_summary, field_error, soup
from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    """A network with its manager, another network's manager, a community with its
    convener and three members, and someone outside it."""
    network, other = NetworkFactory(), NetworkFactory()
    manager, other_manager = UserFactory(), UserFactory()
    network.managers.add(manager)
    other.managers.add(other_manager)
    community = CommunityFactory(network=network, name="Falls prevention")
    convener = MembershipFactory(community=community, role="convener").user
    members = [MembershipFactory(community=community).user for _ in range(3)]
    return {
        "network": network,
        "community": community,
        "manager": manager,
        "other_manager": other_manager,
        "convener": convener,
        "members": members,
        "outsider": UserFactory(),
    }


def built(place, template="evaluation", **fields):
    """The manager's survey for the community (the four evaluation questions unless said),
    being built."""
    return services.survey_create(
        actor=place["manager"],
        network=place["network"],
        title="Year one",
        communities=[place["community"]],
        template=template,
        **fields,
    )


def open_survey(place, **fields):
    survey = built(place, **fields)
    services.survey_open(actor=place["manager"], survey=survey)
    return survey


def test_a_manager_builds_a_survey_and_adds_a_question(client, place):
    client.force_login(place["manager"])
    page = soup(client.get(reverse("evaluation:survey_create")))
    assert page.find("label", string="Falls prevention")
    response = client.post(
        reverse("evaluation:survey_create"),
        {
            "title": "Our year",
            "template": "custom",
            "answers": "named",
            "communities": [place["community"].pk],
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("evaluation:survey_detail", args=[survey.pk])
    url = reverse("evaluation:survey_question_add", args=[survey.pk])
    response = client.post(url, {"kind": "scale", "text": "How useful?", "low_label": "Not"})
    assert response.status_code == 200
    assert field_error(soup(response), "id_high_label") == "Label both ends of the scale"
    response = client.post(
        url, {"kind": "scale", "text": "How useful?", "low_label": "Not", "high_label": "Very"}
    )
    assert response.status_code == 302
    page = soup(client.get(reverse("evaluation:survey_detail", args=[survey.pk])))
    assert "How useful?" in page.select_one(".app-questions").get_text()


def test_the_builder_must_choose_who_to_ask(client, place):
    client.force_login(place["manager"])
    response = client.post(
        reverse("evaluation:survey_create"),
        {"title": "Our year", "template": "custom", "answers": "named"},
    )
    assert response.status_code == 200
    assert error_summary(soup(response)) == ["Choose who to ask: a whole network or communities"]
    assert not Survey.objects.exists()


def test_opening_asks_for_confirmation_then_invites(client, place, published_tasks):
    survey = built(place)
    client.force_login(place["manager"])
    url = reverse("evaluation:survey_open", args=[survey.pk])
    assert "4 people will be invited" in client.get(url).content.decode()
    assert Survey.objects.get().status == "draft"
    assert client.post(url).status_code == 302
    assert Survey.objects.get().status == "open"
    assert survey.respondents.count() == 4


def test_a_member_saves_a_draft_then_finishes(client, place):
    survey = open_survey(place)
    member = place["members"][0]
    client.force_login(member)
    listing = soup(client.get(reverse("evaluation:survey_list")))
    assert listing.select_one(".app-surveys-for-you").get_text(strip=True) == "Year one"
    url = reverse("evaluation:survey_answer", args=[survey.pk])
    benefits, challenges, met, change = survey.questions.all()
    draft = {f"q{benefits.pk}": "Met colleagues", "draft": "yes"}
    assert client.post(url, draft).status_code == 302
    page = soup(client.get(url))
    assert (
        page.find("textarea", attrs={"name": f"q{benefits.pk}"}).get_text().strip()
        == "Met colleagues"
    )
    response = client.post(url, {f"q{benefits.pk}": "Met colleagues", "submit": "yes"})
    page = soup(response)
    assert response.status_code == 200
    assert field_error(page, f"id_q{challenges.pk}") == (
        "Answer \u201cDid you face any challenges in participating?\u201d"
    )
    assert field_error(page, f"id_q{change.pk}") is None  # optional
    assert not Response.objects.exists()
    answers = {
        f"q{benefits.pk}": "Met colleagues",
        f"q{challenges.pk}": "Time off the ward",
        f"q{met.pk}": "na",
        "submit": "yes",
    }
    response = client.post(url, answers)
    assert response.status_code == 302
    assert "Thank you" in client.get(url).content.decode()
    assert Response.objects.get().user == member


def test_free_text_is_guarded_against_patient_data(client, place):
    survey = open_survey(place)
    client.force_login(place["members"][0])
    benefits = survey.questions.first()
    response = client.post(
        reverse("evaluation:survey_answer", args=[survey.pk]),
        {f"q{benefits.pk}": "Helped with NHS number 943 476 5919", "draft": "yes"},
    )
    assert response.status_code == 200
    assert "943 476 5919" in field_error(soup(response), f"id_q{benefits.pk}")
    assert survey.respondents.get(user=place["members"][0]).draft == {}


def answer_as(client, survey, person, value):
    client.force_login(person)
    questions = list(survey.questions.all())
    data = {"submit": "yes"}
    for q in questions:
        data[f"q{q.pk}"] = str(value) if q.kind == "scale" else f"Text from {person.pk}"
    assert (
        client.post(reverse("evaluation:survey_answer", args=[survey.pk]), data).status_code == 302
    )


def test_the_owner_sees_the_results_with_a_chart_and_its_table(client, place):
    survey = open_survey(place)
    for person in place["members"]:
        answer_as(client, survey, person, 5)
    client.force_login(place["manager"])
    response = client.get(reverse("evaluation:survey_results", args=[survey.pk]))
    page = soup(response)
    assert page.select_one(".app-response-rate").get_text(strip=True) == (
        "3 of 4 people answered (75%)."
    )
    svg = page.select_one("svg[role=img]")
    assert svg.find("title").get_text().startswith("Answers to \u201cWere your needs")
    table = page.select_one(".app-chart-table")
    assert ["5: Completely", "3"] in [
        [td.get_text(strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")
    ]
    assert f"Text from {place['members'][0].pk}" in page.select_one(".app-free-text").get_text()


def test_an_anonymous_survey_under_five_answers_hides_them(client, place):
    survey = open_survey(place, anonymous=True)
    for person in place["members"]:
        answer_as(client, survey, person, 5)
    client.force_login(place["manager"])
    page = soup(client.get(reverse("evaluation:survey_results", args=[survey.pk])))
    assert page.select_one(".app-hidden-group").get_text(strip=True) == (
        "Fewer than 5 answers: not shown, so nobody can be recognised."
    )
    assert not page.select(".app-free-text")
    assert not Response.objects.filter(user__isnull=False).exists()


def test_the_exports(client, place):
    survey = open_survey(place)
    answer_as(client, survey, place["members"][0], 3)
    client.force_login(place["manager"])
    response = client.get(reverse("evaluation:survey_export", args=[survey.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Question", "Answer", "Count"]
    assert ["Were your needs and priorities met?", "3", "1"] in rows
    response = client.get(reverse("evaluation:survey_export", args=[survey.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert ("Were your needs and priorities met?", "3", 1) in list(sheet.values)


@pytest.mark.parametrize(
    ("role", "results", "answer"),
    [
        ("manager", 200, 404),
        ("convener", 404, 200),
        ("member", 404, 200),
        ("outsider", 404, 404),
        ("other_manager", 404, 404),
    ],
)
def test_who_sees_what(client, place, role, results, answer):
    survey = open_survey(place)
    person = place["members"][0] if role == "member" else place[role]
    client.force_login(person)
    for name in ("survey_detail", "survey_results", "survey_remind"):
        assert client.get(reverse(f"evaluation:{name}", args=[survey.pk])).status_code == results
    export = reverse("evaluation:survey_export", args=[survey.pk, "csv"])
    assert client.get(export).status_code == results
    assert client.get(reverse("evaluation:survey_answer", args=[survey.pk])).status_code == answer


def test_the_results_take_the_same_queries_whatever_the_number_of_answers(
    client, place, django_assert_num_queries
):
    survey = open_survey(place)
    answer_as(client, survey, place["members"][0], 2)
    client.force_login(place["manager"])
    url = reverse("evaluation:survey_results", args=[survey.pk])
    client.get(url)  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    few = len(few.captured_queries)  # now: the next request clears Django's query log
    for person in [*place["members"][1:], place["convener"]]:
        answer_as(client, survey, person, 4)
    client.force_login(place["manager"])
    with django_assert_num_queries(few):
        assert client.get(url).status_code == 200


def test_a_reminder_is_sent_once_after_confirmation(client, place, published_tasks):
    survey = open_survey(place)
    client.force_login(place["manager"])
    detail = reverse("evaluation:survey_detail", args=[survey.pk])
    assert soup(client.get(detail)).find("a", string="Send reminder")
    url = reverse("evaluation:survey_remind", args=[survey.pk])
    assert "4 people have not answered yet" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert Survey.objects.get().reminded_at is not None
    page = soup(client.get(detail))
    assert not page.find("a", string="Send reminder")
    response = client.post(url)
    assert response.status_code == 200
    assert error_summary(soup(response)) == ["A reminder has already been sent"]


def test_a_convener_removes_a_question_after_confirmation(client, place):
    survey = services.survey_create(
        actor=place["convener"],
        network=place["network"],
        title="Ours",
        communities=[place["community"]],
        template="baseline",
    )
    question = survey.questions.first()
    client.force_login(place["convener"])
    url = reverse("evaluation:survey_question_delete", args=[survey.pk, question.pk])
    assert question.text in client.get(url).content.decode()
    assert survey.questions.count() == 3
    assert client.post(url).status_code == 302
    assert survey.questions.count() == 2


def test_a_change_fewer_than_five_people_show_is_named_without_figures(client, place):
    baseline = built(place, template="baseline")
    services.survey_open(actor=place["manager"], survey=baseline)
    people = [*place["members"], place["convener"]]
    for person in people:
        answer_as(client, baseline, person, 2)
    follow_up = built(place, template="follow_up", baseline=baseline)
    services.survey_open(actor=place["manager"], survey=follow_up)
    for person in people:
        answer_as(client, follow_up, person, 4)
    client.force_login(place["manager"])
    page = soup(client.get(reverse("evaluation:survey_results", args=[follow_up.pk])))
    assert not page.select(".app-change")
    assert (
        page.select_one(".app-change-hidden")
        .get_text(" ", strip=True)
        .endswith("not shown: How confident are you in the community's domain?.")
    )
