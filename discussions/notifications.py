"""Who is told of what happens in discussions, and in which words: the one place that calls
the notification centre (accounts.notifications), from the services' transactions.

One notification per person per event: someone mentioned in a reply is told of the mention
and not again as its discussion's author or follower. A safe-space discussion's
notifications carry no title, body or name: "A new reply in a discussion you follow", in
"A discussion in <community>"; their e-mails only link to the page, where the reader signs
in.
"""

from functools import partial

from accounts.inbound.tokens import reply_address
from accounts.notifications.registry import NotificationKind
from accounts.notifications.services import notify
from communities.models import Membership
from discussions.models import Follow

KINDS = (
    NotificationKind("mention", "Someone mentions you", "discussion_mention"),
    NotificationKind("reply_to_mine", "Replies to your discussions", "discussion_reply"),
    NotificationKind("followed_reply", "New replies in discussions you follow", "discussion_reply"),
    NotificationKind(
        "new_discussion", "New discussions in your communities", "discussion_new", "digest"
    ),
)


def _notify(**kwargs):
    return notify(**kwargs)


def _members(discussion, user_ids):
    """Those of these people who may still see the discussion: its community's members."""
    return [
        m.user
        for m in Membership.objects.filter(
            community=discussion.community_id,
            user_id__in=list(user_ids),
            status=Membership.Status.ACTIVE,
        ).select_related("user")
    ]


def _group(discussion):
    community = discussion.community.name
    if discussion.is_safe_space:
        return f"A discussion in {community}"
    return f"{discussion.title} ({community})"


def _email_context(discussion):
    context = {"community_name": discussion.community.name, "safe_space": discussion.is_safe_space}
    if not discussion.is_safe_space:
        context["discussion_title"] = discussion.title
    return context


def _send(discussion, *, people, kind, dedupe, text, url, actor):
    if not people:
        return 0
    return _notify(
        recipients=people,
        kind=kind,
        dedupe=dedupe,
        group_key=f"discussion:{discussion.pk}",
        group_title=_group(discussion),
        text=text,
        url=url,
        # The centre may show who acted: never in a safe space.
        actor=None if discussion.is_safe_space else actor,
        email_context=_email_context(discussion),
        # Each person's e-mail can be answered: the reply is posted as them (discussions.inbound).
        reply_to=partial(_reply_address, object_id=discussion.pk),
    )


def _reply_address(person, *, object_id):
    return reply_address(user=person, handler="discussion", object_id=object_id)


def _actor_name(post, discussion):
    if discussion.is_safe_space or post.author is None:
        return None
    return post.author.name


def tell_mentioned(*, discussion, reply, people):
    """Tell the newly mentioned (already narrowed to those who may see it)."""
    post = reply or discussion
    name = _actor_name(post, discussion)
    if discussion.is_safe_space or name is None:
        text = "You were mentioned in a discussion"
    else:
        text = f"{name} mentioned you in “{discussion.title}”"
    dedupe = f"mention:reply-{reply.pk}" if reply else f"mention:discussion-{discussion.pk}"
    return _send(
        discussion,
        people=people,
        kind="mention",
        dedupe=dedupe,
        text=text,
        url=post.get_absolute_url(),
        actor=post.author,
    )


def discussion_started(*, discussion, mentioned):
    """The mentioned hear of their mention; the community's other members of a new
    discussion."""
    tell_mentioned(discussion=discussion, reply=None, people=mentioned)
    told = {p.pk for p in mentioned} | {discussion.author_id}
    members = Membership.objects.filter(
        community=discussion.community_id, status=Membership.Status.ACTIVE
    ).exclude(user_id__in=told)
    people = [m.user for m in members.select_related("user")]
    name = _actor_name(discussion, discussion)
    if discussion.is_safe_space:
        text = f"A new discussion in {discussion.community.name}"
    else:
        text = f"{name or 'A member'} started “{discussion.title}”"
    return _send(
        discussion,
        people=people,
        kind="new_discussion",
        dedupe=f"discussion:{discussion.pk}",
        text=text,
        url=discussion.get_absolute_url(),
        actor=discussion.author,
    )


def replied(*, reply, mentioned):
    """The mentioned of their mention; the discussion's author (reply_to_mine) and its
    followers (followed_reply), but the muted and the replier, of the reply: once each."""
    discussion = reply.discussion
    tell_mentioned(discussion=discussion, reply=reply, people=mentioned)
    follows = dict(Follow.objects.filter(discussion=discussion).values_list("user_id", "muted"))
    told = {p.pk for p in mentioned} | {reply.author_id}
    muted = {pk for pk, is_muted in follows.items() if is_muted}
    url = reply.get_absolute_url()
    author_id = discussion.author_id
    if author_id and author_id not in told and author_id not in muted:
        text = (
            "A new reply in a discussion you started"
            if discussion.is_safe_space
            else f"A new reply to your discussion “{discussion.title}”"
        )
        _send(
            discussion,
            people=_members(discussion, [author_id]),
            kind="reply_to_mine",
            dedupe=f"reply:{reply.pk}",
            text=text,
            url=url,
            actor=reply.author,
        )
        told.add(author_id)
    followers = [pk for pk in follows if pk not in told and pk not in muted]
    text = (
        "A new reply in a discussion you follow"
        if discussion.is_safe_space
        else f"A new reply in “{discussion.title}”"
    )
    return _send(
        discussion,
        people=_members(discussion, followers),
        kind="followed_reply",
        dedupe=f"reply:{reply.pk}",
        text=text,
        url=url,
        actor=reply.author,
    )
