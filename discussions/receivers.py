"""What discussions do when something happens in the apps below them (connected in
DiscussionsConfig.ready)."""

from discussions import services


def merge_discussions(sender, community, into, actor, **kwargs):
    """A merged community's conversations go on in the community it merged into, where its
    members now are: left in the archived record, no member could read them any more."""
    return services.discussions_transfer(community=community, to=into, actor=actor)
