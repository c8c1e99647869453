"""Reads of discussions, with their query shape decided here once: a community's list, a
discussion's thread, the people a mention may name, the feeds' discussions."""

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When

from communities.models import Membership
from core.http import url_maker
from core.markdown import render_markdown
from discussions import permissions
from discussions.mentions import mentioned_ids, post_text, render_posts
from discussions.models import (
    DEFAULT_GROUND_RULES,
    Discussion,
    Follow,
    GroundRules,
    Helpful,
    Reply,
    Revision,
)

PAGE_SIZE = 20
REPLIES_PER_PAGE = 50
SUGGESTIONS = 10


def _for_feeds(prefix=""):
    """What may leave a discussion's community pages: shown, and never a safe space (of the
    discussion at `prefix`)."""
    return Q(**{f"{prefix}is_hidden": False, f"{prefix}is_safe_space": False})


def discussions_for_feeds(user):
    """What feeds, digests, exports and search outside a community may carry: discussions
    this person may see, never a safe-space one."""
    return permissions.discussions_visible_to(user).filter(_for_feeds())


def feed_discussions(*, community_ids, active_after):
    """discussions_for_feeds for many people at once (a digest's batch): the discussions of
    these communities that feeds may carry, active after the moment `active_after` (as are
    all those started or replied to since: Discussion.last_activity_at). The caller gives
    each person only those of the communities they are an active member of, as
    discussions_visible_to has it."""
    return Discussion.objects.filter(
        _for_feeds(), community__in=community_ids, last_activity_at__gt=active_after
    )


def feed_replies(*, community_ids, active_after):
    """The replies shown in feed_discussions(community_ids, active_after): none hidden.
    Their discussion is joined (its columns may be read as "discussion__title"). Only a
    discussion's last activity bounds them: the caller says which of its replies."""
    return Reply.objects.filter(
        _for_feeds("discussion__"),
        is_hidden=False,
        discussion__community__in=community_ids,
        discussion__last_activity_at__gt=active_after,
    )


def byline(post, *, reveal, reader_id=None):
    """Who wrote it, as this reader may be told: (name, shown to conveners only)."""
    if post.author_id is None:
        return "A former member", False
    if post.author_hidden:
        if reveal:
            return post.author.name, True
        if post.author_id == reader_id:
            return "A member (you: your name is not shown to members)", False
        return "A member", False
    return post.author.name, False


def _with_bylines(posts, *, reveal, reader_id):
    for post in posts:
        post.byline, post.byline_for_conveners = byline(post, reveal=reveal, reader_id=reader_id)
    return posts


def discussion_page(*, user, community, number=None, unanswered=False):
    """One page of a community's discussions, pinned first, then by last activity. Hidden
    ones are listed to the conveners (marked) and no one else."""
    rows = Discussion.objects.filter(community=community).select_related("author")
    moderator = permissions.can_manage(user, community)
    if not moderator:
        rows = rows.filter(is_hidden=False)
    if unanswered:
        rows = rows.filter(kind=Discussion.Kind.QUESTION, answer__isnull=True)
    rows = rows.order_by("-is_pinned", "-last_activity_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(number)
    # Names hidden in a safe space are revealed (and the viewing audited) only on the
    # discussion's own page, never in the list.
    _with_bylines(page.object_list, reveal=False, reader_id=user.pk)
    return page


def ground_rules_text(community):
    rules = GroundRules.objects.filter(community=community).values_list("text", flat=True).first()
    return rules or DEFAULT_GROUND_RULES


def ground_rules_html(community):
    return render_markdown(ground_rules_text(community))


def _mention_names(discussion, texts):
    """{id: current name} of the people the texts mention who may see the discussion."""
    ids = {pk for text in texts for pk in mentioned_ids(text)}
    if not ids:
        return {}
    return dict(
        Membership.objects.filter(
            community=discussion.community_id, user_id__in=ids, status=Membership.Status.ACTIVE
        ).values_list("user_id", "user__name")
    )


def _answer_first(discussion):
    if discussion.answer_id is None:
        return Value(1, output_field=IntegerField())
    return Case(
        When(pk=discussion.answer_id, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def thread(*, discussion, user, number=None):
    """Everything a discussion's page shows, with a fixed number of queries: one page of its
    replies (the answer first) and their files, quoted replies, helpful marks of this
    reader, their follow, the names mentions resolve to, bylines as this reader may see
    them."""
    moderator = permissions.can_moderate(user, discussion)
    rows = (
        discussion.replies.select_related("author", "quote", "quote__author")
        .prefetch_related("attachments")
        .annotate(answer_rank=_answer_first(discussion))
        .order_by("answer_rank", "created_at", "pk")
    )
    page = Paginator(rows, REPLIES_PER_PAGE).get_page(number)
    replies = list(page.object_list)
    names = _mention_names(discussion, [discussion.body] + [r.body for r in replies])
    marked = set(
        Helpful.objects.filter(reply__discussion=discussion, user=user).values_list(
            "reply_id", flat=True
        )
    )
    for reply in replies:
        reply.readable = not reply.is_hidden or moderator or reply.author_id == user.pk
    body_html, *htmls = render_posts(
        [discussion.body] + [r.body if r.readable else "" for r in replies], names
    )
    links = _reply_links(discussion)
    for reply, html in zip(replies, htmls, strict=True):
        reply.links = {name: link(reply.pk) for name, link in links.items()}
        reply.discussion = discussion
        reply.html = html if reply.readable else ""
        reply.is_answer = reply.pk == discussion.answer_id
        reply.marked_helpful = reply.pk in marked
        reply.quoted = _quoted(reply.quote, names=names, reveal=moderator)
        if reply.quoted:
            reply.quoted["link"] = links["reply_link"](reply.quoted["pk"])
    _with_bylines([discussion, *replies], reveal=moderator, reader_id=user.pk)
    follow = Follow.objects.filter(discussion=discussion, user=user).first()
    revealed = any(p.byline_for_conveners for p in [discussion, *replies])
    return {
        "replies": replies,
        "page": page,
        "body_html": body_html,
        "follow": follow,
        "moderator": moderator,
        "reveals_hidden_authors": revealed,
        "ground_rules": ground_rules_html(discussion.community) if discussion.is_safe_space else "",
    }


# The links of each reply of a page, by their URL names (discussions:<name>).
REPLY_LINKS = ("reply_link", "reply_history", "helpful", "answer", "reply_edit", "reply_hide")
REPLY_LINKS += ("reply_report", "reply_unhide")


def _reply_links(discussion):
    """{name: reply pk -> its address}: each reversed once for the page, not once a reply."""
    return {name: url_maker(f"discussions:{name}", discussion.pk) for name in REPLY_LINKS}


def reply_page_number(reply):
    """The page of its discussion's thread that shows this reply (as thread orders them:
    the answer first, then oldest first), in one count query."""
    discussion = reply.discussion
    if reply.pk == discussion.answer_id:
        return 1
    before = (
        discussion.replies.filter(
            Q(created_at__lt=reply.created_at) | Q(created_at=reply.created_at, pk__lt=reply.pk)
        )
        .exclude(pk=discussion.answer_id)
        .count()
    )
    if discussion.answer_id is not None:
        before += 1
    return before // REPLIES_PER_PAGE + 1


def _quoted(quote, *, names, reveal):
    """What a reply quotes, as shown above it: never a hidden reply's text."""
    if quote is None:
        return None
    if quote.is_hidden:
        return {"pk": quote.pk, "text": "", "byline": "", "hidden": True}
    name, _ = byline(quote, reveal=False)
    if reveal and quote.author_hidden and quote.author_id:
        name = quote.author.name
    text = post_text(quote.body, names)
    return {
        "pk": quote.pk,
        "text": text if len(text) <= 300 else text[:297] + "…",
        "byline": name,
        "hidden": False,
    }


def revisions(*, discussion=None, reply=None):
    """The earlier texts of a post, newest first, with who changed it."""
    post = {"discussion": discussion} if reply is None else {"reply": reply}
    return list(Revision.objects.filter(**post).select_related("editor"))


def mention_suggestions(*, community, prefix):
    """At most ten active members of the community whose name (or a word of it) starts with
    the prefix: {"id", "name"}. Only members of this community, who may see its discussions."""
    prefix = prefix.strip()
    if not prefix:
        return []
    members = Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
    starts = members.filter(member_name__istartswith=prefix)
    word = members.filter(member_name__icontains=f" {prefix}")
    found = list(starts.order_by("member_name", "id").values_list("user_id", "member_name")[:10])
    if len(found) < SUGGESTIONS:
        seen = {pk for pk, _ in found}
        more = word.exclude(user_id__in=seen).order_by("member_name", "id")
        found += list(more.values_list("user_id", "member_name")[: SUGGESTIONS - len(found)])
    return [{"id": pk, "name": name} for pk, name in found]
