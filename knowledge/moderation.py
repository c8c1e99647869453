"""The library's content that members can report and conveners hide: stories and comments
on resources (communities.moderation). Resources themselves are hidden by their own
service (knowledge.services.resource_hide), which also keeps them out of search."""

from django.conf import settings
from django.urls import reverse

from communities.moderation.registry import Kind
from communities.moderation.selectors import community_moderators
from knowledge import permissions
from knowledge.models import Comment, Story


def _comment_moderators(comment):
    resource = comment.resource
    if resource.community_id:
        return community_moderators(resource.community)
    return [p for p in resource.network.managers.all() if p.is_active]


def _comment_url(comment):
    return reverse("knowledge:resource", args=[comment.resource_id]) + f"#comment-{comment.pk}"


def _comment_notice(comment):
    return {
        "resource": comment.resource,
        "resource_url": settings.SITE_URL
        + reverse("knowledge:resource", args=[comment.resource_id]),
        "comment": comment,
    }


STORY = Kind(
    key="story",
    label="story",
    model=Story,
    community=lambda s: s.community,
    author=lambda s: s.author,
    title=lambda s: s.title,
    url=lambda s: reverse("knowledge:story", args=[s.pk]),
    hide_url=lambda s: reverse("knowledge:story_hide", args=[s.pk]),
    can_view=permissions.can_view_story,
    can_moderate=permissions.can_moderate_story,
    moderators=lambda s: community_moderators(s.community),
    select_related=("community", "author"),
)

COMMENT = Kind(
    key="comment",
    label="comment",
    model=Comment,
    community=lambda c: c.resource.community,
    author=lambda c: c.author,
    title=lambda c: f"Comment on {c.resource.title}",
    url=_comment_url,
    hide_url=lambda c: reverse("knowledge:comment_hide", args=[c.resource_id, c.pk]),
    can_view=permissions.can_view_comment,
    can_moderate=lambda user, c: permissions.can_moderate(user, c.resource),
    moderators=_comment_moderators,
    select_related=("resource__community", "resource__network", "author"),
    # The e-mail comments have always had: it quotes the comment.
    notice_template="resource_comment_hidden",
    notice_context=_comment_notice,
)
