"""One definition of "adopted elsewhere" (Adoption.objects.elsewhere): the community page,
the resource page, the programme dashboard and its exports say the same thing."""

import csv
import io

import pytest
from django.urls import reverse

from knowledge.models import Adoption
from tests.conftest import soup
from tests.factories import (
    AdoptionFactory,
    CommunityFactory,
    MembershipFactory,
    NetworkFactory,
    OrganisationFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread():
    network = NetworkFactory()
    home = CommunityFactory(network=network, name="Falls Group")
    other = CommunityFactory(network=network, name="Sepsis Group")
    resource = ResourceFactory(community=home, title="Falls toolkit")
    org = OrganisationFactory
    AdoptionFactory(resource=resource, community=home, organisation=org(name="Home Trust"))
    AdoptionFactory(resource=resource, community=None, organisation=org(name="Solo Trust"))
    AdoptionFactory(resource=resource, community=other, organisation=org(name="North Trust"))
    AdoptionFactory(resource=resource, community=other, organisation=org(name="South Trust"))
    manager = UserFactory()
    network.managers.add(manager)
    return home, resource, manager


def test_the_definition():
    home = CommunityFactory()
    resource = ResourceFactory(community=home)
    AdoptionFactory(resource=resource, community=home)
    beyond = AdoptionFactory(resource=resource, community=CommunityFactory())
    alone = AdoptionFactory(resource=resource, community=None)
    network_wide = AdoptionFactory(
        resource=ResourceFactory(community=None, network=NetworkFactory()), community=home
    )
    assert set(Adoption.objects.elsewhere()) == {beyond, alone, network_wide}


def test_every_page_and_export_says_the_same(client, spread):
    home, resource, manager = spread
    client.force_login(MembershipFactory(community=home).user)
    panel = soup(client.get(reverse("communities:detail", args=[home.slug]))).select(
        ".app-spread li"
    )
    assert len(panel) == 3
    summary = soup(client.get(reverse("knowledge:resource", args=[resource.pk]))).select_one(
        ".app-adoption-summary"
    )
    assert " ".join(summary.get_text().split()) == (
        "Adopted by 4 organisations in 2 communities: 3 adoptions beyond Falls Group."
    )
    client.force_login(manager)
    url = reverse("dashboard:programme")
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(url + "?export=communities").content.decode("utf-8-sig"))
        )
    )
    assert {r["Community"]: r["Adoptions elsewhere"] for r in rows}["Falls Group"] == "3"
    spread_rows = list(
        csv.DictReader(io.StringIO(client.get(url + "?export=spread").content.decode("utf-8-sig")))
    )
    assert sorted(r["Adopted by"] for r in spread_rows) == [
        "North Trust, Sepsis Group",
        "Solo Trust",
        "South Trust, Sepsis Group",
    ]


def test_adoptions_only_at_home_are_none_elsewhere_everywhere(client):
    home = CommunityFactory(name="Falls Group")
    resource = ResourceFactory(community=home)
    AdoptionFactory(resource=resource, community=home)
    client.force_login(MembershipFactory(community=home).user)
    page = soup(client.get(reverse("communities:detail", args=[home.slug])))
    assert not page.select(".app-spread li")
    summary = soup(client.get(reverse("knowledge:resource", args=[resource.pk]))).select_one(
        ".app-adoption-summary"
    )
    assert "none yet beyond Falls Group" in summary.get_text()
