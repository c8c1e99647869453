"""Who may see and do what in discussions: each question with its queryset form.

Discussions are a community's members' content (DESIGN.md): its active members and staff
see them, everyone else gets a 404 as for a missing page, whatever the community's
visibility. A hidden discussion stays open to its author (who reads why), the community's
conveners and staff; a hidden reply is shown to members as a line saying it was hidden.
A reply's files are downloaded by whoever may read the reply, while it is shown (hiding it
deletes them).
Conveners (and co-conveners) and staff see who wrote a post whose author chose not to show
their name to members. An archived community is read-only.
"""

from django.db.models import Q
from django.http import Http404

from communities.models import Community, Membership
from communities.permissions import (
    can_manage,
    can_post_in,
    can_see_content,
    communities_managed_by,
    community_get,
)
from core.access import allowed_or_denied, get_allowed_or_404
from discussions.models import Discussion, Reply, ReplyAttachment


def _member_communities(user):
    return Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("community")


def can_view_discussions(user, community):
    """Active members of the community, and staff."""
    return can_see_content(user, community)


def communities_with_discussions_for(user):
    """can_view_discussions' twin."""
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_staff:
        return Community.objects.all()
    return Community.objects.filter(pk__in=_member_communities(user))


def discussions_visible_to(user):
    """Every discussion this person may find in lists: shown ones of their communities."""
    if not user.is_authenticated:
        return Discussion.objects.none()
    shown = Discussion.objects.filter(is_hidden=False)
    if user.is_staff:
        return shown
    return shown.filter(community__in=_member_communities(user))


def discussions_searchable_by(user):
    """The discussions whose words search may show this person: those they may see (never
    a hidden one), a safe-space one only to active members of its community. Staff who
    are not members find none of those: a safe space never leaves its community."""
    visible = discussions_visible_to(user)
    if not user.is_authenticated:
        return visible
    return visible.filter(Q(is_safe_space=False) | Q(community__in=_member_communities(user)))


def discussion_pages_visible_to(user):
    """Every discussion whose page this person may open (can_view_discussion's twin): those
    they may see, and hidden ones to their author (while a member), the conveners, staff."""
    if not user.is_authenticated:
        return Discussion.objects.none()
    if user.is_staff:
        return Discussion.objects.all()
    mine = Q(community__in=_member_communities(user))
    hidden_for = Q(author=user) | Q(community__in=communities_managed_by(user).values("pk"))
    return Discussion.objects.filter(mine & (Q(is_hidden=False) | hidden_for))


def can_view_discussion(user, discussion):
    if not can_view_discussions(user, discussion.community):
        return False
    if discussion.is_hidden:
        return discussion.author_id == user.pk or can_manage(user, discussion.community)
    return True


def can_moderate(user, discussion):
    """Conveners and co-conveners of the discussion's community, and staff."""
    return can_manage(user, discussion.community)


def can_see_hidden_authors(user, community):
    """Who wrote a post whose author hid their name: the conveners and staff."""
    return can_manage(user, community)


def can_take_part(user, discussion):
    """Mark helpful, follow, report: members while it is shown and the community active."""
    return can_post_in(user, discussion.community) and not discussion.is_hidden


def can_reply(user, discussion):
    return can_take_part(user, discussion) and not discussion.is_closed


def can_edit(user, post, discussion):
    """The post's author (while a member) and the conveners, while the community is active."""
    if not user.is_authenticated or discussion.community.is_archived:
        return False
    if can_moderate(user, discussion):
        return True
    return post.author_id == user.pk and can_post_in(user, discussion.community)


def can_mark_answer(user, discussion):
    """A question's author or a convener."""
    if not discussion.is_question or discussion.community.is_archived or discussion.is_hidden:
        return False
    if can_moderate(user, discussion):
        return True
    return discussion.author_id == user.pk and can_post_in(user, discussion.community)


def can_view_reply(user, reply):
    """Who may read it: a hidden reply only its author and the moderators."""
    discussion = reply.discussion
    if not can_view_discussion(user, discussion):
        return False
    if reply.is_hidden:
        return reply.author_id == user.pk or can_moderate(user, discussion)
    return True


def reply_attachments_visible_to(user):
    """The files of the shown replies of the discussions this person may open
    (can_download_reply_attachment's twin)."""
    return ReplyAttachment.objects.filter(
        reply__is_hidden=False, reply__discussion__in=discussion_pages_visible_to(user)
    )


def can_download_reply_attachment(user, attachment):
    reply = attachment.reply
    return not reply.is_hidden and can_view_discussion(user, reply.discussion)


def can_moderate_reply(user, reply):
    return can_moderate(user, reply.discussion)


def move_targets(user, discussion):
    """The active communities this person convenes (any, for staff), but its own."""
    targets = Community.objects.active().exclude(pk=discussion.community_id)
    if user.is_staff:
        return targets
    return targets.filter(pk__in=communities_managed_by(user).values("pk"))


# --- lookups: 404 for whatever this person may not know ------------------------------------


def community_get_discussions(user, slug):
    return allowed_or_denied(user, community_get(user, slug), can_view_discussions, "Members only")


def discussion_get(user, pk):
    """The discussion, if this person may open its page (can_view_discussion, asked after
    reading it: core.access.get_allowed_or_404); 404 otherwise."""
    discussions = Discussion.objects.select_related(
        "community", "community__merged_into", "author", "answer"
    )
    return get_allowed_or_404(user, discussions, can_view_discussion, pk=pk)


def discussion_get_moderated(user, pk):
    return allowed_or_denied(user, discussion_get(user, pk), can_moderate, "Conveners only")


def reply_get(user, discussion, pk):
    """A reply of this discussion that this person may read."""
    reply = Reply.objects.filter(discussion=discussion, pk=pk).select_related("author").first()
    if reply is None:
        raise Http404("No such reply")
    reply.discussion = discussion
    return allowed_or_denied(user, reply, can_view_reply, "No such reply")
