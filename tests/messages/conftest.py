from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CommunityFactory, MembershipFactory, UserFactory


def old_account(**fields):
    """A person whose account is older than the new-account limit."""
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **fields)


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def alice(community):
    return MembershipFactory(community=community, user=old_account(name="Alice Archer")).user


@pytest.fixture
def bob(community):
    return MembershipFactory(community=community, user=old_account(name="Bob Baker")).user
