"""A community's end: a merge carries everything that lives on into the target and tells
every member once; a split takes only what its convener chose."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from communities import services
from communities.models import Community, CommunityFigures, Invitation, Membership
from communities.selectors import community_figures_compute
from knowledge.models import Adoption
from meetings import services as meeting_services
from meetings.models import ActionItem, Meeting, Registration
from tests.factories import (
    ActionItemFactory,
    AdoptionFactory,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    ResourceFactory,
    StoryFactory,
    UserFactory,
    community_split_off,
    meeting_scheduled,
)

pytestmark = pytest.mark.django_db


def _meeting(community, actor, *, days, title="Monthly meeting"):
    if days > 0:
        return meeting_scheduled(
            community=community,
            actor=actor,
            starts_in=timedelta(days=days),
            title=title,
            announce=False,
        )
    return MeetingFactory(
        community=community, title=title, starts_at=timezone.now() + timedelta(days=days)
    )


@pytest.fixture
def merging(django_capture_on_commit_callbacks, mailoutbox):
    """Falls Group, about to merge into Frailty Group, with something of everything."""
    old = CommunityFactory(name="Falls Group", slug="falls")
    into = CommunityFactory(name="Frailty Group", slug="frailty")
    lead = MembershipFactory(community=old, role=Membership.Role.CONVENER).user
    MembershipFactory(community=into, user=lead, role=Membership.Role.CONVENER)
    core = MembershipFactory(
        community=old, role=Membership.Role.CORE, needs="Falls data", needs_topics="falls"
    ).user
    MembershipFactory(
        community=into,
        user=core,
        role=Membership.Role.MEMBER,
        needs="Frailty scores",
        needs_topics="frailty",
    )
    co = MembershipFactory(community=old, role=Membership.Role.CO_CONVENER).user
    member = MembershipFactory(community=old, offers="A room in Leeds").user
    gone = MembershipFactory(community=old, status=Membership.Status.LEFT).user
    future = _meeting(old, lead, days=10, title="Falls and frailty")
    meeting_services.registration_create(meeting=future, user=member)
    past = _meeting(old, lead, days=-30, title="Last month")
    cancelled = _meeting(old, lead, days=20, title="Cancelled one")
    meeting_services.meeting_cancel(meeting=cancelled, actor=lead, reason="Room lost.")
    open_action = ActionItemFactory(meeting=past, description="Audit")
    done_action = ActionItemFactory(meeting=past, description="Book", status=ActionItem.Status.DONE)
    resource = ResourceFactory(community=old, owner=member)
    adopted_elsewhere = AdoptionFactory(resource=resource, community=CommunityFactory())
    ours = ResourceFactory(community=CommunityFactory(), owner=member)
    we_adopted = AdoptionFactory(resource=ours, community=old)
    story = StoryFactory(community=old, author=member)
    story.resources.add(resource)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.community_merge(community=old, into=into, actor=lead)
    return {
        "old": old,
        "into": into,
        "lead": lead,
        "core": core,
        "co": co,
        "member": member,
        "gone": gone,
        "future": future,
        "past": past,
        "cancelled": cancelled,
        "open_action": open_action,
        "done_action": done_action,
        "resource": resource,
        "adopted_elsewhere": adopted_elsewhere,
        "we_adopted": we_adopted,
        "story": story,
        "moved": moved,
    }


def role_in(community, user):
    return Membership.objects.get(community=community, user=user).role


def test_a_merge_archives_and_needs_no_note(merging):
    old = Community.objects.get(pk=merging["old"].pk)
    assert old.is_archived and old.merged_into == merging["into"]
    assert old.archive_note == "Merged into Frailty Group."


def test_members_move_keeping_the_stronger_role(merging):
    into = merging["into"]
    assert role_in(into, merging["lead"]) == Membership.Role.CONVENER  # never downgraded
    assert role_in(into, merging["co"]) == Membership.Role.CO_CONVENER
    assert role_in(into, merging["core"]) == Membership.Role.CORE  # raised from member
    assert role_in(into, merging["member"]) == Membership.Role.MEMBER
    assert not Membership.objects.filter(community=into, user=merging["gone"]).exists()
    assert merging["moved"]["members"] == 4


def test_the_old_memberships_close(merging):
    old = merging["old"]
    assert not old.memberships.filter(status=Membership.Status.ACTIVE).exists()


def test_needs_and_offers_join_those_in_the_target(merging):
    core = Membership.objects.get(community=merging["into"], user=merging["core"])
    assert core.needs == "Frailty scores\n\nFalls data"
    assert core.needs_topics == "falls, frailty"
    member = Membership.objects.get(community=merging["into"], user=merging["member"])
    assert member.offers == "A room in Leeds"


def test_future_meetings_move_with_their_registrations_past_ones_stay(merging):
    into, old = merging["into"], merging["old"]
    future = Meeting.objects.get(pk=merging["future"].pk)
    assert future.community == into and future.status == Meeting.Status.SCHEDULED
    assert future.sequence == merging["future"].sequence + 1  # calendars take the update
    assert Registration.objects.get(meeting=future).user == merging["member"]
    assert Meeting.objects.get(pk=merging["past"].pk).community == old
    assert Meeting.objects.get(pk=merging["cancelled"].pk).community == old
    assert merging["moved"]["meetings"] == 1


def test_open_actions_move_done_ones_stay(merging):
    assert ActionItem.objects.get(pk=merging["open_action"].pk).community == merging["into"]
    assert ActionItem.objects.get(pk=merging["done_action"].pk).community == merging["old"]
    assert merging["moved"]["actions"] == 1


def test_the_library_moves_with_adoptions_and_stories(merging):
    into = merging["into"]
    resource = merging["resource"]
    resource.refresh_from_db()
    assert resource.community == into
    adoption = Adoption.objects.get(pk=merging["adopted_elsewhere"].pk)
    assert adoption.resource_community == into == adoption.resource.community
    assert Adoption.objects.get(pk=merging["we_adopted"].pk).community == into
    story = merging["story"]
    story.refresh_from_db()
    assert story.community == into and list(story.resources.all()) == [resource]
    # Every stored copy matches its resource.
    assert not Adoption.objects.exclude(resource_community=F("resource__community")).exists()
    assert merging["moved"]["resources"] == 1 and merging["moved"]["stories"] == 1


def test_figures_are_fresh_for_both(merging):
    for community in (merging["old"], merging["into"]):
        stored = CommunityFigures.objects.get(community=community)
        fresh = community_figures_compute([community.pk])[community.pk]
        assert {k: getattr(stored, k) for k in fresh} == fresh
    assert CommunityFigures.objects.get(community=merging["old"]).member_count == 0
    assert CommunityFigures.objects.get(community=merging["into"]).member_count == 4


@pytest.mark.eager_tasks
def test_every_member_is_told_once_what_moved(merging, mailoutbox):
    people = [merging[k] for k in ("lead", "core", "co", "member")]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    message = mailoutbox[0]
    assert message.subject == "Falls Group has merged into Frailty Group"
    assert "1 future meeting, 1 resource, 0 discussions and 1 open action point" in message.body


@pytest.mark.eager_tasks
def test_merging_twice_moves_and_sends_nothing_more(merging, mailoutbox):
    count = len(mailoutbox)
    assert (
        services.community_merge(
            community=merging["old"], into=merging["into"], actor=merging["lead"]
        )
        == {}
    )
    assert len(mailoutbox) == count


def test_a_merge_withdraws_open_invitations(db):
    old, into = CommunityFactory(), CommunityFactory()
    lead = MembershipFactory(community=old, role=Membership.Role.CONVENER).user
    services.invitation_create(community=old, actor=lead, emails=["new@example.org"])
    services.community_merge(community=old, into=into, actor=lead)
    assert old.invitations.get().status == Invitation.Status.REVOKED


def test_a_merge_into_an_archived_community_is_refused(db):
    old, into = CommunityFactory(), CommunityFactory(status=Community.Status.ARCHIVED)
    with pytest.raises(services.CommunityError) as error:
        services.community_merge(community=old, into=into, actor=None)
    assert "archived" in error.value.message_dict["into"][0]


# --- split ----------------------------------------------------------------------------------


@pytest.fixture
def splitting(django_capture_on_commit_callbacks, mailoutbox):
    old = CommunityFactory(name="Medicines Group", slug="medicines")
    lead = MembershipFactory(community=old, role=Membership.Role.CONVENER).user
    chosen = MembershipFactory(community=old).user
    stays = MembershipFactory(community=old).user
    outsider = UserFactory()
    going = _meeting(old, lead, days=5, title="Deprescribing workshop")
    staying = _meeting(old, lead, days=6, title="Monthly meeting")
    meeting_services.registration_create(meeting=going, user=stays)
    meeting_services.registration_create(meeting=staying, user=chosen)
    resource_going = ResourceFactory(community=old, title="Deprescribing guide")
    resource_staying = ResourceFactory(community=old, title="Review template")
    adoption = AdoptionFactory(resource=resource_going, community=CommunityFactory())
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = community_split_off(
            community=old,
            actor=lead,
            name="Deprescribing Group",
            note="Deprescribing needs its own group.",
            members=[chosen, outsider],
            chosen={"meetings": [going.pk], "resources": [resource_going.pk]},
        )
    return locals()


def test_a_split_takes_only_the_chosen_meetings_and_resources(splitting):
    new, old = splitting["new"], splitting["old"]
    assert new.split_from == old and role_in(new, splitting["lead"]) == Membership.Role.CONVENER
    assert Meeting.objects.get(pk=splitting["going"].pk).community == new
    assert Meeting.objects.get(pk=splitting["staying"].pk).community == old
    splitting["resource_going"].refresh_from_db()
    splitting["resource_staying"].refresh_from_db()
    assert splitting["resource_going"].community == new
    assert splitting["resource_staying"].community == old
    assert Adoption.objects.get(pk=splitting["adoption"].pk).resource_community == new
    assert Registration.objects.get(meeting=splitting["going"]).user == splitting["stays"]


def test_a_split_invites_only_chosen_members_of_the_community(splitting):
    new = splitting["new"]
    assert list(new.invitations.values_list("email", flat=True)) == [splitting["chosen"].email]
    # Invited, not enrolled: each chooses.
    assert list(new.memberships.values_list("user", flat=True)) == [splitting["lead"].pk]


@pytest.mark.eager_tasks
def test_a_split_tells_the_invited_and_who_registered(splitting, mailoutbox):
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {splitting["chosen"].email, splitting["stays"].email}
    invitation = by_address[splitting["chosen"].email]
    assert invitation.subject == "You are invited to join Deprescribing Group"
    assert "1 future meeting and 1 resource moved" in invitation.body
    moved = by_address[splitting["stays"].email]
    assert moved.subject == "Deprescribing workshop now belongs to Deprescribing Group"


def test_an_archived_community_cannot_be_split(db):
    old = CommunityFactory(status=Community.Status.ARCHIVED)
    with pytest.raises(services.CommunityArchived):
        community_split_off(community=old, actor=UserFactory())


def test_a_merge_does_not_bring_back_someone_the_target_removed(db, mailoutbox):
    old, into = CommunityFactory(), CommunityFactory()
    lead = MembershipFactory(community=old, role=Membership.Role.CONVENER).user
    removed = MembershipFactory(community=old).user
    MembershipFactory(
        community=into, user=removed, status=Membership.Status.REMOVED, removed_reason="Abuse"
    )
    moved = services.community_merge(community=old, into=into, actor=lead)
    assert Membership.objects.get(community=into, user=removed).status == "removed"
    assert Membership.objects.get(community=old, user=removed).status == "left"
    assert moved["members"] == 1


@pytest.mark.eager_tasks
def test_a_member_who_switched_off_membership_notices_is_still_told(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    # Archiving or merging changes a community they belong to: an account notice, not a
    # notice about joining that they may have switched off.
    old, into = CommunityFactory(name="Falls Group"), CommunityFactory(name="Frailty Group")
    lead = MembershipFactory(community=old, role=Membership.Role.CONVENER).user
    MembershipFactory(community=into, user=lead, role=Membership.Role.CONVENER)
    quiet = MembershipFactory(community=old, user__membership_notices=False).user
    with django_capture_on_commit_callbacks(execute=True):
        services.community_merge(community=old, into=into, actor=lead)
    assert [m.subject for m in mailoutbox if m.to == [quiet.email]] == [
        "Falls Group has merged into Frailty Group"
    ]
