"""The heavy reads people make come from a replica: the programme dashboard's figures and its
downloads, the library and discussion searches, the digest's updates; and a person who has
just written reads them from the primary for a while. The test database has no replica:
`Spy` is the router with one, which records where each read would go, then reads from the
primary. tests/integration/test_read_replicas.py does the same against a real replica."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.replicas import PRIMARY, ReplicaRouter, unit_of_work
from dashboard.digest import digest_send
from knowledge.services import search_vector_update
from tests.conftest import as_the_browser_sends_it, soup
from tests.discussions.conftest import place_of, start
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    NetworkFactory,
    ResourceFactory,
    UserFactory,
)

REPLICA = "replica_spy"


class Spy(ReplicaRouter):
    """The router with one replica that always answers and is always caught up."""

    def __init__(self):
        self.reads = []

    def replicas(self):
        return [REPLICA]

    def _connect(self, alias):
        pass

    def _primary_position(self):
        return "0/3000148"

    def _replayed(self, alias, position):
        return True

    def db_for_read(self, model, **hints):
        self.reads.append((model._meta.label, super().db_for_read(model, **hints)))
        return PRIMARY

    def from_replica(self):
        return {label for label, alias in self.reads if alias == REPLICA}

    def from_primary(self):
        return {label for label, alias in self.reads if alias == PRIMARY}


@pytest.fixture(autouse=True)
def spy(settings):
    router = Spy()
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = [router]
    settings.FIGURES_CACHE_SECONDS = 0  # every view of the dashboard reads its figures
    with unit_of_work():
        yield router


@pytest.fixture
def manager(db):
    """The manager of a network of one community, "Falls prevention", which they convene."""
    network = NetworkFactory()
    person = UserFactory()
    network.managers.add(person)
    community = CommunityFactory(network=network, name="Falls prevention")
    MembershipFactory(community=community, user=person, role="convener")
    person.community = community
    return person


def open_dashboard(client, spy):
    spy.reads.clear()
    response = client.get(reverse("dashboard:programme"))
    assert response.status_code == 200
    names = [
        a.get_text()
        for a in soup(response).select(".app-dashboard-table__name a:not(.app-report-link)")
    ]
    assert names == ["Falls prevention"]


def test_the_dashboard_reads_its_figures_from_a_replica_and_the_person_from_the_primary(
    client, manager, spy
):
    client.force_login(manager)
    open_dashboard(client, spy)
    assert {"communities.Community", "communities.Membership"} <= spy.from_replica()
    assert "accounts.User" in spy.from_primary()  # who is asking: not a figure


def test_the_dashboard_downloads_read_from_a_replica(client, manager, spy):
    client.force_login(manager)
    response = client.get(reverse("dashboard:export_communities"), {"format": "xlsx"})
    assert response.status_code == 200
    assert "communities.Community" in spy.from_replica()


def test_a_manager_who_just_saved_a_form_reads_the_dashboard_from_the_primary_for_a_while(
    client, manager, spy, settings
):
    settings.REPLICA_LAG_SECONDS = 10
    client.force_login(manager)
    url = reverse("accounts:preferences")
    form = soup(client.get(url)).select_one("form:has([name=digest_frequency])")
    response = client.post(url, as_the_browser_sends_it(form) | {"digest_frequency": "daily"})
    assert response.status_code == 302
    assert "recent_write" in response.cookies

    open_dashboard(client, spy)
    assert "communities.Community" in spy.from_primary()
    assert spy.from_replica() == set()
    with time_machine.travel(time.time() + 11):
        open_dashboard(client, spy)
    assert "communities.Community" in spy.from_replica()


def test_the_library_search_reads_from_a_replica(client, spy, db):
    resource = ResourceFactory(community=CommunityFactory(), title="Hydration toolkit")
    search_vector_update(resource_ids=[resource.pk])
    client.force_login(UserFactory())
    response = client.get(reverse("knowledge:search"), {"q": "hydration"})
    assert response.status_code == 200
    assert "Hydration toolkit" in soup(response).get_text()
    assert "knowledge.Resource" in spy.from_replica()


def test_the_discussion_search_reads_from_a_replica(client, spy, db):
    place = place_of()
    start(place, title="Covert medication in care homes")
    client.force_login(place.member)
    response = client.get(reverse("discussions:search"), {"q": "covert"})
    assert response.status_code == 200
    assert "Covert medication in care homes" in soup(response).get_text()
    assert "discussions.Discussion" in spy.from_replica()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_digest_reads_updates_from_a_caught_up_replica_and_its_records_from_the_primary(
    spy, mailoutbox
):
    community = CommunityFactory(name="Falls prevention")
    reader = UserFactory(digest_frequency="weekly")
    MembershipFactory(community=community, user=reader)
    soon = timezone.now() + timedelta(days=3)
    MeetingFactory(community=community, title="Falls huddle", starts_at=soon)
    spy.reads.clear()
    assert digest_send(frequency="weekly") == 1
    assert "Falls huddle" in mailoutbox[0].body
    assert "meetings.Meeting" in spy.from_replica()
    # Who already had this period's digest: on the primary, where the outbox writes.
    assert "accounts.EmailDelivery" in spy.from_primary() - spy.from_replica()
