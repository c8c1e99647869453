import pytest

from tests.factories import ConvenedCommunityFactory


@pytest.fixture
def community():
    """A community with its convener (community.lead)."""
    return ConvenedCommunityFactory()
