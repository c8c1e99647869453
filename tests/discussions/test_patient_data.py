"""What members write in discussions is checked for patient-identifiable data
(core.patient_data) before it is saved."""

import pytest
from django.urls import reverse

from discussions.models import Discussion, Reply, Revision
from tests.core.guard import assert_guarded
from tests.factories import DiscussionFactory, ReplyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["title", "body"])
def test_starting_a_discussion(client, place, field):
    client.force_login(place.author)
    entry = assert_guarded(
        client,
        reverse("discussions:create", args=[place.community.slug]),
        {"kind": "question", "title": "A question", "body": "The text."},
        field=field,
        made=Discussion.objects,
        clean="Nothing identifying",
    )
    assert entry.actor == place.author


def test_replying(client, place):
    discussion = DiscussionFactory(community=place.community, author=place.author)
    client.force_login(place.member)
    url = reverse("discussions:reply", args=[discussion.pk])
    assert_guarded(client, url, {}, field="body", made=Reply.objects)


def test_editing_a_reply(client, place):
    discussion = DiscussionFactory(community=place.community, author=place.author)
    reply = ReplyFactory(discussion=discussion, author=place.member)
    client.force_login(place.member)
    assert_guarded(
        client,
        reverse("discussions:reply_edit", args=[discussion.pk, reply.pk]),
        {},
        field="body",
        count=Revision.objects.count,
    )
