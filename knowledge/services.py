"""Every write in the library: post, edit, new version, adopt, story, comment, useful,
hide, and the review reminders.

Each function runs in a transaction, checks its rules (raising KnowledgeError with a
message for the person), writes an audit entry against the resource (or the community),
and queues its e-mails through accounts.outbox, once per recipient and purpose.
"""

import uuid

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.outbox.delivery import email_queue
from accounts.services import organisation_get_or_create
from communities.moderation.services import content_hide
from communities.permissions import active_membership
from communities.selectors import community_leaders
from communities.services import community_writable
from core import uploads as files
from core.http import site_url
from core.services import audit_log
from knowledge.models import Adoption, Comment, Resource, ResourceVersion, Story, UsefulMark
from knowledge.permissions import can_view_resource

RESOURCE_FIELDS = (
    "title",
    "summary",
    "body",
    "kind",
    "external_url",
    "licence",
    "visibility",
    "review_date",
)
STORY_FIELDS = ("title", *Story.CYCLE_FIELDS, "visibility")


class KnowledgeError(ValidationError):
    """A rule of the library said no; the message says why and what to do."""


def search_vector_update(*, resource_ids):
    """Recompute the stored, weighted search vector (A title, B summary, C body)."""
    if connection.vendor != "postgresql":
        return  # SQLite searches the columns directly
    Resource.objects.filter(pk__in=resource_ids).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )


def _add_version(resource, *, actor, upload, change_note):
    # Checked by content and size first: a refused file is never stored. Stored under a
    # random name: the download name comes from the row.
    checked = files.check_upload(upload)
    upload.seek(0)
    stored = default_storage.save(f"resources/{uuid.uuid4().hex}", upload)
    number = (resource.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return ResourceVersion.objects.create(
        resource=resource,
        number=number,
        file=stored,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        change_note=change_note.strip(),
        uploaded_by=actor,
    )


def _check_superseded_by(resource, replacement):
    if replacement is None:
        return
    if replacement.pk == resource.pk:
        raise KnowledgeError({"superseded_by": "A resource cannot supersede itself"})
    # Walk the stored chain: a resource must never end up superseding itself.
    seen, current = {resource.pk}, replacement.pk
    while current is not None:
        if current in seen:
            raise KnowledgeError(
                {"superseded_by": "That resource is already superseded by this one"}
            )
        seen.add(current)
        current = Resource.objects.filter(pk=current).values_list("superseded_by", flat=True)[0]


@transaction.atomic
def resource_create(
    *,
    author,
    community=None,
    network=None,
    upload=None,
    change_note="",
    topics=(),
    **fields,
):
    """Post a resource to a community (its members) or to a network (its managers)."""
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"Not resource fields: {sorted(unknown)}")
    if (community is None) == (network is None):
        raise KnowledgeError("Choose one community or one network to share the resource with")
    if community is not None:
        if community.is_archived or active_membership(author, community) is None:
            raise KnowledgeError("Only members of an active community can post to its library")
    elif not network.managers.filter(pk=author.pk).exists():
        raise KnowledgeError("Only the network's programme managers can post to the network")
    if upload is None and not fields.get("external_url"):
        raise KnowledgeError({"upload": "Choose a file to upload, or give a link, or both"})
    if upload is not None:
        files.check_upload(upload)  # before any row exists
    resource = Resource(community=community, network=network, owner=author, **fields)
    resource.full_clean(exclude=["search_vector"])
    resource.save()
    resource.topics.set(list(topics))
    if upload is not None:
        _add_version(
            resource, actor=author, upload=upload, change_note=change_note or "First version."
        )
    search_vector_update(resource_ids=[resource.pk])
    audit_log(
        actor=author,
        action="resource.create",
        target=resource,
        data={"community": community, "network": network},
    )
    return resource


@transaction.atomic
def resource_update(*, resource, actor, topics=None, superseded_by=..., **fields):
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"Not resource fields: {sorted(unknown)}")
    before = {f: getattr(resource, f) for f in fields}
    for field, value in fields.items():
        setattr(resource, field, value)
    if superseded_by is not ...:
        _check_superseded_by(resource, superseded_by)
        before["superseded_by_id"] = resource.superseded_by_id
        resource.superseded_by = superseded_by
    if not resource.external_url and not resource.versions.exists():
        raise KnowledgeError({"external_url": "Give a link, or upload a file as a new version"})
    resource.full_clean(exclude=["search_vector"])
    resource.save()
    if topics is not None:
        resource.topics.set(list(topics))
    search_vector_update(resource_ids=[resource.pk])
    changed = sorted(f for f in before if before[f] != getattr(resource, f))
    audit_log(actor=actor, action="resource.update", target=resource, data={"changed": changed})
    return resource


@transaction.atomic
def resource_version_add(*, resource, actor, upload, change_note):
    if not change_note.strip():
        raise KnowledgeError({"change_note": "Say what changed in this version"})
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    version = _add_version(resource, actor=actor, upload=upload, change_note=change_note)
    Resource.objects.filter(pk=resource.pk).update(updated_at=timezone.now())
    audit_log(
        actor=actor,
        action="resource.version",
        target=resource,
        data={"number": version.number, "size": version.size},
    )
    return version


@transaction.atomic
def adoption_record(*, resource, user, note, organisation_name="", community=None):
    """'We adopted this': once per resource and (organisation, community)."""
    if not note.strip():
        raise KnowledgeError({"note": "Say in a line how you use it"})
    if not organisation_name.strip() and community is None:
        raise KnowledgeError(
            {"organisation_name": "Name the organisation that adopted it, or choose a community"}
        )
    if community is not None and active_membership(user, community) is None:
        raise KnowledgeError({"community": "Choose a community you are a member of"})
    organisation = (
        organisation_get_or_create(name=organisation_name) if organisation_name.strip() else None
    )
    # Locked so two people recording the same adoption at once count it once.
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if Adoption.objects.filter(
        resource=resource, organisation=organisation, community=community
    ).exists():
        raise KnowledgeError(
            "This adoption is already recorded. Thank you: it shows where the work spread."
        )
    adoption = Adoption.objects.create(
        resource=resource,
        organisation=organisation,
        community=community,
        note=note.strip(),
        adopted_by=user,
    )
    Resource.objects.filter(pk=resource.pk).update(adoption_count=F("adoption_count") + 1)
    audit_log(
        actor=user,
        action="resource.adopt",
        target=resource,
        data={"organisation": organisation, "community": community},
    )
    return adoption


@transaction.atomic
def useful_toggle(*, resource, user):
    """Mark as useful, or take the mark back. Returns True when it is now marked."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    deleted, _ = UsefulMark.objects.filter(resource=resource, user=user).delete()
    if deleted:
        Resource.objects.filter(pk=resource.pk).update(useful_count=F("useful_count") - 1)
        audit_log(actor=user, action="resource.useful.remove", target=resource)
        return False
    UsefulMark.objects.create(resource=resource, user=user)
    Resource.objects.filter(pk=resource.pk).update(useful_count=F("useful_count") + 1)
    audit_log(actor=user, action="resource.useful", target=resource)
    return True


@transaction.atomic
def comment_add(*, resource, author, body):
    community_writable(resource.community)
    if not body.strip():
        raise KnowledgeError({"body": "Write your comment"})
    comment = Comment.objects.create(resource=resource, author=author, body=body.strip())
    audit_log(actor=author, action="comment.add", target=resource, data={"comment": comment.pk})
    return comment


def _tell(recipient, resource, *, purpose, template, context):
    # Only someone who may still see the resource hears about it.
    if recipient is None or not can_view_resource(recipient, resource):
        return None
    return email_queue(
        recipient=recipient,
        purpose=purpose,
        template=template,
        context={
            "resource": resource,
            "resource_url": site_url("knowledge:resource", resource.pk),
            **context,
        },
        preference="resource_notices",
    )


@transaction.atomic
def resource_delete(*, resource, actor):
    """Delete a resource, its versions (their files once this commits), comments, "useful"
    marks and adoptions; stories that named it keep their text. The audit keeps the title."""
    files_to_drop = list(resource.versions.exclude(file="").values_list("file", flat=True))
    audit_log(
        actor=actor,
        action="resource.delete",
        target=resource.community or resource.network,
        data={"resource": resource.pk, "title": resource.title},
    )
    resource.delete()
    for name in files_to_drop:
        files.delete_file_on_commit(default_storage, name)


@transaction.atomic
def resource_take_over(*, resource, actor):
    """A convener (or network manager) becomes the owner of a resource whose owner left:
    it is theirs to edit, and its review reminders go to them alone from now on."""
    resource = (
        Resource.objects.select_for_update(of=("self",)).select_related("owner").get(pk=resource.pk)
    )
    if resource.owner_id is not None and resource.owner.is_active:
        raise KnowledgeError("This resource already has an owner")
    resource.owner = actor
    resource.save(update_fields=["owner", "updated_at"])
    audit_log(actor=actor, action="resource.take_over", target=resource)
    return resource


@transaction.atomic
def resource_hide(*, resource, actor, reason):
    if not reason.strip():
        raise KnowledgeError({"reason": "Give a reason: the author will see it"})
    if resource.is_hidden:
        return resource
    resource.status = Resource.Status.HIDDEN
    resource.hidden_reason = reason.strip()
    resource.hidden_by = actor
    resource.hidden_at = timezone.now()
    resource.save(update_fields=["status", "hidden_reason", "hidden_by", "hidden_at", "updated_at"])
    entry = audit_log(actor=actor, action="resource.hide", target=resource, data={})
    _tell(
        resource.owner,
        resource,
        purpose=f"resource-hidden:{resource.pk}:{entry.pk}",
        template="resource_hidden",
        context={"reason": resource.hidden_reason},
    )
    return resource


@transaction.atomic
def resource_unhide(*, resource, actor):
    if not resource.is_hidden:
        return resource
    resource.status = Resource.Status.PUBLISHED
    resource.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="resource.unhide", target=resource)
    return resource


def comment_hide(*, comment, actor, reason):
    """Hide a comment with a reason: the one moderation path (communities.moderation) tells
    its author as an account notice, resolves reports about it and writes the audit entry."""
    return content_hide(target=comment, actor=actor, reason=reason)


@transaction.atomic
def story_create(*, author, community, resources=(), **fields):
    unknown = set(fields) - set(STORY_FIELDS)
    if unknown:
        raise TypeError(f"Not story fields: {sorted(unknown)}")
    if community.is_archived or active_membership(author, community) is None:
        raise KnowledgeError("Only members of an active community can tell its stories")
    story = Story(community=community, author=author, **fields)
    story.full_clean()
    story.save()
    story.resources.set(list(resources))
    audit_log(actor=author, action="story.create", target=community, data={"story": story.pk})
    return story


# --- a community merged or split ---------------------------------------------------------------


@transaction.atomic
def library_transfer(*, community, to, actor, resource_ids=None):
    """Move the library of `community` to `to`: every resource (a merge) or those of
    `resource_ids` (a split), with their versions, comments and adoptions. Each adoption's
    stored copy of its resource's community (Adoption.resource_community) follows the
    resource. A merge also brings the community's stories, and the adoptions the community
    itself recorded, to `to`. Returns {"resources": n, "stories": n}."""
    resources = Resource.objects.filter(community=community)
    if resource_ids is not None:
        resources = resources.filter(pk__in=resource_ids)
    ids = list(resources.values_list("pk", flat=True))
    Resource.objects.filter(pk__in=ids).update(community=to)
    Adoption.objects.filter(resource__in=ids).update(resource_community=to)
    stories = 0
    if resource_ids is None:
        Adoption.objects.filter(community=community).update(community=to)
        stories = Story.objects.filter(community=community).update(community=to)
    if ids or stories:
        audit_log(
            actor=actor,
            action="library.transfer",
            target=to,
            data={"source": community.slug, "resources": len(ids), "stories": stories},
        )
    return {"resources": len(ids), "stories": stories}


def resource_stewards(resource, *, leaving=None):
    """Who looks after a resource: its owner while their account is open; once it is
    closed (or is being closed: `leaving`), or the resource has no owner, the community's
    conveners, or the network's managers for a network's resource."""
    owner = resource.owner
    if owner is not None and owner.is_active and owner != leaving:
        return [owner]
    if resource.community_id:
        people = [m.user for m in community_leaders(community=resource.community)]
    else:
        people = list(resource.network.managers.all())
    return [p for p in people if p.is_active and p != leaving]


def reviews_due(*, today):
    """Published resources past their review date whose stewards have not been told for it."""
    return Resource.objects.filter(status=Resource.Status.PUBLISHED, review_date__lte=today).filter(
        Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("review_date"))
    )


def review_reminders_send(*, today=None, limit=500):
    """E-mail each owner once per resource and review date. Safe to run twice or late."""
    today = today or timezone.localdate()
    sent = 0
    for pk in list(reviews_due(today=today).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            # skip_locked: a second run at the same moment leaves this row to the first.
            resource = (
                reviews_due(today=today)
                .select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk)
                .first()
            )
            if resource is None:
                continue
            resource = Resource.objects.select_related("owner", "community", "network").get(pk=pk)
            delivery = None
            for steward in resource_stewards(resource):
                delivery = (
                    _tell(
                        steward,
                        resource,
                        # The purpose names the resource and the date: one e-mail per review date.
                        purpose=f"resource-review:{resource.pk}:{resource.review_date.isoformat()}",
                        template="resource_review",
                        context={
                            "edit_url": site_url("knowledge:resource_edit", resource.pk),
                            "owner_left": steward.pk != resource.owner_id,
                        },
                    )
                    or delivery
                )
            Resource.objects.filter(pk=pk).update(review_reminded_for=resource.review_date)
            audit_log(
                actor=None,
                action="resource.review_reminder",
                target=resource,
                data={"review_date": resource.review_date.isoformat(), "queued": bool(delivery)},
            )
            sent += bool(delivery)
    return sent
