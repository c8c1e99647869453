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
    for version in ResourceVersion.objects.filter(resource__owner=user).exclude(file=""):
        version.file.delete(save=False)
    Resource.objects.filter(owner=user).delete()
    Story.objects.filter(author=user).delete()
    Comment.objects.filter(author=user).delete()
