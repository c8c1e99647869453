"""Who may write to whom, and who may read which conversation: one place, each yes/no
question beside its queryset form.

- Two people may be in contact while they share an active community (both active members
  of a community that is not archived). Otherwise the person is not offered (404).
- A block, either way, stops every message between them; the blocked person is told only
  "You cannot send messages to this person".
- Someone who chose "met only" can be sent a first message only by people recorded as
  attending the same meeting as them (an existing conversation goes on; they can block).
- A conversation is read by its two participants only. Staff read a conversation through
  a report of it (views.report_detail, audited), never through these rules.
- The files of a conversation's messages are downloaded by its two participants only:
  staff reading a report see their names, never the files.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from communities.models import Community, Membership
from meetings.models import Registration
from messages.models import (
    Block,
    ContactPreference,
    Conversation,
    ConversationReport,
    MessageAttachment,
)

REFUSED = "You cannot send messages to this person."


def _active_memberships():
    return Membership.objects.filter(
        status=Membership.Status.ACTIVE, community__status=Community.Status.ACTIVE
    )


def shared_communities(a, b):
    """The active communities both people are active members of."""
    return Community.objects.filter(
        status=Community.Status.ACTIVE,
        pk__in=_active_memberships().filter(user=a).values("community_id"),
    ).filter(pk__in=_active_memberships().filter(user=b).values("community_id"))


def may_contact(viewer, person):
    """Whether `viewer` may be offered contact with `person` at all."""
    if not viewer.is_authenticated or not viewer.is_active or not person.is_active:
        return False
    if viewer.pk == person.pk:
        return False
    return shared_communities(viewer, person).exists()


def people_contactable_by(viewer):
    """The queryset form of may_contact."""
    users = get_user_model().objects.all()
    if not viewer.is_authenticated or not viewer.is_active:
        return users.none()
    mine = _active_memberships().filter(user=viewer).values("community_id")
    shares = _active_memberships().filter(user=OuterRef("pk"), community_id__in=mine)
    return users.filter(Exists(shares), is_active=True).exclude(pk=viewer.pk)


def blocked_between(a, b):
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def have_met(a, b):
    """Both recorded as attending the same meeting."""
    theirs = Registration.objects.filter(user=b, attended=True).values("meeting_id")
    return Registration.objects.filter(user=a, attended=True, meeting_id__in=theirs).exists()


def wants_met_only(person):
    return ContactPreference.objects.filter(user=person, met_only=True).exists()


def send_refusal(*, sender, recipient, starting):
    """None if `sender` may send `recipient` a message now (a first one if `starting`),
    else the neutral sentence that says why not without saying who chose what."""
    if blocked_between(sender, recipient):
        return REFUSED
    if starting and wants_met_only(recipient) and not have_met(sender, recipient):
        return REFUSED
    return None


def conversations_visible_to(user):
    """The conversations this person takes part in (staff included: no wider)."""
    if not user.is_authenticated:
        return Conversation.objects.none()
    return Conversation.objects.filter(participants__user=user)


def can_view_conversation(user, conversation):
    return user.is_authenticated and conversation.participants.filter(user=user).exists()


def attachments_visible_to(user):
    """The files of this person's conversations (can_download_attachment's twin)."""
    return MessageAttachment.objects.filter(
        message__conversation__in=conversations_visible_to(user)
    )


def can_download_attachment(user, attachment):
    return can_view_conversation(user, attachment.message.conversation)


def reports_visible_to(user):
    """Reports of conversations: for staff only."""
    if not (user.is_authenticated and user.is_staff):
        return ConversationReport.objects.none()
    return ConversationReport.objects.all()


def can_read_reports(user):
    return user.is_authenticated and user.is_staff
