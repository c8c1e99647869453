"""What discussions hold about a person, to download or erase (accounts.personal_data)."""

import re

from django.db.models import F

from accounts.personal_data import Export, Part
from core.attachments import attachments_delete
from core.uploads import delete_file_on_commit
from discussions.models import (
    Discussion,
    Follow,
    Helpful,
    Mention,
    Reply,
    ReplyAttachment,
    Revision,
)
from discussions.services import search_vectors_update

FORMER = "A former member"

export = Export(
    Part(
        "discussions",
        "Discussions you started: their text, community, whether your name was hidden from "
        "members, and whether a convener hid one (and why).",
        "discussions.Discussion",
        "author",
        (
            "title",
            "kind",
            "community__name",
            "body",
            "is_safe_space",
            "author_hidden",
            "attachment_name",
            "is_hidden",
            "hidden_reason",
            "created_at",
            "edited_at",
        ),
    ),
    Part(
        "replies",
        "Replies you wrote, whether your name was hidden from members, and whether a convener "
        "hid one (and why).",
        "discussions.Reply",
        "author",
        (
            "discussion__title",
            "body",
            "author_hidden",
            "is_hidden",
            "hidden_reason",
            "created_at",
            "edited_at",
        ),
    ),
    Part(
        "reply_attachments",
        "Files you attached to your replies: their names, sizes and discussions (the files "
        "are in files/discussions/).",
        "discussions.ReplyAttachment",
        "reply__author",
        (
            "reply__discussion__title",
            "reply_id",
            "original_name",
            "content_type",
            "size",
            "created_at",
        ),
    ),
    Part(
        "edits",
        "The earlier text of posts you changed.",
        "discussions.Revision",
        "editor",
        ("discussion__title", "reply__discussion__title", "title", "body", "created_at"),
    ),
    Part(
        "helpful_marks",
        "Replies you marked helpful.",
        "discussions.Helpful",
        "user",
        ("reply__discussion__title", "created_at"),
    ),
    Part(
        "follows",
        "Discussions you follow or muted.",
        "discussions.Follow",
        "user",
        ("discussion__title", "muted", "created_at"),
    ),
    Part(
        "mentions",
        "Posts that mentioned you.",
        "discussions.Mention",
        "user",
        ("discussion__title", "reply_id", "created_at"),
    ),
    Part(
        "discussions_you_hid",
        "As a convener: discussions you hid, with the reason you gave.",
        "discussions.Discussion",
        "hidden_by",
        ("title", "community__name", "hidden_reason", "hidden_at"),
    ),
    Part(
        "replies_you_hid",
        "As a convener: replies you hid, with the reason you gave.",
        "discussions.Reply",
        "hidden_by",
        ("discussion__title", "hidden_reason", "hidden_at"),
    ),
    Part(
        "ground_rules_you_wrote",
        "As a convener: safe-space ground rules you last changed.",
        "discussions.GroundRules",
        "updated_by",
        ("community__name", "text", "updated_at"),
    ),
)


def files(user):
    """Documents attached to discussions you started, and files attached to your replies."""
    documents = [
        (f"discussion-{d.pk}-{d.attachment_name}", d.attachment.name)
        for d in Discussion.objects.filter(author=user).exclude(attachment="")
    ]
    return documents + [
        (f"reply-{a.reply_id}-{a.pk}-{a.original_name}", a.file.name)
        for a in ReplyAttachment.objects.filter(reply__author=user).order_by("pk")
    ]


def _unname_mentions(user):
    """Other people's posts keep mentioning them, without the name that was typed."""
    pattern = re.compile(rf"@\[[^\[\]\n]{{1,150}}\]\({user.pk}\)")
    marker = f"]({user.pk})"
    changed = {}
    for model in (Discussion, Reply, Revision):
        for post in model.objects.filter(body__contains=marker).only("pk", "body"):
            body = pattern.sub(f"@[{FORMER}]({user.pk})", post.body)
            if body != post.body:
                model.objects.filter(pk=post.pk).update(body=body)
                changed.setdefault(model, []).append(post.pk)
    # The name typed is in the stored search vectors too: they are written afresh.
    search_vectors_update(
        discussion_ids=changed.get(Discussion, []), reply_ids=changed.get(Reply, [])
    )


def erase(user, *, remove_contributions):
    # What they follow and where they were mentioned is about them alone.
    Follow.objects.filter(user=user).delete()
    Mention.objects.filter(user=user).delete()
    _unname_mentions(user)
    # The files they attached to replies go with the account, whatever else is kept: a
    # file's name and contents are often about its sender; the reply's words stay.
    attachments_delete(ReplyAttachment.objects.filter(reply__author=user))
    if not remove_contributions:
        return  # their posts stay, attributed to "A former member" once the account goes
    for reply_id in Helpful.objects.filter(user=user).values_list("reply_id", flat=True):
        Reply.objects.filter(pk=reply_id).update(helpful_count=F("helpful_count") - 1)
    Helpful.objects.filter(user=user).delete()
    for discussion in Discussion.objects.filter(author=user).exclude(attachment=""):
        delete_file_on_commit(discussion.attachment.storage, discussion.attachment.name)
    # Their discussions go with every reply in them, and the replies' files.
    attachments_delete(ReplyAttachment.objects.filter(reply__discussion__author=user))
    # Their replies go; a discussion's count of replies follows.
    for discussion_id in Reply.objects.filter(author=user).values_list("discussion_id", flat=True):
        Discussion.objects.filter(pk=discussion_id).update(reply_count=F("reply_count") - 1)
    Reply.objects.filter(author=user).delete()
    Discussion.objects.filter(author=user).delete()
