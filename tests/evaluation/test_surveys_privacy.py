"""Who reads a survey's answers, said plainly to those it asks; names beside named answers
only for readers who may see the member's membership; anonymous answers, chosen or not,
joinable to nobody and shown only in groups of five or more."""

import uuid

import pytest
from django.urls import reverse

from communities.models import Community
from core.models import AuditEntry
from evaluation.surveys import selectors, services
from evaluation.surveys.models import Answer, Question, Response, Survey
from tests.conftest import soup
from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db

NHS_NUMBER = "943 476 5919"


@pytest.fixture
def network():
    """A network with its manager (Mo), a listed community (Ada, Ben and five more) and a
    private one (Dee, and its convener Cy)."""
    network = NetworkFactory(name="North Coast Collaborative")
    manager = UserFactory(name="Mo Manager")
    network.managers.add(manager)
    listed = CommunityFactory(
        network=network, name="Falls prevention", visibility=Community.Visibility.LISTED
    )
    private = CommunityFactory(
        network=network, name="Sepsis huddle", visibility=Community.Visibility.PRIVATE
    )
    people = {"manager": manager}
    for key, name in [("ada", "Ada Member"), ("ben", "Ben Member")]:
        people[key] = MembershipFactory(community=listed, user=UserFactory(name=name)).user
    people["others"] = [MembershipFactory(community=listed).user for _ in range(5)]
    people["dee"] = MembershipFactory(community=private, user=UserFactory(name="Dee Private")).user
    people["cy"] = MembershipFactory(
        community=private, user=UserFactory(name="Cy Convener"), role="convener"
    ).user
    return network, people


def survey_of(network, people, **fields):
    survey = services.survey_create(
        actor=people["manager"],
        network=network,
        title="Our first year",
        whole_network=True,
        template=Survey.Template.EVALUATION,
        **fields,
    )
    services.survey_open(actor=people["manager"], survey=survey)
    return Survey.objects.get(pk=survey.pk)


def answer(survey, person, text, *, value=4, anonymous=False):
    benefits, challenges, met, _ = survey.questions.all()
    answers = {
        benefits.pk: {"text": text},
        challenges.pk: {"text": "Time"},
        met.pk: {"value": value},
    }
    return services.response_submit(
        survey=survey, user=person, answers=answers, anonymous=anonymous
    )


def written(results):
    benefits = results["questions"][0]
    return sorted((w.text, w.name) for w in benefits.written)


# --- who reads, said plainly ------------------------------------------------------------------


@pytest.mark.eager_tasks
def test_the_invitation_says_who_reads_the_answers_and_whether_they_are_named(
    network, mailoutbox, django_capture_on_commit_callbacks
):
    network, people = network
    network.managers.add(UserFactory(name="Pat Second"))
    with django_capture_on_commit_callbacks(execute=True):
        survey_of(network, people, may_answer_anonymously=True)
    mail = next(m for m in mailoutbox if m.to == [people["dee"].email])
    html = mail.alternatives[0][0]
    readers = (
        "Read by the people who run this survey: Mo Manager and Pat Second (programme "
        "managers of North Coast Collaborative) and the site's administrators."
    )
    for body in (mail.body, html):
        text = " ".join(body.split()).replace("&#x27;", "'")
        assert readers in text
        assert "unless you choose to answer anonymously" in text
        assert "only once 5 or more people have answered anonymously" in text


def test_the_survey_page_says_who_reads_the_answers(client, network):
    network, people = network
    convener_survey = services.survey_create(
        actor=people["cy"],
        network=network,
        title="Our huddle",
        communities=[people["dee"].memberships.get().community],
        template=Survey.Template.EVALUATION,
        anonymous=True,
    )
    services.survey_open(actor=people["cy"], survey=convener_survey)
    client.force_login(people["dee"])
    page = soup(client.get(reverse("evaluation:survey_answer", args=[convener_survey.pk])))
    told = [p.get_text(" ", strip=True) for p in page.select(".app-who-reads p")]
    assert told[0] == (
        "Read by the people who run this survey: Cy Convener (who built it) and the site's "
        "administrators."
    )
    assert told[1].startswith("Your answers are anonymous: they are stored without your name")
    assert page.select_one(".app-draft-notice").get_text().startswith("If you save your answers")
    assert not page.find("input", attrs={"name": "anonymous"})  # nothing to choose


def test_a_named_survey_says_so_and_offers_no_choice(client, network):
    network, people = network
    survey = survey_of(network, people)
    client.force_login(people["ada"])
    page = soup(client.get(reverse("evaluation:survey_answer", args=[survey.pk])))
    told = [p.get_text(" ", strip=True) for p in page.select(".app-who-reads p")]
    assert told[1] == "Your answers are stored with your name."
    assert "shown only to those readers who may see that you are a member" in told[2]
    assert not page.find("input", attrs={"name": "anonymous"})
    assert not page.select(".app-draft-notice")


# --- names beside named answers -----------------------------------------------------------------


def test_a_named_answer_shows_its_name_only_to_who_may_see_the_membership(network):
    network, people = network
    survey = survey_of(network, people)
    answer(survey, people["ada"], "Met the pharmacists")
    answer(survey, people["dee"], "A safer handover")
    as_manager = selectors.results(survey=survey, reader=people["manager"])
    assert written(as_manager) == [("A safer handover", ""), ("Met the pharmacists", "Ada Member")]
    # A manager who belongs to the private community sees the name too; staff see every one.
    second = UserFactory()
    network.managers.add(second)
    MembershipFactory(community=people["dee"].memberships.get().community, user=second)
    named = [("A safer handover", "Dee Private"), ("Met the pharmacists", "Ada Member")]
    assert written(selectors.results(survey=survey, reader=second)) == named
    assert written(selectors.results(survey=survey, reader=UserFactory(is_staff=True))) == named
    # No reader (the report, the export): no names at all.
    assert {name for _, name in written(selectors.results(survey=survey))} == {""}


def test_the_results_page_and_the_written_answers_follow_the_same_rule(client, network):
    network, people = network
    survey = survey_of(network, people)
    answer(survey, people["ada"], "Met the pharmacists")
    answer(survey, people["dee"], "A safer handover")
    client.force_login(people["manager"])
    page = soup(client.get(reverse("evaluation:survey_results", args=[survey.pk])))
    by = [span.get_text(strip=True) for span in page.select(".app-answer-by")]
    assert by == ["Ada Member", "Ada Member"]  # beside both of her written answers
    assert "Dee Private" not in page.get_text()
    assert "A safer handover" in page.select_one(".app-free-text").get_text()
    benefits = survey.questions.first()
    url = reverse("evaluation:survey_written_answers", args=[survey.pk, benefits.pk])
    response = client.get(url)
    assert response.status_code == 200
    all_written = soup(response)
    assert [s.get_text(strip=True) for s in all_written.select(".app-answer-by")] == ["Ada Member"]
    assert "Dee Private" not in all_written.get_text()
    scale = survey.questions.get(kind=Question.Kind.SCALE)
    url = reverse("evaluation:survey_written_answers", args=[survey.pk, scale.pk])
    assert client.get(url).status_code == 404  # not a written question


def test_the_export_names_nobody(client, network):
    network, people = network
    survey = survey_of(network, people)
    answer(survey, people["ada"], "Met the pharmacists")
    client.force_login(people["manager"])
    response = client.get(reverse("evaluation:survey_export", args=[survey.pk, "csv"]))
    assert "Met the pharmacists" in response.content.decode()
    assert "Ada Member" not in response.content.decode()


# --- anonymous answers ---------------------------------------------------------------------------


def test_a_person_may_answer_anonymously_only_where_the_survey_offers_it(network):
    network, people = network
    named = survey_of(network, people)
    with pytest.raises(Exception, match="does not take anonymous answers"):
        answer(named, people["ada"], "Hidden?", anonymous=True)
    choice = survey_of(network, people, may_answer_anonymously=True)
    response = answer(choice, people["ada"], "Without my name", anonymous=True)
    assert response.user is None
    assert answer(choice, people["ben"], "With my name").user == people["ben"]


def test_anonymous_answers_count_only_from_five(network):
    network, people = network
    survey = survey_of(network, people, may_answer_anonymously=True)
    answer(survey, people["ada"], "Named one", value=5)
    for person in people["others"][:4]:
        answer(survey, person, "Quiet one", value=1, anonymous=True)
    results = selectors.results(survey=survey, reader=people["manager"])
    assert results["answered"] == 5 and results["anonymous_left_out"] == 4
    met = results["questions"][2]
    assert dict(met.rows)["1: Not at all"] == 0 and dict(met.rows)["5: Completely"] == 1
    assert written(results) == [("Named one", "Ada Member")]
    answer(survey, people["others"][4], "Quiet one", value=1, anonymous=True)
    results = selectors.results(survey=survey, reader=people["manager"])
    assert results["anonymous_left_out"] == 0
    assert dict(results["questions"][2].rows)["1: Not at all"] == 5
    assert written(results) == [("Named one", "Ada Member")] + [("Quiet one", "")] * 5
    # Five anonymous answers in the survey, all from one community: its row counts them.
    rows = {row["community"].name: row for row in results["communities"]["rows"]}
    assert rows["Falls prevention"]["answered"] == 6
    assert rows["Falls prevention"]["averages"] == [1.7]


def test_a_communitys_anonymous_answers_under_five_stay_out_of_its_row(network):
    network, people = network
    survey = survey_of(network, people, may_answer_anonymously=True)
    for person in [people["ada"], people["ben"], *people["others"][:3]]:
        answer(survey, person, "From the listed one", value=2, anonymous=True)
    answer(survey, people["dee"], "From the private one", value=5, anonymous=True)
    answer(survey, people["cy"], "Named, private", value=3)
    results = selectors.results(survey=survey, reader=people["manager"])
    rows = {row["community"].name: row for row in results["communities"]["rows"]}
    assert rows["Falls prevention"]["averages"] == [2.0]
    # The private community's one anonymous answer: counted in the whole, not in its row.
    assert (rows["Sepsis huddle"]["answered"], rows["Sepsis huddle"]["averages"]) == (1, [3.0])
    assert results["communities"]["overall"][0][1] == round((5 * 2 + 5 + 3) / 7, 1)


def test_an_anonymous_answer_leaves_no_path_back_to_its_author(client, network):
    """Its response and answers: no person, no time, random ids; the draft it was saved as
    is emptied; a confirmed warning about patient data leaves no audit entry."""
    network, people = network
    survey = survey_of(network, people, may_answer_anonymously=True)
    benefits, challenges, met, _ = survey.questions.all()
    url = reverse("evaluation:survey_answer", args=[survey.pk])
    client.force_login(people["ada"])
    draft = {f"q{benefits.pk}": "Met the team", "draft": "yes"}
    assert client.post(url, draft).status_code == 302
    assert survey.respondents.get(user=people["ada"]).draft != {}
    sent = {
        f"q{benefits.pk}": f"Met the team about {NHS_NUMBER}",
        f"q{challenges.pk}": "Time",
        f"q{met.pk}": "4",
        "anonymous": "on",
        "confirm_not_patient_data": "on",
        "submit": "yes",
    }
    assert client.post(url, sent).status_code == 302
    response = Response.objects.get(survey=survey)
    assert response.user is None
    assert survey.respondents.get(user=people["ada"]).draft == {}
    assert all(isinstance(a.pk, uuid.UUID) for a in Answer.objects.filter(response=response))
    assert not AuditEntry.objects.filter(action="patient_data.confirmed").exists()
    # The same, named: the confirmation is recorded, with who.
    client.force_login(people["ben"])
    assert client.post(url, {**sent, "anonymous": ""}).status_code == 302
    entry = AuditEntry.objects.get(action="patient_data.confirmed")
    assert entry.actor == people["ben"]


def test_written_answers_come_in_the_order_of_their_random_ids(network):
    network, people = network
    survey = survey_of(network, people)
    for i, person in enumerate([people["ada"], people["ben"], *people["others"]]):
        answer(survey, person, f"Answer {i}")
    benefits = survey.questions.first()
    shown = [w.text for w in selectors.results(survey=survey)["questions"][0].written]
    by_id = Answer.objects.filter(question=benefits).order_by("id").values_list("text", flat=True)
    assert shown == list(by_id)
