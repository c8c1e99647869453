"""An archived community is read-only everywhere: one check in the services refuses every
write, the pages say why, and its future meetings are cancelled with the people told."""

from datetime import timedelta

import pytest
from django.urls import reverse

from communities import services
from communities.models import Membership
from meetings import services as meeting_services
from meetings.models import Meeting, Registration
from tests.conftest import soup
from tests.factories import ConvenedCommunityFactory, ResourceFactory, meeting_scheduled

pytestmark = pytest.mark.django_db

READ_ONLY = "is archived: its record stays, but it takes nothing new."


@pytest.fixture
def archived(django_capture_on_commit_callbacks, mailoutbox):
    community = ConvenedCommunityFactory(name="Falls Group", members=1)
    lead, member = community.lead, community.members[0]
    meeting = meeting_scheduled(
        community=community,
        actor=lead,
        starts_in=timedelta(days=7),
        announce=False,
    )
    meeting_services.registration_create(meeting=meeting, user=member)
    resource = ResourceFactory(community=community)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.community_archive(community=community, actor=lead, note="Our work continues.")
    return community, member, meeting, resource


@pytest.mark.eager_tasks
def test_archiving_cancels_future_meetings_and_tells_who_registered(archived, mailoutbox):
    community, member, meeting, _ = archived
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED and meeting.sequence == 1
    assert "has been archived" in meeting.cancel_reason
    cancelled = [m.to for m in mailoutbox if m.subject.startswith("Cancelled:")]
    assert cancelled == [[member.email]]


@pytest.mark.eager_tasks
def test_archiving_tells_every_member_once(archived, mailoutbox):
    community, member, _, _ = archived
    told = sorted(m.to[0] for m in mailoutbox if m.subject.endswith("has been archived"))
    assert told == sorted([community.lead.email, member.email])
    assert "Our work continues." in mailoutbox[-1].body


def test_nothing_can_be_posted_into_an_archived_community(client, archived):
    community, member, meeting, resource = archived
    client.force_login(member)
    response = client.post(
        reverse("communities:needs_offers_mine", args=[community.slug]),
        {"needs": "Help", "needs_topics": "falls", "offers": "", "offers_topics": ""},
    )
    assert response.status_code == 200 and READ_ONLY in soup(response).get_text()
    assert Membership.objects.get(community=community, user=member).needs == ""

    response = client.post(
        reverse("knowledge:comment_create", args=[resource.pk]),
        {"body": "Still useful"},
        follow=True,
    )
    assert READ_ONLY in soup(response).get_text()
    assert not resource.comments.exists()

    # A meeting of the archived community that was not cancelled (say, staff reopened it).
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.SCHEDULED)
    Registration.objects.filter(meeting=meeting).delete()
    response = client.post(reverse("meetings:register", args=[meeting.pk]), follow=True)
    assert READ_ONLY in soup(response).get_text()
    assert not Registration.objects.filter(meeting=meeting).exists()


def test_the_check_is_in_the_services(archived):
    community, member, meeting, resource = archived
    membership = Membership.objects.get(community=community, user=member)
    with pytest.raises(services.CommunityArchived):
        services.needs_offers_update(
            membership=membership, needs="x", needs_topics="", offers="", offers_topics=""
        )
