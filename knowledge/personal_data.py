from cop_platform.uploads import delete_file_on_commit
from knowledge.models import Adoption, Comment, Resource, ResourceVersion, Story


def export(user):
    return {
        "resources": list(
            Resource.objects.filter(owner=user).values(
                "title", "summary", "body", "kind", "created_at"
            )
        ),
        "stories": list(
            Story.objects.filter(author=user).values(
                "title",
                "what_happened",
                "new_knowledge",
                "how_applied",
                "difference_made",
                "created_at",
            )
        ),
        "comments": list(
            Comment.objects.filter(author=user).values("resource__title", "body", "created_at")
        ),
        "adoptions_you_recorded": list(
            Adoption.objects.filter(adopted_by=user).values("resource__title", "note", "created_at")
        ),
    }


def files(user):
    return [
        (f"{v.resource_id}-v{v.number}-{v.original_name}", v.file.name)
        for v in ResourceVersion.objects.filter(uploaded_by=user).exclude(file="")
    ]


def erase(user, *, remove_contributions):
    if not remove_contributions:
        return  # they stay, attributed to "Former member"
    # The bytes go once the erasure commits: if it rolls back, the rows still name them.
    for version in ResourceVersion.objects.filter(resource__owner=user).exclude(file=""):
        delete_file_on_commit(version.file.storage, version.file.name)
    Resource.objects.filter(owner=user).delete()
    Story.objects.filter(author=user).delete()
    Comment.objects.filter(author=user).delete()
