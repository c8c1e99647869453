"""What the knowledge app does when something happens in the apps below it (connected in
KnowledgeConfig.ready)."""

from knowledge import services
from knowledge.models import Resource


def merge_library(sender, community, into, actor, **kwargs):
    """A merged community's library (resources, their adoptions, its stories) goes on in
    `into`."""
    return services.library_transfer(community=community, to=into, actor=actor)


def split_library(sender, community, new, actor, chosen, **kwargs):
    """The resources the convener chose go to the community split off."""
    resource_ids = chosen.get("resources")
    if not resource_ids:
        return {"resources": 0}
    moved = services.library_transfer(
        community=community, to=new, actor=actor, resource_ids=resource_ids
    )
    return {"resources": moved["resources"]}


# What a merge or a split would move, for the screens that say so before it happens.
def resources_of(community):
    return Resource.objects.filter(community=community).order_by("title", "pk")
