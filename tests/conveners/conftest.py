from datetime import timedelta

import pytest
from django.utils import timezone

from conveners import services
from tests.factories import NetworkFactory, UserFactory


@pytest.fixture
def programme(db):
    network = NetworkFactory()
    manager = UserFactory(name="Pat Manager")
    network.managers.add(manager)
    today = timezone.localdate()
    programme = services.programme_create(
        actor=manager,
        network=network,
        name="Convener Leadership 2027",
        slug="leaders-2027",
        description="Five modules.",
        cohort_size=2,
        applications_open=today - timedelta(days=5),
        applications_close=today + timedelta(days=20),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=200),
        meeting_commitment=5,
        criteria="Passion for the domain\nSupport of the employer",
    )
    programme.manager = manager
    return programme


def application_data(**overrides):
    data = {
        "proposed_domain": "Safer insulin use in care homes",
        "motivation": "I want to grow a community.",
        "hopes": "Facilitation",
        "region": "london",
        "sponsor_name": "Sam Sponsor",
        "sponsor_role": "Chief pharmacist",
        "sponsor_email": "sponsor@example.nhs.uk",
        "commitment": True,
    }
    data.update(overrides)
    return data
