"""The library's forms refuse what could identify a patient until the person confirms it is
not about a real patient (core.patient_data)."""

import pytest
from django.urls import reverse

from communities.models import Membership
from core.models import AuditEntry
from knowledge.models import Comment, Resource, Story
from tests.core.guard import assert_guarded
from tests.factories import CommunityFactory, MembershipFactory, ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    community = CommunityFactory()
    user = MembershipFactory(community=community, role=Membership.Role.MEMBER).user
    client.force_login(user)
    return community, user


RESOURCE = {
    "title": "Falls leaflet",
    "summary": "Preventing falls.",
    "kind": "other",
    "external_url": "https://example.org/falls",
    "visibility": "members",
    "review_date": "2031-01-01",
}


@pytest.mark.parametrize("field", ["summary", "body"])
def test_sharing_a_resource(client, member, field):
    community, user = member
    entry = assert_guarded(
        client,
        reverse("knowledge:resource_create"),
        {**RESOURCE, "destination": f"c:{community.slug}"},
        field=field,
        made=Resource.objects,
    )
    assert entry.actor == user


def test_editing_a_resource(client, member):
    community, user = member
    resource = ResourceFactory(community=community, owner=user)
    url = reverse("knowledge:resource_edit", args=[resource.pk])
    data = {**RESOURCE, "title": resource.title}
    updates = AuditEntry.objects.filter(action="resource.update")
    entry = assert_guarded(
        client, url, data, field="body", count=updates.count, clean="Edited, no one named."
    )
    assert entry.target == resource
    resource.refresh_from_db()
    assert resource.body == "Edited, no one named."


def test_commenting(client, member):
    community, user = member
    resource = ResourceFactory(community=community, owner=user)
    url = reverse("knowledge:comment_create", args=[resource.pk])
    assert_guarded(client, url, {}, field="body", made=Comment.objects)


def test_the_comment_box_on_the_resource_page_has_no_confirmation(client, member):
    community, user = member
    resource = ResourceFactory(community=community, owner=user)
    page = client.get(resource.get_absolute_url())
    assert page.status_code == 200
    assert b"confirm_not_patient_data" not in page.content


@pytest.mark.parametrize("field", ["what_happened", "difference_made"])
def test_telling_a_story(client, member, field):
    community, _ = member
    data = {
        "title": "Fewer falls",
        "what_happened": "We shared the leaflet.",
        "visibility": "members",
    }
    assert_guarded(
        client,
        reverse("knowledge:story_create", args=[community.slug]),
        data,
        field=field,
        made=Story.objects,
    )
