"""A baseline is answered on joining: while a baseline survey is open, whoever becomes an
active member of one of its communities (joining, approved, invited) is asked it, once."""

import pytest

from accounts.models import Notification
from communities import services as community_services
from communities.models import Community
from evaluation.surveys import services
from evaluation.surveys.models import Respondent, Survey
from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_baseline():
    """An open community with one member, its network's manager, and the network's baseline
    and evaluation surveys, both open."""
    network = NetworkFactory()
    manager = UserFactory()
    network.managers.add(manager)
    community = CommunityFactory(network=network, join_policy=Community.JoinPolicy.OPEN)
    MembershipFactory(community=community)
    surveys = {}
    for template in (Survey.Template.BASELINE, Survey.Template.EVALUATION):
        survey = services.survey_create(
            actor=manager, network=network, title=template, whole_network=True, template=template
        )
        services.survey_open(actor=manager, survey=survey)
        surveys[template] = survey
    return community, surveys


def asked(survey, person):
    return Respondent.objects.filter(survey=survey, user=person).exists()


def test_a_newcomer_is_asked_the_open_baseline_and_told_once(
    open_baseline, published_tasks, django_capture_on_commit_callbacks
):
    community, surveys = open_baseline
    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        community_services.membership_join(community=community, user=newcomer)
    baseline = surveys[Survey.Template.BASELINE]
    assert asked(baseline, newcomer)
    assert Respondent.objects.get(survey=baseline, user=newcomer).community == community
    assert not asked(surveys[Survey.Template.EVALUATION], newcomer)
    invitation = [t for t in published_tasks if t.args == (baseline.pk, [newcomer.pk])]
    assert [t.name for t in invitation] == ["evaluation.surveys.tasks.send_invitations_task"]
    # Joining again changes nothing, and asks nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        community_services.membership_join(community=community, user=newcomer)
    assert Respondent.objects.filter(survey=baseline, user=newcomer).count() == 1


@pytest.mark.eager_tasks
def test_the_newcomers_invitation_goes_to_them_alone(
    open_baseline, mailoutbox, django_capture_on_commit_callbacks
):
    community, surveys = open_baseline
    baseline = surveys[Survey.Template.BASELINE]
    before = Notification.objects.filter(dedupe=f"survey:{baseline.pk}:invite").count()
    newcomer = UserFactory(name="New Comer")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        community_services.membership_join(community=community, user=newcomer)
    invites = Notification.objects.filter(dedupe=f"survey:{baseline.pk}:invite")
    assert invites.count() == before + 1
    assert [m.to for m in mailoutbox] == [[newcomer.email]]
    assert "Read by the people who run this survey" in mailoutbox[0].body


def test_an_approved_or_invited_newcomer_is_asked_too(open_baseline):
    community, surveys = open_baseline
    baseline = surveys[Survey.Template.BASELINE]
    community.join_policy = Community.JoinPolicy.APPROVAL
    community.save(update_fields=["join_policy"])
    convener = MembershipFactory(community=community, role="convener").user
    requester = UserFactory()
    membership = community_services.membership_join(community=community, user=requester)
    assert not asked(baseline, requester)  # asking to join is not joining
    community_services.membership_decide(membership=membership, actor=convener, approve=True)
    assert asked(baseline, requester)
    invited = UserFactory(email="invited@example.org")
    (invitation,), _ = community_services.invitation_create(
        community=community, actor=convener, emails=["invited@example.org"]
    )
    community_services.invitation_accept(invitation=invitation, user=invited)
    assert asked(baseline, invited)


def test_a_closed_baseline_or_another_community_asks_nobody(open_baseline):
    community, surveys = open_baseline
    baseline = surveys[Survey.Template.BASELINE]
    elsewhere = CommunityFactory(join_policy=Community.JoinPolicy.OPEN)
    someone = UserFactory()
    community_services.membership_join(community=elsewhere, user=someone)
    assert not asked(baseline, someone)
    services.survey_close(actor=baseline.created_by, survey=baseline)
    late = UserFactory()
    community_services.membership_join(community=community, user=late)
    assert not asked(baseline, late)
