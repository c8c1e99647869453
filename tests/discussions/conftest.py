from dataclasses import dataclass

import pytest

from communities.models import Community, Membership
from discussions import services
from discussions.models import Discussion
from tests.factories import CommunityFactory, MembershipFactory, UserFactory


@dataclass
class Place:
    community: Community
    author: object  # a member who starts discussions
    member: object  # another member
    convener: object
    outsider: object  # signed in, not a member
    staff: object


def place_of(visibility="listed"):
    community = CommunityFactory(visibility=visibility, name=f"Medicines safety {visibility}")
    author = MembershipFactory(community=community, user=UserFactory(name="Ada Example")).user
    member = MembershipFactory(community=community, user=UserFactory(name="Ben Sample")).user
    convener = MembershipFactory(
        community=community, role=Membership.Role.CONVENER, user=UserFactory(name="Cleo Lead")
    ).user
    return Place(
        community=community,
        author=author,
        member=member,
        convener=convener,
        outsider=UserFactory(name="Dan Outside"),
        staff=UserFactory(name="Eve Staff", is_staff=True),
    )


def start(place, **kwargs):
    """A question started in `place` by its author, through the service; kwargs override."""
    fields = {
        "community": place.community,
        "author": place.author,
        "kind": Discussion.Kind.QUESTION,
        "title": "Covert medication in care homes",
        "body": "How do you review it?",
    } | kwargs
    return services.discussion_start(**fields)


@pytest.fixture
def place(db):
    return place_of()
