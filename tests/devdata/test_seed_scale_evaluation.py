"""seed_scale's surveys and value tags at a tiny scale: each network's baseline, follow-up
and evaluation survey with the evaluation app's questions and audience, answers as
response_submit stores them (some anonymous, some drafts left), and stories' value tags
whose evidence is what the value app keeps; and the pages that read them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from communities.models import Network
from devdata.scale import SLUG_PREFIX, scale_reset
from devdata.scale.counts import SURVEY_ANSWER_SHARES
from evaluation.surveys import question_sets, selectors, services
from evaluation.surveys.models import Answer, Question, Respondent, Response, Survey
from evaluation.value.models import ValueTag
from evaluation.value.permissions import can_tag_story
from evaluation.value.services import EVIDENCE_FIELDS, evidence_kept

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_scale", "--scale", "0.002", "--seed", "7", stdout=out)
    return out.getvalue()


def test_each_network_has_its_surveys_with_the_apps_questions_and_audience(seeded):
    for stage in ("surveys", "survey answers", "value tags"):
        assert f"  {stage} " in seeded
    networks = Network.objects.filter(slug__startswith=SLUG_PREFIX)
    for network in networks:
        surveys = {s.template: s for s in network.surveys.all()}
        assert set(surveys) == {"baseline", "follow_up", "evaluation"}
        evaluation, baseline = surveys["evaluation"], surveys["baseline"]
        assert [q.text for q in evaluation.questions.all()] == [
            q["text"] for q in question_sets.EVALUATION
        ]
        assert surveys["follow_up"].baseline == baseline
        copied = list(baseline.questions.values_list(*services.COPIED_FIELDS))
        assert list(surveys["follow_up"].questions.values_list(*services.COPIED_FIELDS)) == copied
        for survey in surveys.values():
            assert survey.network_owned and survey.created_by in network.managers.all()
            asked = dict(survey.respondents.values_list("user_id", "community_id"))
            assert asked == services.audience_members(survey)
    # One network's evaluation survey is anonymous, the others let each person choose.
    modes = sorted(s.anonymity for s in Survey.objects.filter(template="evaluation"))
    assert modes == ["anonymous"] + ["choice"] * (networks.count() - 1)


def test_answers_are_stored_as_response_submit_stores_them(seeded):
    respondents = Respondent.objects.all()
    assert respondents.filter(done=True).count() == Response.objects.count()
    assert not respondents.filter(done=True).exclude(draft={}).exists()
    assert respondents.filter(done=False).exclude(draft={}).exists()  # some kept a draft
    # A named response carries its respondent's community; none is named where anonymity
    # is the rule, and a person is anonymous only where the survey offers it.
    for response in Response.objects.filter(user__isnull=False).select_related("survey"):
        asked = Respondent.objects.get(survey=response.survey, user=response.user)
        assert asked.done and asked.community_id == response.community_id
    anonymous = Response.objects.filter(user__isnull=True)
    assert not anonymous.filter(survey__anonymous=False, survey__may_answer_anonymously=False)
    assert anonymous.filter(survey__may_answer_anonymously=True).exists()
    assert not Response.objects.filter(survey__anonymous=True, user__isnull=False).exists()
    # Every required question answered, once; scales within their ends; "does not apply"
    # only where offered, with nothing else kept.
    responses = dict(
        Response.objects.values("survey").annotate(n=Count("pk")).values_list("survey", "n")
    )
    for question in Question.objects.filter(required=True).annotate(n=Count("answers")):
        assert question.n == responses.get(question.survey_id, 0)
    assert not Answer.objects.filter(Q(value__lt=1) | Q(value__gt=5)).exists()
    assert not Answer.objects.filter(not_applicable=True, question__allow_not_applicable=False)
    assert not Answer.objects.filter(not_applicable=True).exclude(text="", value=None).exists()


def test_about_the_planned_share_answered_and_the_follow_up_pairs_people(seeded):
    for survey in Survey.objects.annotate(
        asked=Count("respondents", distinct=True), answered=Count("responses", distinct=True)
    ):
        share = SURVEY_ANSWER_SHARES[survey.template]
        assert abs(survey.answered - survey.asked * share) <= 1
    follow_up = Survey.objects.filter(template="follow_up").order_by("pk").first()
    (change,) = selectors.results(survey=follow_up)["change"]
    assert change["pairs"] >= 5 and change["up"] > change["down"]


def test_value_tags_keep_the_value_apps_rules(seeded):
    tags = list(ValueTag.objects.select_related("story__community", "resource", "tagged_by"))
    assert tags and {t.evidence_kind for t in tags} == {"", "figure", "document", "quote"}
    assert len({t.story.community_id for t in tags}) > 1
    for tag in tags:
        given = {name: getattr(tag, name) for name in EVIDENCE_FIELDS}
        assert evidence_kept(evidence_kind=tag.evidence_kind, **given) == given
        assert can_tag_story(tag.tagged_by, tag.story)
        if tag.resource is not None:
            assert tag.resource.community_id == tag.story.community_id


def test_the_pages_read_the_seeded_surveys_and_reset_removes_them(client, seeded):
    survey = (
        Survey.objects.filter(template="evaluation", anonymous=False)
        .annotate(n=Count("responses"))
        .order_by("-n")
        .first()
    )
    client.force_login(survey.network.managers.first())
    benefits = survey.questions.first()
    for url in [
        reverse("evaluation:survey_results", args=[survey.pk]),
        reverse("evaluation:survey_written_answers", args=[survey.pk, benefits.pk]),
        reverse("evaluation:network_map", args=[survey.network.slug]),
        reverse("evaluation:value_network", args=[survey.network.slug]),
    ]:
        assert client.get(url).status_code == 200, url
    drafted = Respondent.objects.filter(done=False).exclude(draft={}).first()
    client.force_login(drafted.user)
    assert (
        client.get(reverse("evaluation:survey_answer", args=[drafted.survey_id])).status_code == 200
    )
    scale_reset()
    assert not Survey.objects.exists() and not Answer.objects.exists()
    assert not ValueTag.objects.exists()


def test_the_bench_measures_the_largest_networks_survey_and_map(client, seeded):
    from scripts.bench.pages import evaluation_pages
    from scripts.bench.subjects import largest_network, network_survey

    network = largest_network()
    survey = network_survey(network)
    assert survey.network == network and survey.template == "evaluation"
    assert survey.answered == survey.responses.count() > 0
    subjects = {"network": network, "network_communities": network.n, "survey": survey}
    client.force_login(network.managers.first())
    for page in evaluation_pages(subjects, ["a session"]):
        assert client.get(page["path"]).status_code == 200, page["path"]
