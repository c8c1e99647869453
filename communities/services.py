"""Every write about communities: create, edit, join, decide, invite, charter, phases.

Each function runs in a transaction, checks its rules (raising the exceptions below),
writes an audit entry against the community, and queues its e-mails on commit through
accounts.outbox (once per recipient and purpose: a repeated call sends nothing new).
"""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User
from accounts.outbox.delivery import email_queue, email_queue_rendered
from communities import notifications as notices
from communities.extensions import holdings_phrase
from communities.models import (
    CharterVersion,
    Community,
    CommunityFigures,
    CommunityRegion,
    Invitation,
    Membership,
    PhaseChange,
)
from core.http import site_url
from core.services import audit_log


class CommunityError(ValidationError):
    """A rule of the community said no; the message says why and what to do."""


class CommunityArchived(CommunityError):
    """The community is archived: it keeps its record, and takes nothing new."""


def community_writable(community):
    """The one check every write into a community passes through (needs and offers, joining,
    registering for its meetings, posting or commenting in its library): an archived
    community is read-only everywhere."""
    if community is not None and community.is_archived:
        raise CommunityArchived(
            f"{community.name} is archived: its record stays, but it takes nothing new."
        )


# Sent when a community is archived (not merged), inside the archive's transaction, for the
# apps above this one: the meetings app cancels its future meetings and tells who registered.
community_archived = Signal()

# Sent with `membership` when someone has just become an active member (joined, was
# approved, accepted an invitation), inside that transaction, for the apps above this one:
# evaluation asks them an open baseline survey of the community.
membership_started = Signal()


class LastConvener(CommunityError):
    pass


class InvitationInvalid(CommunityError):
    pass


def _audit(actor, action, community, **data):
    return audit_log(actor=actor, action=action, target=community, data=data)


def _leaders(community):
    return User.objects.filter(
        memberships__community=community,
        memberships__status=Membership.Status.ACTIVE,
        memberships__role__in=Membership.LEADING_ROLES,
        is_active=True,
    )


def _set_regions(community, regions):
    CommunityRegion.objects.filter(community=community).exclude(region__in=regions).delete()
    existing = set(community.regions.values_list("region", flat=True))
    CommunityRegion.objects.bulk_create(
        [CommunityRegion(community=community, region=r) for r in regions if r not in existing]
    )


# --- figures ------------------------------------------------------------------------------
# CommunityFigures is a copy of an aggregate over each community's active members. Every
# change that can move it (a membership starting or ending, deleted; a member's
# organisation, profession or region changed) reaches community_figures_changed through
# communities/signals.py, whoever makes it (these services, the admin, the accounts app),
# inside the transaction of the change: the figures commit with it.

_batch = threading.local()

# Sent with community_ids after their stored figures were recomputed, in the transaction
# of the change.
figures_refreshed = Signal()


@contextmanager
def figures_batch():
    """Inside, changes only note their communities; each is refreshed once on the way out
    (a merge moving thousands of members recomputes the target's figures once, not once a
    member). The refresh is in the caller's transaction, before it commits."""
    outer = getattr(_batch, "pending", None)
    if outer is not None:  # nested: the outermost batch refreshes
        yield
        return
    _batch.pending = set()
    try:
        yield
        pending = _batch.pending
    finally:
        _batch.pending = None
    community_figures_refresh(community_ids=pending)


def community_figures_changed(*, community_ids):
    """These communities' figures may have changed: refresh them now, or at the end of the
    current figures_batch."""
    pending = getattr(_batch, "pending", None)
    if pending is not None:
        pending.update(pk for pk in community_ids if pk is not None)
        return
    community_figures_refresh(community_ids=community_ids)


@transaction.atomic
def community_figures_refresh(*, community_ids):
    """Recompute and store the figures of these communities."""
    from communities.selectors import community_figures_compute

    ids = sorted({pk for pk in community_ids if pk is not None})
    if not ids:
        return
    # Lock the rows (made first if missing), always in pk order, before reading the
    # memberships: two changes to one community at once then refresh one after the other,
    # and the second, reading after the first committed, counts both. Without the lock
    # each would count only its own change and the last to write would win.
    CommunityFigures.objects.bulk_create(
        [CommunityFigures(community_id=pk) for pk in ids], ignore_conflicts=True
    )
    list(
        CommunityFigures.objects.select_for_update()
        .filter(community_id__in=ids)
        .order_by("community_id")
        .values_list("pk", flat=True)
    )
    figures = community_figures_compute(ids)
    now = timezone.now()
    CommunityFigures.objects.bulk_update(
        [CommunityFigures(community_id=pk, refreshed_at=now, **figures[pk]) for pk in ids],
        fields=[*figures[ids[0]], "refreshed_at"],
    )
    # Readers above this app that keep copies of their own (the programme dashboard's
    # cached figures) hear of it here: a member changing organisation moves no membership.
    figures_refreshed.send(sender=CommunityFigures, community_ids=ids)


def community_copies_rebuild(*, chunk=50):
    """Recompute every stored copy from its source: each member's name on their memberships
    and every community's figures. For data written around the services and the signals
    (bulk loads such as seed_scale); returns how many communities were refreshed."""
    from django.db.models import OuterRef, Subquery

    Membership.objects.update(
        member_name=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("name")[:1])
    )
    ids = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        community_figures_refresh(community_ids=ids[start : start + chunk])
    return len(ids)


# --- communities --------------------------------------------------------------------------


@transaction.atomic
def community_create(*, creator, topics=(), regions=(), **fields):
    """A new community in the Discover phase; its creator is its convener."""
    community = Community(**fields)
    community.phase = Community.Phase.DISCOVER
    community.full_clean()
    community.save()
    community.topics.set(list(topics))
    _set_regions(community, regions)
    Membership.objects.create(
        community=community, user=creator, role=Membership.Role.CONVENER, joined_at=timezone.now()
    )
    PhaseChange.objects.create(
        community=community,
        from_phase="",
        to_phase=community.phase,
        note="Community created.",
        actor=creator,
    )
    _audit(creator, "community.create", community, name=community.name)
    return community


@transaction.atomic
def community_update(*, community, actor, topics=None, regions=None, **fields):
    before = {f: getattr(community, f) for f in fields}
    for field, value in fields.items():
        setattr(community, field, value)
    community.full_clean()
    community.save()
    if topics is not None:
        community.topics.set(list(topics))
    if regions is not None:
        _set_regions(community, regions)
    changed = sorted(f for f in fields if before[f] != getattr(community, f))
    _audit(
        actor,
        "community.update",
        community,
        changed=changed,
        **{f: getattr(community, f) for f in ("visibility", "join_policy") if f in changed},
    )
    return community


@transaction.atomic
def phase_change(*, community, actor, to_phase, note):
    if not note.strip():
        raise CommunityError({"note": "Say why the community is moving to this phase"})
    if to_phase == community.phase:
        raise CommunityError(
            {"to_phase": f"The community is already in the {community.get_phase_display()} phase"}
        )
    change = PhaseChange.objects.create(
        community=community,
        from_phase=community.phase,
        to_phase=to_phase,
        note=note.strip(),
        actor=actor,
    )
    community.phase = to_phase
    community.save(update_fields=["phase"])
    _audit(actor, "community.phase", community, from_phase=change.from_phase, to_phase=to_phase)
    return change


def _archive(community, actor, note):
    community.status = Community.Status.ARCHIVED
    community.archived_at = timezone.now()
    community.archive_note = note.strip()
    community.phase = Community.Phase.TRANSFORM
    community.save()


@transaction.atomic
def community_archive(*, community, actor, note):
    if community.is_archived:
        return community
    if not note.strip():
        raise CommunityError(
            {"note": "Say what becomes of the community and where its legacy is kept"}
        )
    _archive(community, actor, note)
    _audit(actor, "community.archive", community)
    community_archived.send(sender=Community, community=community, actor=actor)
    # Every member is told once, with the conveners' note on where the legacy is kept.
    for membership in community.memberships.filter(status=Membership.Status.ACTIVE).select_related(
        "user"
    ):
        email_queue(
            recipient=membership.user,
            purpose=f"community-archived:{community.pk}",
            template="community_archived",
            context={
                "community": community,
                "community_url": site_url("communities:detail", community.slug),
            },
            transactional=True,  # about a community they belong to: never switched off
        )
    return community


# Sent inside a merge's transaction, for the apps above this one to move what they hold of
# the community (future meetings, the library, open action points) into `into`. Each
# receiver returns {key: how many moved} (keys of extensions.HOLDINGS), gathered for the
# members' e-mail.
community_merging = Signal()

# Sent inside a split's transaction with the ids of the meetings and resources the
# convener chose: the apps above move those to `new` and tell who is concerned; each
# receiver returns {key: how many moved}.
community_splitting = Signal()


def register_transfers(app, *, merge, split):
    """Connect the receivers of `app` (from its AppConfig.ready()) that move what it holds
    of a community in a merge and in a split (extensions.Holding says what that is)."""
    community_merging.connect(merge, dispatch_uid=f"{app}-merge")
    community_splitting.connect(split, dispatch_uid=f"{app}-split")


# Strongest last: a merge never leaves anyone with a weaker role than they had.
ROLE_RANK = [
    Membership.Role.MEMBER,
    Membership.Role.CORE,
    Membership.Role.CO_CONVENER,
    Membership.Role.CONVENER,
]
# What a role in the merged community becomes in the one it merges into: its conveners go
# on leading their people beside the target's convener, who stays the convener.
MERGED_ROLE = {
    Membership.Role.CONVENER: Membership.Role.CO_CONVENER,
    Membership.Role.CO_CONVENER: Membership.Role.CO_CONVENER,
    Membership.Role.CORE: Membership.Role.CORE,
    Membership.Role.MEMBER: Membership.Role.MEMBER,
}


def _gather(responses):
    moved = {}
    for _, response in responses:
        for key, count in (response or {}).items():
            moved[key] = moved.get(key, 0) + count
    return moved


@transaction.atomic
def community_merge(*, community, into, actor, note=""):
    """Archive `community` and bring everything living in it into `into`: its active
    members (each keeping the stronger of their two roles, their needs and offers joined),
    its future meetings with their registrations, its library (resources with their
    adoptions, and stories), its open action points. Past meetings stay with the archived
    community's record. The old memberships close, and every member is told once, by
    e-mail, what moved. Returns {key: how many moved}, "members" included."""
    if into.pk == community.pk:
        raise CommunityError({"into": "Choose another community to merge into"})
    if into.is_archived:
        raise CommunityError({"into": "That community is archived: choose an active one"})
    # Lock the community: two conveners merging it at once must not move it twice.
    status = Community.objects.select_for_update().filter(pk=community.pk).values("status")
    if community.is_archived or status[0]["status"] == Community.Status.ARCHIVED:
        return {}
    with figures_batch():
        people = _move_members(community, into)
        moved = _gather(
            community_merging.send(sender=Community, community=community, into=into, actor=actor)
        )
        moved["members"] = len(people)
        community.merged_into = into
        _archive(community, actor, note or f"Merged into {into.name}.")
    community.invitations.filter(status=Invitation.Status.PENDING).update(
        status=Invitation.Status.REVOKED
    )
    _audit(actor, "community.merge", community, into=into.slug, **moved)
    _audit(actor, "community.merge_received", into, source=community.slug, **moved)
    _tell_merged(community, into, people, moved)
    return moved


def _move_members(community, into):
    """Bring the active members into `into` and close their old memberships. Someone the
    target's conveners removed is not brought back by a merge: their old membership closes
    and nothing more. Returns the target memberships of the people moved."""
    old = list(community.memberships.filter(status=Membership.Status.ACTIVE).select_related("user"))
    existing = {
        m.user_id: m
        for m in Membership.objects.select_for_update().filter(
            community=into, user__in=[m.user_id for m in old]
        )
    }
    now = timezone.now()
    moved = []
    for membership in old:
        role = MERGED_ROLE[membership.role]
        target = existing.get(membership.user_id)
        membership.status = Membership.Status.LEFT
        membership.save(update_fields=["status"])
        if target is not None and target.status == Membership.Status.REMOVED:
            continue
        if target is None:
            target = Membership(community=into, user=membership.user, role=role, joined_at=now)
        elif target.status != Membership.Status.ACTIVE:
            target.status, target.role, target.joined_at = Membership.Status.ACTIVE, role, now
        elif ROLE_RANK.index(role) > ROLE_RANK.index(target.role):
            target.role = role
        _join_needs_offers(target, membership)
        target.save()
        moved.append(target)
    return moved


def _join_needs_offers(target, source):
    """A member's needs and offers in the merged community join those they state in the
    target: nothing they wrote is lost, nothing is repeated."""
    for text, topics in (("needs", "needs_topics"), ("offers", "offers_topics")):
        mine, theirs = getattr(target, text).strip(), getattr(source, text).strip()
        if theirs and theirs not in mine:
            setattr(target, text, f"{mine}\n\n{theirs}" if mine else theirs)
        joined = Membership.split_topics(f"{getattr(target, topics)},{getattr(source, topics)}")
        setattr(target, topics, ", ".join(joined))


def _tell_merged(community, into, people, moved):
    what = holdings_phrase(moved)
    for membership in people:
        email_queue(
            recipient=membership.user,
            purpose=f"community-merged:{community.pk}",
            template="community_merged",
            context={
                "community": community,
                "into": into,
                "role": membership.get_role_display(),
                "moved": what,
                "community_url": site_url("communities:detail", into.slug),
            },
            transactional=True,  # about a community they belong to: never switched off
        )


@transaction.atomic
def community_split(*, community, actor, name, slug, domain, note, members=(), chosen=None):
    """Start a new community from this one; the actor convenes it. The chosen members
    (active members of this community) are invited to it, and the chosen future meetings
    and resources move to it (the apps above move them, and tell who registered). Returns
    the new community.

    `chosen` maps a holding's key (communities.extensions: "meetings", "resources") to the
    ids of what the convener chose to move; each app's receiver takes its own."""
    community_writable(community)
    invitees = list(
        User.objects.filter(
            memberships__community=community,
            memberships__status=Membership.Status.ACTIVE,
            pk__in=[getattr(m, "pk", m) for m in members],
        ).exclude(pk=actor.pk)
    )
    new = community_create(
        creator=actor,
        name=name,
        slug=slug,
        domain=domain,
        network=community.network,
        visibility=community.visibility,
        join_policy=community.join_policy,
        split_from=community,
    )
    moved = _gather(
        community_splitting.send(
            sender=Community,
            community=community,
            new=new,
            actor=actor,
            chosen={key: list(ids) for key, ids in (chosen or {}).items()},
        )
    )
    message = f"{new.name} has been started from {community.name}."
    if what := holdings_phrase(moved, chosen_only=True):
        message += f" {what[0].upper()}{what[1:]} moved to it from {community.name}."
    if note.strip():
        message = f"{note.strip()}\n\n{message}"
    invited, _ = invitation_create(
        community=new, actor=actor, emails=[u.email for u in invitees], message=message
    )
    moved["invited"] = len(invited)
    _audit(actor, "community.split", community, new=new.slug, note=note, **moved)
    return new


# --- membership ----------------------------------------------------------------------------


def _email_domain_approved(community, user):
    domain = user.email.rsplit("@", 1)[-1].lower()
    return domain in community.email_domains()


@transaction.atomic
def membership_join(*, community, user, note=""):
    """Join (open policy or an approved e-mail domain) or ask to join (approval policy).

    Idempotent: joining or asking twice changes nothing and sends nothing new.
    """
    if community.is_archived:
        raise CommunityError("This community is archived: it no longer takes new members")
    if community.join_policy == Community.JoinPolicy.INVITATION:
        raise CommunityError(
            "This community takes new members by invitation only: ask one of its conveners"
        )
    membership, _ = Membership.objects.select_for_update().get_or_create(
        community=community, user=user, defaults={"status": Membership.Status.LEFT}
    )
    if membership.status in (Membership.Status.ACTIVE, Membership.Status.REQUESTED):
        return membership
    now = timezone.now()
    if community.join_policy == Community.JoinPolicy.OPEN or _email_domain_approved(
        community, user
    ):
        membership.status, membership.role, membership.joined_at = (
            Membership.Status.ACTIVE,
            Membership.Role.MEMBER,
            now,
        )
        membership.request_note = note.strip()
        membership.save()
        _audit(user, "membership.join", community, user=user.pk, name=user.name)
        membership_started.send(sender=Membership, membership=membership)
        return membership
    membership.status, membership.requested_at, membership.request_note = (
        Membership.Status.REQUESTED,
        now,
        note.strip(),
    )
    membership.decision_message = ""
    membership.save()
    _audit(user, "membership.request", community, user=user.pk, name=user.name)
    leaders, purpose = list(_leaders(community)), f"join-request:{membership.pk}:{now.isoformat()}"
    notices.join_request_notify(membership=membership, leaders=leaders, dedupe=purpose)
    for leader in leaders:
        email_queue(
            recipient=leader,
            purpose=purpose,
            template="join_request",
            context={
                "community": community,
                "requester": user,
                "note": membership.request_note,
                "decide_url": site_url("communities:request", community.slug, membership.pk),
            },
            preference="membership_notices",
        )
    return membership


@transaction.atomic
def membership_decide(*, membership, actor, approve, message=""):
    """Approve or decline a join request. Deciding twice changes nothing and sends nothing."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("community", "user")
        .get(pk=membership.pk)
    )
    if membership.status != Membership.Status.REQUESTED:
        return membership
    membership.status = Membership.Status.ACTIVE if approve else Membership.Status.DECLINED
    membership.decided_by, membership.decision_message = actor, message.strip()
    if approve:
        membership.role, membership.joined_at = Membership.Role.MEMBER, timezone.now()
    membership.save()
    if approve:
        membership_started.send(sender=Membership, membership=membership)
    community = membership.community
    _audit(
        actor,
        "membership.approve" if approve else "membership.decline",
        community,
        user=membership.user_id,
        name=membership.user.name,
    )
    purpose = f"join-decision:{membership.pk}:{membership.requested_at.isoformat()}"
    notices.join_answer_notify(membership=membership, actor=actor, approved=approve, dedupe=purpose)
    email_queue(
        recipient=membership.user,
        purpose=purpose,
        template="join_decision",
        context={
            "community": community,
            "approved": approve,
            "message": membership.decision_message,
            "community_url": site_url("communities:detail", community.slug),
        },
        preference="membership_notices",
    )
    return membership


def _check_not_last_convener(membership, *, doing):
    if membership.role != Membership.Role.CONVENER or membership.status != Membership.Status.ACTIVE:
        return
    others = Membership.objects.filter(
        community_id=membership.community_id,
        status=Membership.Status.ACTIVE,
        role=Membership.Role.CONVENER,
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise LastConvener(
            f"You cannot {doing} the last convener. Make another member convener first "
            "(Members, then Change role), then try again"
        )


@transaction.atomic
def membership_leave(*, membership):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.ACTIVE:
        return membership
    try:
        _check_not_last_convener(membership, doing="remove")
    except LastConvener as exc:
        raise LastConvener(
            "You are the last convener, so you cannot leave yet. Make another member convener "
            "first (Members, then Change role), then leave"
        ) from exc
    membership.status = Membership.Status.LEFT
    membership.save(update_fields=["status"])
    _audit(membership.user, "membership.leave", membership.community, user=membership.user_id)
    return membership


@transaction.atomic
def membership_change_role(*, membership, actor, role):
    # Lock the community's conveners: two conveners demoting each other at once must not
    # leave the community with none.
    list(
        Membership.objects.select_for_update().filter(
            community_id=membership.community_id, role=Membership.Role.CONVENER
        )
    )
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.ACTIVE:
        raise CommunityError("Only active members can be given a role")
    if role == membership.role:
        return membership
    if role != Membership.Role.CONVENER:
        _check_not_last_convener(membership, doing="demote")
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _audit(
        actor,
        "membership.role",
        membership.community,
        user=membership.user_id,
        before=before,
        after=role,
    )
    return membership


@transaction.atomic
def membership_remove(*, membership, actor, reason):
    if not reason.strip():
        raise CommunityError(
            {"reason": "Give a reason: the member and the other conveners will see it"}
        )
    list(
        Membership.objects.select_for_update().filter(
            community_id=membership.community_id, role=Membership.Role.CONVENER
        )
    )
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.ACTIVE:
        return membership
    _check_not_last_convener(membership, doing="remove")
    membership.status, membership.removed_reason = Membership.Status.REMOVED, reason.strip()
    membership.save(update_fields=["status", "removed_reason"])
    _audit(
        actor,
        "membership.remove",
        membership.community,
        user=membership.user_id,
        reason=reason.strip(),
    )
    return membership


@transaction.atomic
def needs_offers_update(*, membership, needs, needs_topics, offers, offers_topics):
    community_writable(membership.community)
    membership.needs, membership.offers = needs.strip(), offers.strip()
    membership.needs_topics = ", ".join(Membership.split_topics(needs_topics))
    membership.offers_topics = ", ".join(Membership.split_topics(offers_topics))
    membership.save(update_fields=["needs", "needs_topics", "offers", "offers_topics"])
    _audit(
        membership.user, "membership.needs_offers", membership.community, user=membership.user_id
    )
    return membership


# --- invitations ---------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, community, actor, emails, message=""):
    """Invite each address once. Returns (invited, skipped) where skipped says why."""
    invited, skipped = [], []
    for email in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        if Membership.objects.filter(
            community=community, user__email__iexact=email, status=Membership.Status.ACTIVE
        ).exists():
            skipped.append((email, "already a member"))
            continue
        invitation = Invitation.objects.filter(
            community=community, email=email, status=Invitation.Status.PENDING
        ).first()
        if invitation and not invitation.is_expired:
            skipped.append((email, "already invited"))
            continue
        if invitation:  # expired: withdraw it and send a fresh one
            invitation.status = Invitation.Status.REVOKED
            invitation.save(update_fields=["status"])
        invitation = Invitation.objects.create(
            community=community, email=email, invited_by=actor, message=message.strip()
        )
        _send_invitation(invitation)
        _audit(actor, "invitation.create", community, email=email)
        invited.append(invitation)
    return invited, skipped


def _send_invitation(invitation):
    from django.template.loader import render_to_string

    context = {
        "community": invitation.community,
        "invitation": invitation,
        "accept_url": site_url("communities:invitation", invitation.token),
        "site_name": settings.SITE_NAME,
        "preferences_url": site_url("accounts:preferences"),
    }
    # Sent to an address that may have no account yet: there is no preference to honour.
    email_queue_rendered(
        to_address=invitation.email,
        recipient=User.objects.filter(email__iexact=invitation.email).first(),
        purpose=f"invitation:{invitation.pk}",
        subject=f"You are invited to join {invitation.community.name}",
        text=render_to_string("emails/invitation.txt", context),
        html=render_to_string("emails/invitation.html", context),
    )


def invitation_check(invitation, user=None):
    """Raise InvitationInvalid with a clear message if this invitation cannot be used."""
    if invitation.status == Invitation.Status.ACCEPTED:
        if user is not None and invitation.answered_by_id == user.pk:
            return
        raise InvitationInvalid(
            "This invitation has already been used. Ask a convener for a new one if you need it"
        )
    if invitation.status in (Invitation.Status.DECLINED, Invitation.Status.REVOKED):
        raise InvitationInvalid(
            "This invitation is no longer valid. Ask a convener for a new one if you need it"
        )
    if invitation.is_expired:
        raise InvitationInvalid("This invitation has expired. Ask a convener to send you a new one")
    if invitation.community.is_archived:
        raise InvitationInvalid("This community is archived and no longer takes new members")
    if user is not None and user.email.lower() != invitation.email.lower():
        raise InvitationInvalid(
            f"This invitation was sent to {invitation.email}. Sign in with that address to accept it"
        )


@transaction.atomic
def invitation_accept(*, invitation, user):
    """Accept: the person becomes a member. Accepting twice changes nothing."""
    invitation = (
        Invitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    )
    invitation_check(invitation, user)
    membership, created = Membership.objects.get_or_create(
        community=invitation.community,
        user=user,
        defaults={"status": Membership.Status.ACTIVE, "joined_at": timezone.now()},
    )
    if invitation.status == Invitation.Status.ACCEPTED:
        return membership
    started = created
    if membership.status != Membership.Status.ACTIVE:
        membership.status, membership.role, membership.joined_at = (
            Membership.Status.ACTIVE,
            Membership.Role.MEMBER,
            timezone.now(),
        )
        membership.save()
        started = True
    if started:
        membership_started.send(sender=Membership, membership=membership)
    invitation.status, invitation.answered_at, invitation.answered_by = (
        Invitation.Status.ACCEPTED,
        timezone.now(),
        user,
    )
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    _audit(user, "invitation.accept", invitation.community, email=invitation.email, user=user.pk)
    return membership


@transaction.atomic
def invitation_decline(*, invitation, user):
    invitation = (
        Invitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    )
    if invitation.status == Invitation.Status.DECLINED:
        return invitation
    invitation_check(invitation, user)
    invitation.status, invitation.answered_at, invitation.answered_by = (
        Invitation.Status.DECLINED,
        timezone.now(),
        user,
    )
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    _audit(user, "invitation.decline", invitation.community, email=invitation.email)
    return invitation


# --- charter --------------------------------------------------------------------------------


@transaction.atomic
def charter_save(*, community, actor, **answers):
    # Lock the community row: two conveners saving at once must not take the same number.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    last = community.charter_versions.aggregate(n=Max("number"))["n"] or 0
    version = CharterVersion.objects.create(
        community=community, number=last + 1, author=actor, **answers
    )
    _audit(actor, "charter.save", community, version=version.number)
    return version
