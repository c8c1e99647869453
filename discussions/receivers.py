"""What discussions do when something happens in the apps below them (connected in
DiscussionsConfig.ready)."""

from discussions import services
from discussions.models import Discussion


def merge_discussions(sender, community, into, actor, **kwargs):
    """A merged community's conversations go on in the community it merged into, where its
    members now are: left in the archived record, no member could read them any more."""
    return services.discussions_transfer(community=community, to=into, actor=actor)


def split_discussions(sender, community, new, actor, chosen, **kwargs):
    """The discussions the convener chose go to the community split off."""
    discussion_ids = chosen.get("discussions")
    if not discussion_ids:
        return {"discussions": 0}
    return services.discussions_transfer(
        community=community, to=new, actor=actor, discussion_ids=discussion_ids
    )


# What a merge or a split would move, for the screens that say so before it happens.
def discussions_of(community):
    return Discussion.objects.filter(community=community).order_by("-last_activity_at", "pk")
