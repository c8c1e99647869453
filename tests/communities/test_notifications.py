"""Join requests reach the conveners' notification centre, and the answer reaches the
person who asked: as well as the e-mails, never instead of or twice."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from communities import services
from tests.factories import ConvenedCommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked():
    community = ConvenedCommunityFactory(name="Falls", join_policy="approval", members=1)
    person = UserFactory(name="Ada Example")  # the member is not told; the convener is
    membership = services.membership_join(community=community, user=person, note="Please")
    return community, community.lead, person, membership


def test_a_request_tells_the_conveners(asked, mailoutbox):
    community, lead, person, membership = asked
    row = Notification.objects.get(kind="join_request")
    assert row.recipient == lead and row.actor == person
    assert row.text == "Ada Example asks to join Falls"
    assert row.url == reverse("communities:request", args=[community.slug, membership.pk])
    # Asking twice changes nothing and tells no one again.
    services.membership_join(community=community, user=person)
    assert Notification.objects.filter(kind="join_request").count() == 1


@pytest.mark.eager_tasks  # the e-mail is checked as delivered
@pytest.mark.parametrize(("approve", "word"), [(True, "approved"), (False, "declined")])
def test_the_answer_tells_the_person_who_asked(
    asked, approve, word, mailoutbox, django_capture_on_commit_callbacks
):
    community, lead, person, membership = asked
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(membership=membership, actor=lead, approve=approve)
        services.membership_decide(membership=membership, actor=lead, approve=approve)
    row = Notification.objects.get(kind="join_answer")
    assert row.recipient == person and row.actor == lead
    assert row.text == f"Your request to join Falls was {word}"
    assert row.url == reverse("communities:detail", args=[community.slug])
    assert len([m for m in mailoutbox if m.to == [person.email]]) == 1
