import pytest

from tests.factories import NetworkFactory, UserFactory


@pytest.fixture
def network(db):
    """A network with one manager, who sees its programme dashboard."""
    n = NetworkFactory()
    n.manager = UserFactory()
    n.managers.add(n.manager)
    return n
