"""An owner is told what their file really is, and can delete their own resource."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from core.models import AuditEntry
from knowledge.models import Adoption, Resource
from tests.conftest import soup
from tests.factories import AdoptionFactory, MembershipFactory
from tests.knowledge.helpers import ALLOWED
from tests.knowledge.test_files import member_client, post_form  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_file_that_is_not_what_its_name_says_is_explained(member_client):  # noqa: F811
    client, community = member_client
    response = post_form(client, community, "fake.pdf", ALLOWED["readme.txt"])
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        "“fake.pdf” is a plain-text file, whatever its name says, so it is kept as fake.txt."
        in page
    )
    honest = post_form(client, community, "leaflet.pdf", ALLOWED["leaflet.pdf"])
    assert "whatever its name says" not in client.get(honest["Location"]).content.decode()


def test_the_owner_deletes_their_resource_after_confirming(
    member_client,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client, community = member_client
    post_form(client, community, "leaflet.pdf", ALLOWED["leaflet.pdf"])
    resource = Resource.objects.get()
    stored = resource.versions.get().file.name
    AdoptionFactory(resource=resource)
    page = soup(client.get(reverse("knowledge:resource", args=[resource.pk])))
    url = reverse("knowledge:resource_delete", args=[resource.pk])
    assert page.select_one(f'a[href="{url}"]')
    confirm = soup(client.get(url))
    text = " ".join(confirm.get_text(" ").split())
    assert "This cannot be undone" in text and "1 version, 1 adoption" in text
    assert Resource.objects.exists()  # asking is not deleting

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:community_library", args=[community.slug])
    assert not Resource.objects.exists() and not Adoption.objects.exists()
    assert not default_storage.exists(stored)
    entry = AuditEntry.objects.get(action="resource.delete")
    assert entry.data["title"] == "Falls leaflet"


def test_another_member_cannot_delete_it(member_client):  # noqa: F811
    client, community = member_client
    post_form(client, community, "leaflet.pdf", ALLOWED["leaflet.pdf"])
    resource = Resource.objects.get()
    client.force_login(MembershipFactory(community=community).user)
    url = reverse("knowledge:resource_delete", args=[resource.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Resource.objects.exists()
