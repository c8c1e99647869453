from pathlib import PurePosixPath

from accounts.personal_data import Export, Part
from core.uploads import delete_file_on_commit
from knowledge.models import Comment, Resource, ResourceVersion, Story


def _resources(user):
    resources = (
        Resource.objects.filter(owner=user)
        .select_related("community", "network")
        .prefetch_related("topics")
        .order_by("created_at")
    )
    return [
        {
            "title": r.title,
            "summary": r.summary,
            "body": r.body,
            "kind": r.kind,
            "link": r.external_url,
            "community": r.community.name if r.community else "",
            "network": r.network.name if r.network else "",
            "topics": sorted(tag.name for tag in r.topics.all()),
            "licence": r.licence,
            "visibility": r.visibility,
            "status": r.status,
            "review_date": r.review_date,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }
        for r in resources
    ]


export = Export(
    Part(
        "resources",
        "Resources you own: text, community, topics, licence, who may see it, review date.",
        "knowledge.Resource",
        "owner",
        rows=_resources,
    ),
    Part(
        "file_versions",
        "Each file you uploaded (the files themselves are under files/knowledge/).",
        "knowledge.ResourceVersion",
        "uploaded_by",
        (
            "resource__title",
            "number",
            "original_name",
            "content_type",
            "size",
            "change_note",
            "created_at",
        ),
    ),
    Part(
        "stories",
        "Stories you wrote, every step of the value cycle, who may see them, and whether a "
        "convener hid one (and why).",
        "knowledge.Story",
        "author",
        (
            "title",
            "community__name",
            *Story.CYCLE_FIELDS,
            "visibility",
            "is_hidden",
            "hidden_reason",
            "created_at",
        ),
    ),
    Part(
        "comments",
        "Comments you wrote on resources, and whether a convener hid one (and why).",
        "knowledge.Comment",
        "author",
        ("resource__title", "body", "is_hidden", "hidden_reason", "created_at"),
    ),
    Part(
        "useful_marks",
        'Resources you marked "useful".',
        "knowledge.UsefulMark",
        "user",
        ("resource__title", "created_at"),
    ),
    Part(
        "adoptions_you_recorded",
        "Adoptions of a resource you recorded, with your note.",
        "knowledge.Adoption",
        "adopted_by",
        ("resource__title", "organisation__name", "community__name", "note", "created_at"),
    ),
    Part(
        "resources_you_hid",
        "As a convener: resources you hid, with the reason you gave.",
        "knowledge.Resource",
        "hidden_by",
        ("title", "hidden_reason", "hidden_at"),
    ),
    Part(
        "stories_you_hid",
        "As a convener: stories you hid, with the reason you gave.",
        "knowledge.Story",
        "hidden_by",
        ("title", "community__name", "hidden_reason", "hidden_at"),
    ),
    Part(
        "comments_you_hid",
        "As a convener: comments you hid, with the reason you gave.",
        "knowledge.Comment",
        "hidden_by",
        ("resource__title", "hidden_reason", "created_at"),
    ),
)


def files(user):
    """Every version of every file you uploaded, named resource-version-original name."""
    return [
        (f"{v.resource_id}-v{v.number}-{v.original_name}", v.file.name)
        for v in ResourceVersion.objects.filter(uploaded_by=user).exclude(file="")
    ]


def _ask_stewards(user):
    """Resources kept after their owner leaves are looked after by the community's
    conveners (or the network's managers): each is asked to take it over or retire it,
    and its review reminders go to them from now on (knowledge.services.resource_stewards)."""
    from django.conf import settings
    from django.urls import reverse

    from accounts.outbox.delivery import email_queue
    from core.services import audit_log
    from knowledge.services import resource_stewards

    resources = Resource.objects.filter(
        owner=user, status=Resource.Status.PUBLISHED
    ).select_related("owner", "community", "network")
    for resource in resources:
        stewards = resource_stewards(resource, leaving=user)
        for steward in stewards:
            email_queue(
                recipient=steward,
                purpose=f"resource-owner-left:{resource.pk}",
                template="resource_owner_left",
                context={
                    "resource": resource,
                    "resource_url": settings.SITE_URL + resource.get_absolute_url(),
                    "edit_url": settings.SITE_URL
                    + reverse("knowledge:resource_edit", args=[resource.pk]),
                    "take_over_url": settings.SITE_URL
                    + reverse("knowledge:resource_take_over", args=[resource.pk]),
                },
                preference="resource_notices",
            )
        audit_log(
            actor=None,
            action="resource.owner_left",
            target=resource,
            data={"stewards_told": len(stewards)},
        )


def erase(user, *, remove_contributions):
    if not remove_contributions:
        # They stay, attributed to "Former member"; the files they uploaded are no longer
        # served under the name the person gave them (it often carries theirs).
        for version in ResourceVersion.objects.filter(uploaded_by=user).only(
            "resource_id", "number", "original_name"
        ):
            suffix = PurePosixPath(version.original_name).suffix.lower()[:16]
            version.original_name = f"resource-{version.resource_id}-v{version.number}{suffix}"
            version.save(update_fields=["original_name"])
        _ask_stewards(user)
        return
    # The bytes go once the erasure commits: if it rolls back, the rows still name them.
    for version in ResourceVersion.objects.filter(resource__owner=user).exclude(file=""):
        delete_file_on_commit(version.file.storage, version.file.name)
    Resource.objects.filter(owner=user).delete()
    Story.objects.filter(author=user).delete()
    Comment.objects.filter(author=user).delete()
