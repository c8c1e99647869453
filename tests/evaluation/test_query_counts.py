"""The two evaluation pages `make bench` measures, and the page of every written answer, read
the same number of queries at two sizes of network: the survey's results (with names,
anonymous answers, each community and the change since a baseline) and the network map."""

import pytest
from django.urls import reverse

from communities.models import Community
from evaluation.surveys import services
from evaluation.surveys.models import Question
from tests.factories import (
    AdoptionFactory,
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

RESULTS_QUERIES = 15  # one of them per written question (two here): whatever the answers
WRITTEN_QUERIES = 8
MAP_QUERIES = 10  # its names of people and organisations are read only when it shows some


def network_of(size):
    """A network of `size` communities (every third private), three members each, one of
    whom is also in the next community; the next community adopted a resource of each."""
    network = NetworkFactory()
    manager = UserFactory()
    network.managers.add(manager)
    communities = [
        CommunityFactory(
            network=network,
            visibility=Community.Visibility.PRIVATE if i % 3 == 2 else Community.Visibility.LISTED,
        )
        for i in range(size)
    ]
    for here, there in zip(communities, communities[1:] + communities[:1], strict=True):
        people = [MembershipFactory(community=here).user for _ in range(3)]
        MembershipFactory(community=there, user=people[0])
        AdoptionFactory(resource=ResourceFactory(community=here), community=there)
    return network, manager


def answered(survey, value):
    """Every respondent answers; every other one anonymously."""
    questions = list(survey.questions.all())
    for i, respondent in enumerate(survey.respondents.select_related("user")):
        answers = {
            q.pk: {"value": value} if q.kind == Question.Kind.SCALE else {"text": f"Text {i}"}
            for q in questions
        }
        services.response_submit(
            survey=survey,
            user=respondent.user,
            answers=answers,
            anonymous=survey.may_answer_anonymously and i % 2 == 1,
        )


def surveys_of(network, manager):
    """A baseline everyone answered, and its follow-up in which each may choose anonymity."""

    def made(template, **fields):
        survey = services.survey_create(
            actor=manager,
            network=network,
            title=template,
            whole_network=True,
            template=template,
            **fields,
        )
        return services.survey_open(actor=manager, survey=survey)

    baseline = made("baseline")
    answered(baseline, 2)
    follow_up = made("follow_up", baseline=baseline, may_answer_anonymously=True)
    answered(follow_up, 4)
    return follow_up


@pytest.fixture
def read_as_manager(client, django_assert_max_num_queries):
    """read(manager, url name, args, most): the page as the manager, the second time (the
    session and caches warm), in at most `most` queries; it must answer 200."""

    def read(manager, name, args, most):
        client.force_login(manager)
        url = reverse(name, args=args)
        client.get(url)
        with django_assert_max_num_queries(most):
            response = client.get(url)
        assert response.status_code == 200
        return response

    return read


@pytest.mark.parametrize("size", [2, 12])
def test_the_survey_results_read_a_fixed_number_of_queries(read_as_manager, size):
    network, manager = network_of(size)
    survey = surveys_of(network, manager)
    response = read_as_manager(manager, "evaluation:survey_results", [survey.pk], RESULTS_QUERIES)
    written = response.context["results"]["questions"][0].written
    assert written and any(w.name for w in written)
    # Half the 3 × size people answered the follow-up with their name: those are paired,
    # and shown from five.
    named, results = 3 * size // 2, response.context["results"]
    assert [row["pairs"] for row in results["change"]] == ([named] if named >= 5 else [])
    assert len(results["change_hidden"]) == (0 if named >= 5 else 1)


@pytest.mark.parametrize("size", [2, 12])
def test_every_written_answer_reads_a_fixed_number_of_queries(read_as_manager, size):
    network, manager = network_of(size)
    survey = surveys_of(network, manager)
    needs = survey.questions.get(key="needs")
    response = read_as_manager(
        manager, "evaluation:survey_written_answers", [survey.pk, needs.pk], WRITTEN_QUERIES
    )
    # The anonymous half is left out until there are five of them.
    named = 3 * size // 2
    assert response.context["page"].paginator.count == (named if named < 5 else 3 * size)


@pytest.mark.parametrize("size", [2, 12])
def test_the_network_map_reads_a_fixed_number_of_queries(read_as_manager, size):
    network, manager = network_of(size)
    response = read_as_manager(manager, "evaluation:network_map", [network.slug], MAP_QUERIES)
    assert len(response.context["nodes"]) == size
