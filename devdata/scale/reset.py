"""Finding and deleting what seed_scale made, and only that."""

import time

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, transaction
from taggit.models import TaggedItem

from accounts.models import Notification, User
from communities.models import Community, Membership, Network
from devdata.scale.counts import EMAIL_DOMAIN, SLUG_PREFIX
from discussions.models import Discussion, Follow, Helpful, Mention, Reply, Revision
from evaluation.surveys.models import Answer, Question, Respondent, Response, Survey
from evaluation.value.models import ValueTag
from knowledge.models import Adoption, Comment, Resource, Story, UsefulMark
from meetings.models import ActionItem, Meeting, Minutes, Registration


def scale_data_exists(using=DEFAULT_DB_ALIAS):
    return (
        User.objects.using(using).filter(email__endswith="@" + EMAIL_DOMAIN).exists()
        or Network.objects.using(using).filter(slug__startswith=SLUG_PREFIX).exists()
        or Community.objects.using(using).filter(slug__startswith=SLUG_PREFIX).exists()
    )


def scale_reset(using=DEFAULT_DB_ALIAS, log=None):
    """Delete what seed_scale made (and only that): scale networks, communities and people,
    with everything that hangs off them. Organisations and tags stay. Returns rows deleted."""
    log = log or (lambda *args: None)
    communities = Community.objects.using(using).filter(slug__startswith=SLUG_PREFIX)
    networks = Network.objects.using(using).filter(slug__startswith=SLUG_PREFIX)
    users = User.objects.using(using).filter(email__endswith="@" + EMAIL_DOMAIN)
    resources = Resource.objects.using(using).filter(
        community__in=communities
    ) | Resource.objects.using(using).filter(network__in=networks)
    meetings = Meeting.objects.using(using).filter(
        community__in=communities
    ) | Meeting.objects.using(using).filter(network__in=networks)
    discussions = Discussion.objects.using(using).filter(community__in=communities)
    replies = Reply.objects.using(using).filter(discussion__in=discussions)
    surveys = Survey.objects.using(using).filter(network__in=networks)
    # The big tables first, leaves before what they point at, so that the cascades of
    # the last deletes have little left to collect.
    steps = [
        ("notifications", Notification.objects.using(using).filter(recipient__in=users)),
        ("survey answers", Answer.objects.using(using).filter(response__survey__in=surveys)),
        ("survey responses", Response.objects.using(using).filter(survey__in=surveys)),
        ("survey respondents", Respondent.objects.using(using).filter(survey__in=surveys)),
        ("survey questions", Question.objects.using(using).filter(survey__in=surveys)),
        ("surveys", surveys),
        ("helpful marks", Helpful.objects.using(using).filter(reply__in=replies)),
        ("mentions", Mention.objects.using(using).filter(discussion__in=discussions)),
        ("follows", Follow.objects.using(using).filter(discussion__in=discussions)),
        ("revisions", _revisions(using, discussions, replies)),
        ("replies", replies),
        ("discussions", discussions),
        ("tags", _tagged_items(using, resources, communities)),
        ("registrations", Registration.objects.using(using).filter(meeting__in=meetings)),
        ("action items", ActionItem.objects.using(using).filter(meeting__in=meetings)),
        ("minutes", Minutes.objects.using(using).filter(meeting__in=meetings)),
        ("adoptions", Adoption.objects.using(using).filter(resource__in=resources)),
        ("useful marks", UsefulMark.objects.using(using).filter(resource__in=resources)),
        ("comments", Comment.objects.using(using).filter(resource__in=resources)),
        ("value tags", ValueTag.objects.using(using).filter(story__community__in=communities)),
        ("stories", Story.objects.using(using).filter(community__in=communities)),
        ("resources", resources),
        ("meetings", meetings),
        ("memberships", Membership.objects.using(using).filter(community__in=communities)),
        ("communities", communities),
        ("networks", networks),
        ("e-mail addresses", EmailAddress.objects.using(using).filter(user__in=users)),
        ("people", users),
    ]
    total = 0
    with transaction.atomic(using=using):
        # Links between posts first, so that deleting the posts sets nothing to null.
        discussions.update(answer=None)
        replies.update(quote=None)
        for name, queryset in steps:
            started = time.monotonic()
            deleted, _ = queryset.delete()
            total += deleted
            log(f"deleted {name}", {"rows": deleted}, time.monotonic() - started)
    return total


def _tagged_items(using, resources, communities):
    types = ContentType.objects.db_manager(using)
    return TaggedItem.objects.using(using).filter(
        content_type=types.get_for_model(Resource), object_id__in=resources.values("pk")
    ) | TaggedItem.objects.using(using).filter(
        content_type=types.get_for_model(Community), object_id__in=communities.values("pk")
    )


def _revisions(using, discussions, replies):
    rows = Revision.objects.using(using)
    return rows.filter(discussion__in=discussions) | rows.filter(reply__in=replies)
