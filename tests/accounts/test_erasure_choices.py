"""Keep or remove: the choice staff make on a postal request, as the person does on their
own closing page; and who looks after the resources a closed account leaves behind."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery, User
from accounts.personal_data import account_erase
from core.models import AuditEntry
from knowledge.models import Resource
from knowledge.services import review_reminders_send
from tests.conftest import soup
from tests.factories import CommunityFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_user_changelist"


def _erase(client, person, **fields):
    return client.post(
        reverse(CHANGELIST),
        {"action": "erase_accounts", "_selected_action": [person.pk], **fields},
    )


def test_staff_choose_keep_or_remove_and_the_choice_is_recorded(client):
    person = UserFactory()
    ResourceFactory(owner=person, title="Leaflet to go")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = soup(_erase(client, person))
    assert page.find("h1").get_text() == "Close these accounts?"
    assert {i["value"] for i in page.select("input[name=contributions]")} == {"keep", "remove"}

    page = soup(_erase(client, person, confirmed="yes"))
    assert "Choose whether to keep or remove" in page.find(id="id_contributions_error").get_text()
    assert User.objects.get(pk=person.pk).is_active

    _erase(client, person, confirmed="yes", contributions="remove")
    assert not User.objects.get(pk=person.pk).is_active
    assert not Resource.objects.filter(title="Leaflet to go").exists()
    entry = AuditEntry.objects.get(action="account.erase")
    assert entry.data == {"by": "staff", "contributions": "removed", "audit_hold": False}


def a_resource_its_owner_left(community):
    """(person, resource, its review date): a member of the community owned the resource,
    due for review in 30 days, and closed their account keeping their contributions."""
    person = UserFactory()
    MembershipFactory(community=community, user=person)
    due = timezone.localdate() + timedelta(days=30)
    resource = ResourceFactory(community=community, owner=person, review_date=due)
    account_erase(user=person, actor=person, remove_contributions=False)
    return person, resource, due


def test_a_kept_resource_passes_to_the_conveners(django_capture_on_commit_callbacks):
    community = CommunityFactory()
    convener = UserFactory(email="convener@example.org")
    MembershipFactory(community=community, user=convener, role="convener")
    person, resource, due = a_resource_its_owner_left(community)

    (asked,) = EmailDelivery.objects.filter(purpose=f"resource-owner-left:{resource.pk}")
    assert asked.recipient == convener and resource.title in asked.body_text
    resource.refresh_from_db()
    assert resource.owner == person  # still attributed, to "Former member"

    # When the review date comes, the reminder goes to the convener, once.
    for _run in range(2):
        review_reminders_send(today=due)
    reminders = EmailDelivery.objects.filter(purpose__startswith=f"resource-review:{resource.pk}:")
    assert [r.recipient for r in reminders] == [convener]
    assert "its owner has closed their account" in reminders.get().body_text


def test_a_convener_takes_over_a_resource_its_owner_left(client):
    community = CommunityFactory()
    convener = UserFactory(email="convener@example.org")
    MembershipFactory(community=community, user=convener, role="convener")
    co_convener = UserFactory(email="co-convener@example.org")
    MembershipFactory(community=community, user=co_convener, role="co-convener")
    _, resource, due = a_resource_its_owner_left(community)
    url = reverse("knowledge:resource_take_over", args=[resource.pk])
    asked = EmailDelivery.objects.get(
        purpose=f"resource-owner-left:{resource.pk}", recipient=convener
    )
    assert url in asked.body_text and url in asked.body_html

    client.force_login(convener)
    page = soup(client.get(resource.get_absolute_url()))
    assert page.find("a", href=url).get_text() == "Take over the resource"
    confirm = soup(client.get(url))
    assert "review reminders" in confirm.get_text()
    response = client.post(url)
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.owner == convener
    assert AuditEntry.objects.filter(actor=convener, action="resource.take_over").count() == 1

    # Now it has an owner again: nobody else takes it, and its reminders go to its owner alone.
    assert not soup(client.get(resource.get_absolute_url())).find("a", href=url)
    client.force_login(co_convener)
    assert client.get(url).status_code == 404
    review_reminders_send(today=due)
    reminders = EmailDelivery.objects.filter(purpose__startswith=f"resource-review:{resource.pk}:")
    assert [r.recipient for r in reminders] == [convener]


def test_a_member_cannot_take_over_a_resource_its_owner_left(client):
    community = CommunityFactory()
    member = UserFactory()
    MembershipFactory(community=community, user=member)
    resource = ResourceFactory(community=community, owner=None)
    client.force_login(member)
    assert (
        client.get(reverse("knowledge:resource_take_over", args=[resource.pk])).status_code == 404
    )
    assert not soup(client.get(resource.get_absolute_url())).find(string="Take over the resource")
