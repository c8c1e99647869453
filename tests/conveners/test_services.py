import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conveners import selectors, services
from conveners.models import Application
from meetings.models import Registration
from tests.conftest import module_added
from tests.conveners.conftest import application_data
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def submitted(programme, **overrides):
    person = overrides.pop("applicant", None) or UserFactory()
    application = services.application_save(
        programme=programme, applicant=person, **application_data(**overrides)
    )
    return services.application_submit(application=application)


@pytest.mark.eager_tasks
def test_apply_draft_submit_emails_applicant_and_sponsor(
    programme, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory()
    draft = services.application_save(programme=programme, applicant=person, motivation="Draft")
    with pytest.raises(services.ProgrammeError) as missing:
        services.application_submit(application=draft)
    assert "sponsor_email" in missing.value.error_dict and "commitment" in missing.value.error_dict
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_save(
            programme=programme, applicant=person, **application_data()
        )
        services.application_submit(application=application)
        services.application_submit(application=application)
    assert Application.objects.get().status == "submitted"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([person.email, "sponsor@example.nhs.uk"])


def test_window_closed_and_twice(programme):
    person = UserFactory()
    services.application_save(programme=programme, applicant=person, motivation="x")
    services.application_save(programme=programme, applicant=person, motivation="y")
    assert Application.objects.filter(applicant=person).count() == 1
    with (
        time_machine.travel(timezone.now() + timedelta(days=30)),
        pytest.raises(services.ProgrammeError, match="closed"),
    ):
        services.application_save(programme=programme, applicant=UserFactory(), motivation="late")
    with (
        time_machine.travel(timezone.now() - timedelta(days=30)),
        pytest.raises(services.ProgrammeError, match="open on"),
    ):
        services.application_save(programme=programme, applicant=UserFactory(), motivation="early")


@pytest.mark.eager_tasks
def test_sponsor_confirms_once(programme, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted(programme)
    token = re.search(
        r"/sponsor/(\S+)/", [m for m in mailoutbox if m.to == ["sponsor@example.nhs.uk"]][0].body
    ).group(1)
    assert services.sponsor_confirm(token=token)[1] is True
    assert services.sponsor_confirm(token=token)[1] is False
    application.refresh_from_db()
    assert application.sponsor_confirmed_at
    with pytest.raises(services.ProgrammeError):
        services.sponsor_confirm(token=token[:-2] + "xx")


@pytest.mark.eager_tasks
def test_offers_never_exceed_the_cohort_and_a_decline_frees_a_place(
    programme, mailoutbox, django_capture_on_commit_callbacks
):
    a, b, c = (submitted(programme) for _ in range(3))
    manager = programme.manager
    services.application_decide(application=a, actor=manager, decision="offer")
    services.application_decide(application=b, actor=manager, decision="offer")
    with pytest.raises(services.ProgrammeError, match="cohort is full"):
        services.application_decide(application=c, actor=manager, decision="offer")
    services.application_decide(application=c, actor=manager, decision="waitlist")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_answer(application=a, accept=False)
    c.refresh_from_db()
    assert c.status == "offered"
    assert [m.to[0] for m in mailoutbox] == [c.applicant.email] and "offered a place" in mailoutbox[
        0
    ].subject


def test_accepting_registers_for_sessions_and_journal_is_for_participants(programme):
    manager = programme.manager
    session = module_added(programme=programme, manager=manager, starts_in=timedelta(days=10))
    application = submitted(programme)
    with pytest.raises(services.ProgrammeError):
        services.journal_add(application=application, title="x", body="y")
    services.application_decide(application=application, actor=manager, decision="offer")
    services.offer_answer(application=application, accept=True)
    assert (
        Registration.objects.get(meeting=session.meeting, user=application.applicant).status
        == "registered"
    )
    assert session.meeting.kind == "programme" and session.meeting.network == programme.network
    application.refresh_from_db()
    services.journal_add(application=application, title="First module", body="I learnt to listen.")


def test_reviews_score_every_criterion(programme):
    application = submitted(programme)
    with pytest.raises(services.ProgrammeError):
        services.review_save(
            application=application,
            reviewer=programme.manager,
            scores={"Passion for the domain": 4},
        )
    review = services.review_save(
        application=application,
        reviewer=programme.manager,
        scores={"Passion for the domain": 4, "Support of the employer": 5},
    )
    assert review.total == 9


def test_commitment_counts_face_to_face_meetings_held_by_communities_convened(programme):
    application = submitted(programme)
    services.application_decide(application=application, actor=programme.manager, decision="offer")
    services.offer_answer(application=application, accept=True)
    community = CommunityFactory()
    MembershipFactory(community=community, user=application.applicant, role="convener")
    past = timezone.now() - timedelta(days=2)

    def meeting(start=past, **fields):
        return MeetingFactory(
            community=community,
            title="m",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            **fields,
        )

    assert selectors.meetings_convened(application=application).count() == 0
    meeting(format="in-person")
    meeting(format="online")  # not face to face
    meeting(format="hybrid", status="cancelled")  # not held
    meeting(format="in-person", start=timezone.now() + timedelta(days=3))  # not yet held
    meeting(format="in-person", start=timezone.now() - timedelta(days=400))  # before the programme
    assert selectors.meetings_convened(application=application).count() == 1


def test_selection_counts_and_warnings(programme):
    programme.cohort_size = 10
    programme.save()
    trust = OrganisationFactory(kind="nhs-trust")
    home = OrganisationFactory(kind="care-home")
    pool = [
        ("london", trust),
        ("london", trust),
        ("london", home),
        ("midlands", home),
        ("north-west", trust),
    ]
    apps = [submitted(programme, region=r, organisation=o) for r, o in pool]
    for application in apps[:3]:
        services.application_decide(
            application=application, actor=programme.manager, decision="offer"
        )
    services.application_decide(application=apps[3], actor=programme.manager, decision="offer")
    result = selectors.selection(programme=programme)
    region = {r["value"]: r for r in result["breakdowns"][0]["rows"]}
    assert region["London"] == {"value": "London", "pool": 3, "cohort": 3, "share": 75}
    assert region["Midlands"]["cohort"] == 1 and region["North West"]["cohort"] == 0
    assert result["cohort_count"] == 4 and result["pool_count"] == 5
    assert any("London takes 75%" in w for w in result["warnings"])
    kinds = {r["value"]: r["cohort"] for r in result["breakdowns"][2]["rows"]}
    assert kinds == {"NHS trust": 2, "Care home": 2}


def test_journal_entry_published_as_a_story(programme):
    from knowledge.models import Story

    application = submitted(programme)
    services.application_decide(application=application, actor=programme.manager, decision="offer")
    application = services.offer_answer(application=application, accept=True)
    entry = services.journal_add(
        application=application, title="Listening first", body="What I learnt."
    )
    outsider_community = CommunityFactory()
    with pytest.raises(services.ProgrammeError):
        services.journal_publish_story(entry=entry, community=outsider_community)
    community = CommunityFactory()
    MembershipFactory(community=community, user=application.applicant)
    story = services.journal_publish_story(entry=entry, community=community)
    assert Story.objects.get(pk=story.pk).what_happened == "What I learnt."
