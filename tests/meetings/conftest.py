import pytest

from tests.factories import CommunityFactory, MembershipFactory


@pytest.fixture
def community():
    """A community with its convener (community.lead)."""
    c = CommunityFactory()
    c.lead = MembershipFactory(community=c, role="convener").user
    return c
