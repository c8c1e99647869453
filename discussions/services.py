"""Every write of discussions: keyword-only functions, each in a transaction, checking its
rules (raising DiscussionError with a message for the person), writing the audit entry
where an action matters, and telling people through discussions.notifications.

An archived community takes nothing new (communities.services.community_writable).
"""

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from communities.models import Membership
from communities.services import community_writable
from core.attachments import attachments_stored
from core.models import AuditEntry
from core.services import audit_log
from core.uploads import stored_upload
from discussions import notifications, permissions
from discussions.mentions import mentioned_ids
from discussions.models import (
    Discussion,
    Follow,
    GroundRules,
    Helpful,
    Mention,
    Reply,
    ReplyAttachment,
    Revision,
)


class DiscussionError(ValidationError):
    """A rule of discussions said no; the message says why and what to do."""


def search_vectors_update(*, discussion_ids=(), reply_ids=()):
    """Recompute the stored search vectors (a discussion's title A and text B, a reply's
    text B) after their text changed. Whether a post is found is decided when searching
    (hidden, safe space, who may see it: discussions/search.py), so hiding, showing again
    and moving change no vector."""
    if connection.vendor != "postgresql":
        return  # SQLite searches the columns directly
    if discussion_ids:
        Discussion.objects.filter(pk__in=discussion_ids).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector("body", weight="B", config="english")
        )
    if reply_ids:
        Reply.objects.filter(pk__in=reply_ids).update(
            search_vector=SearchVector("body", weight="B", config="english")
        )


def _require(condition, message):
    if not condition:
        raise DiscussionError(message)


def _text(value, field, message):
    value = (value or "").strip()
    if not value:
        raise DiscussionError({field: message})
    return value


def _follow(discussion, user):
    """Starting or replying follows; someone who muted it stays muted."""
    Follow.objects.get_or_create(discussion=discussion, user=user)


def _record_mentions(*, discussion, reply, text, author):
    """Mention rows for the people the text mentions who may see the discussion (active
    members of its community), but the author; returns the newly mentioned."""
    ids = [pk for pk in mentioned_ids(text) if pk != author.pk]
    if not ids:
        return []
    members = Membership.objects.filter(
        community=discussion.community_id, user_id__in=ids, status=Membership.Status.ACTIVE
    ).select_related("user")
    already = set(
        Mention.objects.filter(discussion=discussion, reply=reply).values_list("user_id", flat=True)
    )
    fresh = [m.user for m in members if m.user_id not in already and m.user.is_active]
    Mention.objects.bulk_create(
        [Mention(discussion=discussion, reply=reply, user=person) for person in fresh]
    )
    return fresh


def _post_recorded(*, action, actor, discussion, reply, text, **data):
    """The audit entry of a post written or changed (the discussion's text, or `reply`), and
    the Mention rows of its text; returns the newly mentioned."""
    ids = {"discussion": discussion.pk} | ({"reply": reply.pk} if reply else {})
    audit_log(actor=actor, action=action, target=discussion.community, data=ids | data)
    return _record_mentions(discussion=discussion, reply=reply, text=text, author=actor)


@transaction.atomic
def discussion_start(
    *,
    community,
    author,
    kind,
    title,
    body,
    is_safe_space=False,
    author_hidden=False,
    attachment=None,
):
    community_writable(community)
    _require(permissions.can_post_in(author, community), "Only members can start a discussion")
    title = _text(title, "title", "Give the discussion a title")
    body = _text(body, "body", "Write what you want to discuss")
    discussion = Discussion(
        community=community,
        author=author,
        kind=kind,
        title=title,
        body=body,
        is_safe_space=is_safe_space,
        # A name is hidden from members only in a safe space.
        author_hidden=bool(is_safe_space and author_hidden),
    )
    if attachment:
        with stored_upload(attachment, folder="discussions") as (stored, checked):
            discussion.attachment = stored
            discussion.attachment_name = checked.name
            discussion.attachment_type = checked.content_type
            discussion.save()
    else:
        discussion.save()
    search_vectors_update(discussion_ids=[discussion.pk])
    _follow(discussion, author)
    mentioned = _post_recorded(
        action="discussion.start",
        actor=author,
        discussion=discussion,
        reply=None,
        text=body,
        safe_space=discussion.is_safe_space,
    )
    notifications.discussion_started(discussion=discussion, mentioned=mentioned)
    return discussion


@transaction.atomic
def discussion_edit(*, discussion, editor, title, body):
    """Change the title and text; the previous ones are kept as a Revision."""
    community_writable(discussion.community)
    _require(
        permissions.can_edit(editor, discussion, discussion), "You cannot change this discussion"
    )
    title = _text(title, "title", "Give the discussion a title")
    body = _text(body, "body", "Write what you want to discuss")
    if title == discussion.title and body == discussion.body:
        return discussion
    return _post_edited(discussion, None, editor=editor, title=title, body=body)


def reply_add(*, discussion, author, body, quote=None, author_hidden=False, files=()):
    """Reply, with `files` attached (core.attachments: each checked, up to three). The
    files are checked and stored first, under random names (no file work while the
    discussion's row is locked); if the reply is refused, they are deleted again."""
    with attachments_stored(files, folder="replies") as stored:
        return _reply_add(
            discussion=discussion,
            author=author,
            body=body,
            quote=quote,
            author_hidden=author_hidden,
            stored=stored,
        )


@transaction.atomic
def _reply_add(*, discussion, author, body, quote, author_hidden, stored):
    community_writable(discussion.community)
    # Locked: the count and the closing are read and changed by one reply at a time.
    locked = Discussion.objects.select_for_update().get(pk=discussion.pk)
    _require(not locked.is_closed, "This discussion is closed: it takes no new replies")
    _require(permissions.can_reply(author, discussion), "Only members can reply")
    body = _text(body, "body", "Write your reply")
    if quote is not None:
        _require(
            quote.discussion_id == discussion.pk and not quote.is_hidden,
            "You can only quote a reply shown in this discussion",
        )
    reply = Reply.objects.create(
        discussion=discussion,
        author=author,
        body=body,
        quote=quote,
        author_hidden=bool(discussion.is_safe_space and author_hidden),
    )
    ReplyAttachment.objects.bulk_create(ReplyAttachment.rows(stored, reply=reply))
    search_vectors_update(reply_ids=[reply.pk])
    now = timezone.now()
    Discussion.objects.filter(pk=discussion.pk).update(
        reply_count=F("reply_count") + 1, last_activity_at=now
    )
    discussion.reply_count, discussion.last_activity_at = locked.reply_count + 1, now
    _follow(discussion, author)
    files = {"files": len(stored)} if stored else {}
    mentioned = _post_recorded(
        action="reply.add", actor=author, discussion=discussion, reply=reply, text=body, **files
    )
    notifications.replied(reply=reply, mentioned=mentioned)
    return reply


@transaction.atomic
def reply_edit(*, reply, editor, body):
    discussion = reply.discussion
    community_writable(discussion.community)
    _require(permissions.can_edit(editor, reply, discussion), "You cannot change this reply")
    body = _text(body, "body", "Write your reply")
    if body == reply.body:
        return reply
    return _post_edited(discussion, reply, editor=editor, body=body)


def _post_edited(discussion, reply, *, editor, body, title=None):
    """The edit of a discussion (reply None; `title` too) or of one of its replies: the
    earlier text kept as a Revision, the new one saved, searchable and recorded, and who is
    newly mentioned told. Returns the post."""
    post = reply or discussion
    Revision.objects.create(
        discussion=None if reply else discussion,
        reply=reply,
        editor=editor,
        title="" if reply else discussion.title,
        body=post.body,
    )
    post.body, post.edited_at = body, timezone.now()
    changed = ["body", "edited_at"]
    if reply is None:
        discussion.title = title
        changed.append("title")
    post.save(update_fields=changed)
    if reply is None:
        search_vectors_update(discussion_ids=[discussion.pk])
    else:
        search_vectors_update(reply_ids=[reply.pk])
    mentioned = _post_recorded(
        action="reply.edit" if reply else "discussion.edit",
        actor=editor,
        discussion=discussion,
        reply=reply,
        text=body,
    )
    notifications.tell_mentioned(discussion=discussion, reply=reply, people=mentioned)
    return post


@transaction.atomic
def helpful_toggle(*, reply, user):
    """Mark a reply helpful, or take the mark back; returns whether it is now marked. One
    mark per person; the count is kept on the reply."""
    discussion = reply.discussion
    community_writable(discussion.community)
    _require(
        permissions.can_take_part(user, discussion) and not reply.is_hidden,
        "Only members can mark a reply helpful",
    )
    _require(reply.author_id != user.pk, "You cannot mark your own reply helpful")
    removed, _ = Helpful.objects.filter(reply=reply, user=user).delete()
    if removed:
        Reply.objects.filter(pk=reply.pk).update(helpful_count=F("helpful_count") - 1)
        return False
    Helpful.objects.create(reply=reply, user=user)
    Reply.objects.filter(pk=reply.pk).update(helpful_count=F("helpful_count") + 1)
    return True


FOLLOW_STATES = ("follow", "mute", "unfollow")


@transaction.atomic
def follow_set(*, discussion, user, state):
    """Follow (told of every reply), mute (told of nothing, even after replying again), or
    stop following (told again once one replies)."""
    _require(state in FOLLOW_STATES, "Choose follow, mute or stop following")
    _require(permissions.can_view_discussion(user, discussion), "No such discussion")
    if state == "unfollow":
        Follow.objects.filter(discussion=discussion, user=user).delete()
        return None
    follow, _ = Follow.objects.update_or_create(
        discussion=discussion, user=user, defaults={"muted": state == "mute"}
    )
    return follow


@transaction.atomic
def answer_mark(*, discussion, reply, actor):
    """The question's author or a convener marks one reply as the answer (None: no answer)."""
    community_writable(discussion.community)
    _require(
        permissions.can_mark_answer(actor, discussion),
        "Only the person who asked, or a convener, can choose the answer",
    )
    if reply is not None:
        _require(
            reply.discussion_id == discussion.pk and not reply.is_hidden,
            "Choose a reply shown in this discussion",
        )
    discussion.answer = reply
    discussion.save(update_fields=["answer"])
    audit_log(
        actor=actor,
        action="discussion.answer",
        target=discussion.community,
        data={"discussion": discussion, "reply": reply},
    )
    return discussion


def _convener_change(discussion, actor, *, field, value, action):
    community_writable(discussion.community)
    _require(permissions.can_moderate(actor, discussion), "Only the conveners can do this")
    if getattr(discussion, field) == value:
        return discussion
    setattr(discussion, field, value)
    discussion.save(update_fields=[field])
    audit_log(
        actor=actor, action=action, target=discussion.community, data={"discussion": discussion.pk}
    )
    return discussion


@transaction.atomic
def discussion_pin(*, discussion, actor, pinned):
    action = "discussion.pin" if pinned else "discussion.unpin"
    return _convener_change(discussion, actor, field="is_pinned", value=pinned, action=action)


@transaction.atomic
def discussion_close(*, discussion, actor, closed):
    action = "discussion.close" if closed else "discussion.reopen"
    return _convener_change(discussion, actor, field="is_closed", value=closed, action=action)


@transaction.atomic
def discussion_move(*, discussion, actor, to):
    """Move a discussion to another community the actor convenes. Followers who cannot see
    the new community stop following; mentions of people who are not its members go."""
    source = discussion.community
    community_writable(source)
    community_writable(to)
    _require(permissions.can_moderate(actor, discussion), "Only the conveners can move it")
    _require(
        permissions.move_targets(actor, discussion).filter(pk=to.pk).exists(),
        "Choose a community you convene",
    )
    discussion.community = to
    discussion.save(update_fields=["community"])
    members = Membership.objects.filter(community=to, status=Membership.Status.ACTIVE)
    dropped, _ = (
        Follow.objects.filter(discussion=discussion)
        .exclude(user__in=members.values("user"))
        .delete()
    )
    Mention.objects.filter(discussion=discussion).exclude(user__in=members.values("user")).delete()
    for community in (source, to):
        audit_log(
            actor=actor,
            action="discussion.move",
            target=community,
            data={
                "discussion": discussion.pk,
                "from": source.pk,
                "to": to.pk,
                "followers_dropped": dropped,
            },
        )
    return discussion


@transaction.atomic
def discussions_transfer(*, community, to, actor, discussion_ids=None):
    """The discussions of a community (every one, for a merge; those chosen, for a split) go
    on in `to` (inside the merge's or split's transaction, after its members moved):
    followers who are not members of `to` stop following, mentions of them go. Returns
    {"discussions": how many moved}."""
    moving = Discussion.objects.filter(community=community)
    if discussion_ids is not None:
        moving = moving.filter(pk__in=discussion_ids)
    ids = list(moving.values_list("pk", flat=True))
    if not ids:
        return {"discussions": 0}
    Discussion.objects.filter(pk__in=ids).update(community=to)
    members = Membership.objects.filter(community=to, status=Membership.Status.ACTIVE)
    Follow.objects.filter(discussion__in=ids).exclude(user__in=members.values("user")).delete()
    Mention.objects.filter(discussion__in=ids).exclude(user__in=members.values("user")).delete()
    action = "discussion.merge" if discussion_ids is None else "discussion.split"
    audit_log(actor=actor, action=action, target=to, data={"discussions": ids})
    return {"discussions": len(ids)}


@transaction.atomic
def ground_rules_save(*, community, actor, text):
    community_writable(community)
    _require(permissions.can_manage(actor, community), "Only the conveners can change them")
    text = _text(text, "text", "Write the ground rules")
    rules, _ = GroundRules.objects.update_or_create(
        community=community,
        defaults={"text": text, "updated_by": actor, "updated_at": timezone.now()},
    )
    audit_log(actor=actor, action="discussion.ground_rules", target=community)
    return rules


ANONYMOUS_VIEWED = "discussion.anonymous_author_viewed"


def anonymous_authors_viewed(*, discussion, viewer):
    """A convener or staff member was shown who wrote posts whose authors hid their name:
    one audit entry per viewer, discussion and day."""
    today = timezone.localdate()
    seen = AuditEntry.objects.filter(
        actor=viewer,
        action=ANONYMOUS_VIEWED,
        target_id=str(discussion.pk),
        created_at__date=today,
    ).exists()
    if seen:
        return None
    return audit_log(
        actor=viewer,
        action=ANONYMOUS_VIEWED,
        target=discussion,
        data={"community": discussion.community_id},
    )
