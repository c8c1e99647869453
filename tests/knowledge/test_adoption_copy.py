"""AdoptionQuerySet.resource_community_copy: the queryset twin of Adoption.save() for rows
written around save() (the scale data's bulk load)."""

import pytest

from knowledge.models import Adoption
from tests.factories import AdoptionFactory, NetworkFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def test_the_copy_is_set_from_each_resource_as_save_sets_it():
    community_resource = AdoptionFactory()
    network_resource = AdoptionFactory(
        resource=ResourceFactory(community=None, network=NetworkFactory())
    )
    other = AdoptionFactory()
    wrong = other.resource.community
    # As a bulk write leaves them: no copy, or a wrong one.
    Adoption.objects.filter(pk=community_resource.pk).update(resource_community=None)
    Adoption.objects.filter(pk=network_resource.pk).update(resource_community=wrong)

    updated = Adoption.objects.exclude(pk=other.pk).resource_community_copy()

    assert updated == 2
    copies = dict(Adoption.objects.values_list("pk", "resource_community_id"))
    assert copies == {
        community_resource.pk: community_resource.resource.community_id,
        network_resource.pk: None,
        other.pk: other.resource.community_id,
    }
