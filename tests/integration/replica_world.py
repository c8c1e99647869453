"""What the read-replica test needs in its private primary, written by a child process:
a network with one community, "Falls prevention", convened by the network's programme
manager (who therefore sees it on the dashboard and may rename it); and, later, where a
background job's reads go."""

import json

MANAGER = "pm@example.org"
SLUG = "falls-prevention"


def seed():
    from tests.factories import (
        CommunityFactory,
        MembershipFactory,
        NetworkFactory,
        UserFactory,
    )

    network = NetworkFactory(name="Example Network", slug="example-network")
    manager = UserFactory(email=MANAGER, name="Priya Manager")
    network.managers.add(manager)
    community = CommunityFactory(network=network, name="Falls prevention", slug=SLUG)
    MembershipFactory(community=community, user=manager, role="convener")


def where_reads_go():
    """Prints where a page's scope and a background job's (caught up) scope read the
    community from, and the name each read."""
    from communities.models import Community
    from core.replicas import replica_reads

    shown = {}
    for name, scope in (("page", replica_reads()), ("job", replica_reads(caught_up=True))):
        with scope:
            community = Community.objects.get(slug=SLUG)
        shown[name] = [community._state.db, community.name]
    print(json.dumps(shown))
