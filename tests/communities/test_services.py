from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import EmailDelivery
from communities import services
from communities.models import Community, Invitation, Membership
from core.models import AuditEntry
from tests.factories import (
    CommunityFactory,
    ConvenedCommunityFactory,
    MembershipFactory,
    UserFactory,
    community_split_off,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return ConvenedCommunityFactory(
        join_policy=Community.JoinPolicy.APPROVAL, lead__email="lead@example.nhs.uk"
    )


def audit_actions(community):
    return list(
        AuditEntry.objects.filter(target_id=str(community.pk), target_type__model="community")
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def test_create_makes_the_creator_convener_in_discover(user):
    c = services.community_create(
        creator=user,
        name="Sepsis",
        slug="sepsis",
        domain="Spotting sepsis early.",
        topics=["sepsis"],
        regions=["london"],
    )
    assert c.phase == "discover" and c.memberships.get().role == "convener"
    assert list(c.topics.names()) == ["sepsis"] and [r.region for r in c.regions.all()] == [
        "london"
    ]
    assert c.phase_changes.get().to_phase == "discover"
    assert audit_actions(c) == ["community.create"]


def test_open_community_join_is_immediate_and_idempotent(user, mailoutbox):
    c = CommunityFactory(join_policy=Community.JoinPolicy.OPEN)
    first = services.membership_join(community=c, user=user)
    second = services.membership_join(community=c, user=user)
    assert first.pk == second.pk and second.status == "active"
    assert Membership.objects.filter(community=c, user=user).count() == 1
    assert audit_actions(c) == ["membership.join"] and mailoutbox == []


@pytest.mark.eager_tasks
def test_approval_request_emails_conveners_once(
    community, user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_join(community=community, user=user, note="I run a care home.")
        services.membership_join(community=community, user=user, note="Again")
    membership = Membership.objects.get(community=community, user=user)
    assert membership.status == "requested" and membership.request_note == "I run a care home."
    assert [m.to for m in mailoutbox] == [["lead@example.nhs.uk"]]
    assert f"/communities/{community.slug}/requests/{membership.pk}/" in mailoutbox[0].body
    assert "I run a care home." in mailoutbox[0].body
    assert mailoutbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_approved_email_domain_joins_without_approval(community):
    community.approved_email_domains = "example.nhs.uk"
    community.save()
    person = UserFactory(email="ward.nurse@example.nhs.uk")
    assert services.membership_join(community=community, user=person).status == "active"
    assert services.membership_join(community=community, user=UserFactory()).status == "requested"


def test_invitation_only_and_archived_refuse_joining(user):
    with pytest.raises(services.CommunityError, match="invitation only"):
        services.membership_join(community=CommunityFactory(join_policy="invitation"), user=user)
    with pytest.raises(services.CommunityError, match="archived"):
        services.membership_join(
            community=CommunityFactory(join_policy="open", status="archived"), user=user
        )


@pytest.mark.eager_tasks
def test_decide_twice_sends_one_answer(
    community, user, mailoutbox, django_capture_on_commit_callbacks
):
    lead = community.lead
    request = services.membership_join(community=community, user=user)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(membership=request, actor=lead, approve=True, message="Welcome!")
        services.membership_decide(membership=request, actor=lead, approve=False)
    request.refresh_from_db()
    assert request.status == "active" and request.decided_by == lead
    assert (
        len(mailoutbox) == 1
        and "approved" in mailoutbox[0].body
        and "Welcome!" in mailoutbox[0].body
    )
    assert audit_actions(community)[-1] == "membership.approve"


@pytest.mark.eager_tasks
def test_declined_request_tells_the_person(
    community, user, mailoutbox, django_capture_on_commit_callbacks
):
    request = services.membership_join(community=community, user=user)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(
            membership=request, actor=None, approve=False, message="We are full."
        )
    assert "declined" in mailoutbox[0].body and "We are full." in mailoutbox[0].body
    # Asking again later is possible, and the conveners hear of it again.
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_join(community=community, user=user)
    assert EmailDelivery.objects.filter(purpose__startswith="join-request").count() == 2


def test_last_convener_cannot_leave_or_be_demoted_or_removed(community):
    lead = community.memberships.get()
    with pytest.raises(services.LastConvener, match="last convener"):
        services.membership_leave(membership=lead)
    with pytest.raises(services.LastConvener, match="Make another member convener first"):
        services.membership_change_role(membership=lead, actor=lead.user, role="member")
    with pytest.raises(services.LastConvener):
        services.membership_remove(membership=lead, actor=lead.user, reason="Stepping down")
    lead.refresh_from_db()
    assert lead.status == "active" and lead.role == "convener"
    # With a second convener, the first may step down.
    second = MembershipFactory(community=community)
    services.membership_change_role(membership=second, actor=lead.user, role="convener")
    services.membership_leave(membership=lead)
    lead.refresh_from_db()
    assert lead.status == "left"
    assert audit_actions(community)[-2:] == ["membership.role", "membership.leave"]


def test_remove_needs_a_reason(community):
    member = MembershipFactory(community=community)
    with pytest.raises(services.CommunityError):
        services.membership_remove(membership=member, actor=None, reason="  ")
    services.membership_remove(membership=member, actor=None, reason="Left the organisation")
    member.refresh_from_db()
    assert member.status == "removed" and member.removed_reason == "Left the organisation"


@pytest.mark.eager_tasks
def test_invitations_once_per_address(community, mailoutbox, django_capture_on_commit_callbacks):
    lead = community.lead
    member = MembershipFactory(community=community)
    with django_capture_on_commit_callbacks(execute=True):
        invited, skipped = services.invitation_create(
            community=community,
            actor=lead,
            emails=["New.Person@example.org", "new.person@example.org", member.user.email],
        )
        again, skipped_again = services.invitation_create(
            community=community, actor=lead, emails=["new.person@example.org"]
        )
    assert [i.email for i in invited] == ["new.person@example.org"]
    assert skipped == [(member.user.email, "already a member")]
    assert again == [] and skipped_again == [("new.person@example.org", "already invited")]
    assert [m.to for m in mailoutbox] == [["new.person@example.org"]]
    assert f"/invitations/{invited[0].token}/" in mailoutbox[0].body


def test_invitation_accept_twice_and_reuse(community):
    invitation = Invitation.objects.create(community=community, email="guest@example.org")
    guest = UserFactory(email="guest@example.org")
    first = services.invitation_accept(invitation=invitation, user=guest)
    second = services.invitation_accept(invitation=invitation, user=guest)
    assert first.pk == second.pk and first.status == "active"
    assert Membership.objects.filter(community=community, user=guest).count() == 1
    with pytest.raises(services.InvitationInvalid, match="already been used"):
        services.invitation_accept(
            invitation=invitation, user=UserFactory(email="other@example.org")
        )


def test_invitation_expired_or_for_someone_else(community):
    invitation = Invitation.objects.create(community=community, email="guest@example.org")
    with pytest.raises(services.InvitationInvalid, match="sent to guest@example.org"):
        services.invitation_accept(
            invitation=invitation, user=UserFactory(email="someone@example.org")
        )
    with (
        time_machine.travel(timezone.now() + timedelta(days=15)),
        pytest.raises(services.InvitationInvalid, match="expired"),
    ):
        services.invitation_accept(
            invitation=invitation, user=UserFactory(email="guest@example.org")
        )


def test_expired_invitation_can_be_sent_again(community, django_capture_on_commit_callbacks):
    lead = community.lead
    services.invitation_create(community=community, actor=lead, emails=["guest@example.org"])
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        invited, _ = services.invitation_create(
            community=community, actor=lead, emails=["guest@example.org"]
        )
    assert len(invited) == 1
    assert list(Invitation.objects.order_by("pk").values_list("status", flat=True)) == [
        "revoked",
        "pending",
    ]


def test_charter_versions(community):
    lead = community.lead
    v1 = services.charter_save(
        community=community, actor=lead, trying_to_do="First", priorities="A\nB"
    )
    v2 = services.charter_save(
        community=community, actor=lead, trying_to_do="Second", priorities="B\nA"
    )
    assert (v1.number, v2.number) == (1, 2)
    assert community.charter_versions.first() == v2 and v2.priority_list() == ["B", "A"]
    assert audit_actions(community)[-2:] == ["charter.save", "charter.save"]


def test_phase_change_needs_a_note_and_a_new_phase(community):
    with pytest.raises(services.CommunityError):
        services.phase_change(community=community, actor=None, to_phase="unite", note="")
    with pytest.raises(services.CommunityError):
        services.phase_change(
            community=community, actor=None, to_phase=community.phase, note="Same"
        )
    services.phase_change(
        community=community, actor=None, to_phase="unite", note="Trust is forming."
    )
    assert community.phase == "unite" and community.phase_changes.first().from_phase == "discover"


def test_merge_moves_members_and_archives(community):
    lead = community.memberships.get()
    member = MembershipFactory(community=community)
    target = CommunityFactory()
    services.community_merge(community=community, into=target, actor=lead.user, note="")
    community.refresh_from_db()
    assert community.is_archived and community.merged_into == target
    roles = dict(target.memberships.values_list("user_id", "role"))
    # Its convener goes on leading beside the target's convener, as co-convener.
    assert roles == {lead.user_id: "co-convener", member.user_id: "member"}
    with pytest.raises(services.CommunityError):
        services.community_merge(community=target, into=target, actor=None, note="")


def test_split_starts_a_new_community(community):
    lead = community.lead
    new = community_split_off(community=community, actor=lead, note="Grew too big.")
    assert new.split_from == community and new.memberships.get().user == lead


def test_needs_offers_topics_are_normalised(community):
    member = MembershipFactory(community=community)
    services.needs_offers_update(
        membership=member,
        needs="Help",
        needs_topics="Falls, AUDIT, falls ",
        offers="",
        offers_topics="",
    )
    assert member.need_topic_list() == ["audit", "falls"]
