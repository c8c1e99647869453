"""Conversation between meetings: discussions, their replies and the files attached to them,
who follows them, who found a reply helpful, who was mentioned, each edit's previous text,
and a community's ground rules.

A discussion belongs to one community and is for its members (and staff) only. A safe-space
discussion ("learning from harm") never leaves its community: every consumer outside the
discussion pages (feeds, digests, exports, search, notification text) checks
`is_safe_space`: selectors.discussions_for_feeds is the rule for one person, and
feed_discussions and feed_replies, which the home pages and digests read for many people at
once, carry what it allows (tests/discussions/test_services.py). A post's
`author_hidden` hides its author's name from members; conveners and staff still see it.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Moderated
from core.attachments import Attachment

DEFAULT_GROUND_RULES = """\
This is a safe space for learning from harm and near misses.

- Never write anything that could identify a patient, a family or a colleague.
- Talk about systems and conditions, not about blame.
- What is said here stays in this community: do not copy it elsewhere.
- Names hidden from members are still known to the conveners, who look after this space.
"""


class Discussion(Moderated):
    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        IDEA = "idea", "Idea"
        NEAR_MISS = "near-miss", "Near miss to learn from"
        COMMENTS = "comments", "Request for comments on a document"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="discussions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.QUESTION)
    title = models.CharField(max_length=200)
    body = models.TextField()
    is_safe_space = models.BooleanField("learning from harm", default=False)
    author_hidden = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    is_closed = models.BooleanField(default=False)
    answer = models.ForeignKey(
        "Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A stored file checked by core.uploads; the name the person gave it, made safe.
    attachment = models.FileField(max_length=300, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Never older than the discussion itself nor than any of its replies (services.reply_add
    # sets it to each reply's moment): "replies since T" are among the discussions active
    # since T, which the feeds and the search read first (the discussion_list index).
    last_activity_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Title (A) and text (B), kept by services.search_vectors_update on PostgreSQL (GIN
    # index); empty on SQLite, which searches the columns (discussions/search.py).
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at", "-pk"]
        indexes = [
            models.Index(
                fields=["community", "-is_pinned", "-last_activity_at"], name="discussion_list"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("discussions:detail", args=[self.pk])

    @property
    def is_question(self):
        return self.kind == self.Kind.QUESTION


class Reply(Moderated):
    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    quote = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_hidden = models.BooleanField(default=False)
    helpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # The text (B), as the discussion's: see Discussion.search_vector.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "replies"
        indexes = [models.Index(fields=["discussion", "created_at"], name="reply_thread")]

    def __str__(self):
        return f"Reply to {self.discussion}"

    def get_absolute_url(self):
        return reverse("discussions:reply_link", args=[self.discussion_id, self.pk])


class ReplyAttachment(Attachment):
    """A file attached to a reply: for whoever may read the reply, and gone when the reply
    is hidden or erased."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="attachments")

    def get_absolute_url(self):
        # `reply` comes with the rows when they are prefetched with their reply.
        return reverse(
            "discussions:reply_attachment", args=[self.reply.discussion_id, self.reply_id, self.pk]
        )


class Revision(models.Model):
    """The text a discussion or a reply had before one edit."""

    discussion = models.ForeignKey(
        Discussion, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discussion__isnull=False, reply__isnull=True)
                | Q(discussion__isnull=True, reply__isnull=False),
                name="revision_of_one_post",
            )
        ]

    def __str__(self):
        return f"Revision of {self.discussion_id or self.reply_id}"


class Helpful(models.Model):
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="helpful_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reply", "user"], name="helpful_once")]

    def __str__(self):
        return f"{self.user_id} found reply {self.reply_id} helpful"


class Follow(models.Model):
    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_follows"
    )
    muted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["discussion", "user"], name="follow_once")]

    def __str__(self):
        return f"{self.user_id} follows {self.discussion_id}"


class Mention(models.Model):
    """Someone mentioned in a post (the discussion's body, or a reply) who may see it."""

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="mentions")
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["discussion", "user"],
                condition=Q(reply__isnull=True),
                name="mention_once_in_discussion",
            ),
            models.UniqueConstraint(
                fields=["reply", "user"],
                condition=Q(reply__isnull=False),
                name="mention_once_in_reply",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} mentioned in {self.discussion_id}"


class GroundRules(models.Model):
    """What a community's safe-space discussions promise, shown on each of their pages."""

    community = models.OneToOneField(
        Community, primary_key=True, on_delete=models.CASCADE, related_name="ground_rules"
    )
    text = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "ground rules"

    def __str__(self):
        return f"Ground rules of {self.community_id}"
