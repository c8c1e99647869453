"""Surveys through their services: building, exactly-once invitations and reminders, drafts,
anonymous answers that name nobody, and the results' groups under five."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import EmailDelivery, Notification
from evaluation.surveys import selectors, services
from evaluation.surveys.models import Answer, Question, Respondent, Response, Survey
from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def network_with(sizes):
    """A network with its manager and one community of each size (active members)."""
    network = NetworkFactory()
    manager = UserFactory()
    network.managers.add(manager)
    communities = []
    for size in sizes:
        community = CommunityFactory(network=network)
        for _ in range(size):
            MembershipFactory(community=community)
        communities.append(community)
    return network, manager, communities


def evaluation_survey(network, manager, community=None, **fields):
    """The four evaluation questions, being built, for one community (or, without one, the
    whole network)."""
    audience = {"communities": [community]} if community else {"whole_network": True}
    return services.survey_create(
        actor=manager, network=network, title="T", template="evaluation", **audience, **fields
    )


def opened(survey, actor):
    services.survey_open(actor=actor, survey=survey)
    services.invitations_send(survey=survey)
    return Survey.objects.get(pk=survey.pk)


def baseline_and_follow_up(network, manager):
    """An open baseline of the whole network, and its follow-up being built."""
    baseline = opened(
        services.survey_create(
            actor=manager, network=network, title="Start", whole_network=True, template="baseline"
        ),
        manager,
    )
    follow_up = services.survey_create(
        actor=manager,
        network=network,
        title="Later",
        whole_network=True,
        template="follow_up",
        baseline=baseline,
    )
    return baseline, follow_up


def answer_all(survey, value=4, *, people=None):
    scale = survey.questions.get(kind=Question.Kind.SCALE)
    texts = survey.questions.filter(kind=Question.Kind.TEXT)
    respondents = survey.respondents.select_related("user")
    if people is not None:
        respondents = respondents.filter(user__in=people)
    for respondent in respondents:
        answers = {scale.pk: {"value": value}} | {q.pk: {"text": "Met peers."} for q in texts}
        services.response_submit(survey=survey, user=respondent.user, answers=answers)


def test_the_evaluation_template_brings_its_four_questions():
    network, manager, (community,) = network_with([2])
    survey = services.survey_create(
        actor=manager,
        network=network,
        title="Year one",
        communities=[community],
        template=Survey.Template.EVALUATION,
    )
    assert [q.text for q in survey.questions.all()] == [
        "What were the benefits of participating?",
        "Did you face any challenges in participating?",
        "Were your needs and priorities met?",
        "Examples where there has been a change to practice as a result of participation",
    ]
    assert survey.network_owned


def test_a_follow_up_copies_its_baseline_and_links_to_it():
    network, manager, (community,) = network_with([2])
    baseline, follow_up = baseline_and_follow_up(network, manager)
    assert follow_up.baseline == baseline
    assert list(follow_up.questions.values_list("key", "kind")) == [
        ("needs", "text"),
        ("offers", "text"),
        ("confidence", "scale"),
    ]


def test_a_convener_asks_only_the_communities_they_lead():
    network, manager, (theirs, other) = network_with([1, 1])
    convener = MembershipFactory(community=theirs, role="convener").user
    with pytest.raises(ValidationError):
        services.survey_create(
            actor=convener, network=network, title="T", communities=[theirs, other]
        )
    with pytest.raises(ValidationError):
        services.survey_create(actor=convener, network=network, title="T", whole_network=True)
    survey = services.survey_create(
        actor=convener, network=network, title="T", communities=[theirs]
    )
    assert not survey.network_owned


def test_a_question_needs_two_choices_and_a_scale_its_labels():
    network, manager, (community,) = network_with([1])
    survey = services.survey_create(
        actor=manager, network=network, title="T", communities=[community]
    )
    with pytest.raises(ValidationError):
        services.question_add(survey=survey, kind="single", text="Which?", choices=["Only"])
    with pytest.raises(ValidationError):
        services.question_add(survey=survey, kind="scale", text="How?", low_label="Low")
    question = services.question_add(
        survey=survey, kind="multiple", text="Which?", choices=["A", " ", "B"]
    )
    assert question.choices == ["A", "B"]


@pytest.mark.eager_tasks
def test_invitations_go_once_to_each_active_member_however_often_sent(
    mailoutbox, django_capture_on_commit_callbacks
):
    network, manager, (one, two) = network_with([3, 2])
    both = UserFactory()
    MembershipFactory(community=one, user=both)
    MembershipFactory(community=two, user=both)
    MembershipFactory(community=one, status="left")
    MembershipFactory(community=one, user=UserFactory(is_active=False))
    survey = services.survey_create(
        actor=manager, network=network, title="Year one", whole_network=True, template="evaluation"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the task runs once, here
        services.survey_open(actor=manager, survey=survey)
    assert services.invitations_send(survey=survey) == 0  # and again: nobody twice
    assert survey.respondents.count() == 6
    invites = Notification.objects.filter(kind="survey", dedupe=f"survey:{survey.pk}:invite")
    assert invites.count() == 6
    assert EmailDelivery.objects.filter(purpose__startswith="notify:survey:").count() == 6
    assert len(mailoutbox) == 6
    assert "Year one" in mailoutbox[0].subject


@pytest.mark.eager_tasks
def test_a_reminder_goes_once_to_those_who_have_not_answered(
    django_capture_on_commit_callbacks,
):
    network, manager, (community,) = network_with([3])
    survey = evaluation_survey(network, manager, community)
    survey = opened(survey, manager)
    first = survey.respondents.select_related("user").first()
    answer_all(survey, people=[first.user])
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_remind(actor=manager, survey=survey)
    reminded = Notification.objects.filter(dedupe=f"survey:{survey.pk}:reminder")
    assert set(reminded.values_list("recipient_id", flat=True)) == set(
        survey.respondents.filter(done=False).values_list("user_id", flat=True)
    )
    assert reminded.count() == 2
    with pytest.raises(ValidationError, match="already been sent"):
        services.survey_remind(actor=manager, survey=survey)
    assert services.reminders_send(survey=survey) == 0


def test_opening_publishes_the_invitations_task(
    published_tasks, django_capture_on_commit_callbacks
):
    network, manager, (community,) = network_with([1])
    survey = evaluation_survey(network, manager, community)
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_open(actor=manager, survey=survey)
    assert [(t.name, t.args) for t in published_tasks] == [
        ("evaluation.surveys.tasks.send_invitations_task", (survey.pk,))
    ]


def test_anonymous_answers_carry_no_link_to_the_person():
    network, manager, (community,) = network_with([2])
    survey = evaluation_survey(network, manager, community, anonymous=True)
    survey = opened(survey, manager)
    answer_all(survey)
    assert Response.objects.filter(survey=survey).count() == 2
    assert not Response.objects.filter(survey=survey, user__isnull=False).exists()
    # Nothing on a response or answer points at a person, nor records when it came.
    for model in (Response, Answer):
        for field in model._meta.concrete_fields:
            related = field.related_model
            assert (
                related is None
                or related._meta.label != "accounts.User"
                or (model is Response and field.name == "user")
            )
            assert field.get_internal_type() not in ("DateTimeField", "DateField")
    # Who has answered is kept apart, as a flag.
    assert survey.respondents.filter(done=True).count() == 2


def test_named_answers_keep_the_person():
    network, manager, (community,) = network_with([1])
    survey = evaluation_survey(network, manager, community)
    survey = opened(survey, manager)
    answer_all(survey)
    respondent = survey.respondents.get()
    assert Response.objects.get(survey=survey).user == respondent.user


def test_a_draft_is_kept_then_submitted_once():
    network, manager, (community,) = network_with([1])
    survey = evaluation_survey(network, manager, community)
    survey = opened(survey, manager)
    respondent = survey.respondents.get()
    benefits, challenges, met, _ = survey.questions.all()
    services.draft_save(survey=survey, user=respondent.user, answers={benefits.pk: {"text": "X"}})
    respondent.refresh_from_db()
    assert respondent.draft == {str(benefits.pk): {"text": "X"}}
    assert not Response.objects.exists()
    with pytest.raises(ValidationError, match="required"):
        services.response_submit(survey=survey, user=respondent.user, answers=respondent.draft)
    answers = {
        **respondent.draft,
        str(challenges.pk): {"text": "Time"},
        str(met.pk): {"na": True},
    }
    services.response_submit(survey=survey, user=respondent.user, answers=answers)
    respondent.refresh_from_db()
    assert respondent.done and respondent.draft == {}
    assert Answer.objects.get(question=met).not_applicable
    with pytest.raises(ValidationError, match="already answered"):
        services.response_submit(survey=survey, user=respondent.user, answers=answers)


def test_someone_outside_the_audience_cannot_answer():
    network, manager, (community,) = network_with([1])
    survey = evaluation_survey(network, manager, community)
    survey = opened(survey, manager)
    with pytest.raises(ValidationError):
        services.draft_save(survey=survey, user=UserFactory(), answers={})


def test_anonymous_groups_under_five_are_not_shown():
    network, manager, (big, small) = network_with([5, 4])
    survey = evaluation_survey(network, manager, anonymous=True)
    survey = opened(survey, manager)
    answer_all(survey, value=4)
    results = selectors.results(survey=survey)
    assert (results["invited"], results["answered"], results["rate"]) == (9, 9, 100)
    rows = {row["community"]: row for row in results["communities"]["rows"]}
    assert not rows[big]["hidden"] and rows[big]["averages"] == [4.0]
    assert rows[small]["hidden"] and rows[small]["averages"] == [None]
    met = next(d for d in results["questions"] if d.question.kind == "scale")
    assert dict(met.rows)["4"] == 9


def test_an_anonymous_survey_under_five_answers_shows_nothing():
    network, manager, (community,) = network_with([4])
    survey = evaluation_survey(network, manager, community, anonymous=True)
    survey = opened(survey, manager)
    answer_all(survey)
    results = selectors.results(survey=survey)
    assert results["hidden"]
    assert all(not d.rows and not d.texts for d in results["questions"])
    assert list(selectors.export_rows(survey=survey)) == [("", selectors.HIDDEN_GROUP, "")]


def test_the_follow_up_compares_each_person_with_their_baseline_in_aggregate():
    network, manager, (community,) = network_with([7])
    baseline, follow_up = baseline_and_follow_up(network, manager)
    answer_all(baseline, value=2)
    follow_up = opened(follow_up, manager)
    people = list(follow_up.respondents.values_list("user", flat=True))
    answer_all(follow_up, value=4, people=people[:4])
    answer_all(follow_up, value=2, people=people[4:5])
    (change,) = selectors.results(survey=follow_up)["change"]
    assert change == {
        "text": "How confident are you in the community's domain?",
        "pairs": 5,
        "average": 1.6,
        "up": 4,
        "same": 1,
        "down": 0,
    }


def test_the_change_of_fewer_than_five_people_is_not_shown():
    network, manager, (community,) = network_with([4])
    baseline, follow_up = baseline_and_follow_up(network, manager)
    answer_all(baseline, value=2)
    follow_up = opened(follow_up, manager)
    answer_all(follow_up, value=5)
    results = selectors.results(survey=follow_up)
    assert results["change"] == []
    assert results["change_hidden"] == ["How confident are you in the community's domain?"]


def test_each_person_sees_their_own_change_and_nobody_elses():
    network, manager, (community,) = network_with([2])
    baseline, follow_up = baseline_and_follow_up(network, manager)
    first, second = (r.user for r in baseline.respondents.select_related("user"))
    answer_all(baseline, value=2, people=[first])
    answer_all(baseline, value=5, people=[second])
    follow_up = opened(follow_up, manager)
    answer_all(follow_up, value=4)
    assert selectors.own_change(survey=follow_up, user=first) == [
        {
            "text": "How confident are you in the community's domain?",
            "before": 2,
            "after": 4,
            "change": 2,
        }
    ]
    assert [row["before"] for row in selectors.own_change(survey=follow_up, user=second)] == [5]
    assert selectors.own_change(survey=baseline, user=first) == []


def test_respondents_are_unique_per_survey():
    network, manager, (community,) = network_with([1])
    survey = evaluation_survey(network, manager, community)
    survey = opened(survey, manager)
    assert Respondent.objects.filter(survey=survey).count() == 1
