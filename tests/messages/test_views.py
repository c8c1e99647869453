"""Private messages as a person uses them: through the pages."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from communities.models import Membership
from core.models import AuditEntry
from messages import services
from messages.models import ContactPreference, Message, Participant
from tests.conftest import soup
from tests.factories import MembershipFactory, UserFactory
from tests.messages.conftest import old_account

pytestmark = pytest.mark.django_db


def _start(person):
    return reverse("member_messages:start", args=[person.pk])


def _conversation(conversation_id):
    return reverse("member_messages:conversation", args=[conversation_id])


def test_a_member_writes_to_another_and_both_read_the_conversation(client, alice, bob):
    client.force_login(alice)
    page = client.get(_start(bob))
    assert page.status_code == 200
    assert soup(page).h1.get_text(strip=True) == "Send a message to Bob Baker"
    response = client.post(_start(bob), {"body": "Can you share your falls leaflet?"})
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _conversation(message.conversation_id) + "#latest"
    # Starting again leads to the same conversation.
    assert client.get(_start(bob))["Location"] == _conversation(message.conversation_id)
    client.force_login(bob)
    inbox = soup(client.get(reverse("member_messages:inbox")))
    assert "Alice Archer" in inbox.find("main").get_text()
    assert "(unread)" in inbox.find("main").get_text()
    page = client.get(_conversation(message.conversation_id))
    assert page.status_code == 200
    assert "Can you share your falls leaflet?" in soup(page).find("main").get_text()
    assert not Participant.objects.get(user=bob).unread
    client.post(_conversation(message.conversation_id), {"body": "Here it is."})
    client.force_login(alice)
    text = soup(client.get(_conversation(message.conversation_id))).find("main").get_text()
    assert text.index("Can you share") < text.index("Here it is.")


def test_an_empty_message_is_refused_next_to_the_field(client, alice, bob):
    client.force_login(alice)
    page = soup(client.post(_start(bob), {"body": ""}))
    assert page.select_one(".nhsuk-error-summary")
    assert "Write your message" in page.select_one(".nhsuk-error-message").get_text()
    assert not Message.objects.exists()


def test_someone_with_no_shared_community_is_not_found(client, alice):
    stranger = MembershipFactory().user
    client.force_login(alice)
    assert client.get(_start(stranger)).status_code == 404
    assert client.post(_start(stranger), {"body": "Hi"}).status_code == 404
    assert client.get(_start(alice)).status_code == 404  # oneself


def test_someone_elses_conversation_is_not_found(client, alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="Private")
    client.force_login(MembershipFactory().user)
    url = _conversation(message.conversation_id)
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Intruding"}).status_code == 404
    assert (
        client.get(reverse("member_messages:report", args=[message.conversation_id])).status_code
        == 404
    )
    # Staff too: a conversation is read by staff only through a report of it.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 404


def test_a_blocked_person_reads_a_neutral_refusal(client, alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="Hello")
    client.force_login(bob)
    confirm = client.get(reverse("member_messages:block", args=[alice.pk]))
    assert confirm.status_code == 200
    blocked = client.post(reverse("member_messages:block", args=[alice.pk]), follow=True)
    assert "You have blocked Alice Archer" in soup(blocked).find("main").get_text()
    client.force_login(alice)
    page = client.get(_conversation(message.conversation_id))
    text = soup(page).find("main").get_text()
    assert "You cannot send messages to this person." in text
    assert "block" not in text.replace("Block Bob Baker", "").lower()
    assert soup(page).find("textarea") is None
    client.post(_conversation(message.conversation_id), {"body": "Why?"})
    assert Message.objects.count() == 1
    # The one who blocked cannot write either.
    client.force_login(bob)
    page = soup(client.get(_conversation(message.conversation_id)))
    assert page.find("textarea") is None


def test_unblocking_from_the_settings(client, alice, bob):
    services.person_block(blocker=bob, blocked=alice)
    client.force_login(bob)
    settings_page = soup(client.get(reverse("member_messages:settings")))
    assert "Alice Archer" in settings_page.find("main").get_text()
    page = soup(client.post(reverse("member_messages:unblock", args=[alice.pk]), follow=True))
    assert "You have unblocked Alice Archer" in page.find("main").get_text()
    assert not page.select("form[action*=unblock]")
    client.force_login(alice)
    assert client.post(_start(bob), {"body": "Hello again"}).status_code == 302


def test_the_met_only_setting_is_chosen_on_the_settings_page(client, alice, bob):
    client.force_login(bob)
    client.post(reverse("member_messages:settings"), {"met_only": "on"})
    assert ContactPreference.objects.get(user=bob).met_only
    client.force_login(alice)
    page = client.get(_start(bob))
    assert "You cannot send messages to this person." in soup(page).find("main").get_text()
    assert soup(page).find("textarea") is None


def test_a_new_account_is_told_of_its_limit(client, community):
    newcomer = MembershipFactory(community=community, user=UserFactory()).user
    others = [MembershipFactory(community=community).user for _ in range(4)]
    client.force_login(newcomer)
    for other in others[:3]:
        assert client.post(_start(other), {"body": "Hello"}).status_code == 302
    page = soup(client.post(_start(others[3]), {"body": "Hello"}))
    assert "up to 3 new people a day" in page.select_one(".nhsuk-error-summary").get_text()
    assert page.find("textarea").get_text().strip() == "Hello"  # nothing typed is lost


def test_sending_is_rate_limited(client, settings, alice, bob):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "message": "2/m"}
    client.force_login(alice)
    assert client.post(_start(bob), {"body": "One"}).status_code == 302
    conversation = _conversation(Message.objects.get().conversation_id)
    assert client.post(conversation, {"body": "Two"}).status_code == 302
    assert client.post(conversation, {"body": "Three"}).status_code == 429
    assert Message.objects.count() == 2


def test_muting_from_the_conversation(client, alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="One")
    client.force_login(bob)
    client.post(reverse("member_messages:mute", args=[message.conversation_id]), {"muted": "1"})
    assert Participant.objects.get(user=bob).muted
    services.message_send(sender=alice, recipient=bob, body="Two")
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_patient_details_are_caught_before_sending(client, alice, bob):
    client.force_login(alice)
    body = "About Mrs Smith, NHS number 943 476 5919"
    page = soup(client.post(_start(bob), {"body": body}))
    assert page.select_one(".nhsuk-error-summary")
    assert not Message.objects.exists()
    client.post(_start(bob), {"body": body, "confirm_not_patient_data": "on"})
    message = Message.objects.get()
    assert AuditEntry.objects.filter(
        action="patient_data.confirmed", target_id=str(message.pk)
    ).exists()


def test_a_report_lets_staff_read_the_conversation_and_each_reading_is_audited(client, alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="Something unkind")
    staff = UserFactory(is_staff=True, name="Sam Staff")
    client.force_login(staff)
    assert "Something unkind" not in client.get(reverse("member_messages:reports")).content.decode()
    client.force_login(bob)
    inbox = soup(client.get(reverse("member_messages:inbox")))
    assert inbox.find("a", string="Reported conversations") is None
    header = inbox.find("header")
    assert header.find("a", string="Messages")["href"] == reverse("member_messages:inbox")
    report_url = reverse("member_messages:report", args=[message.conversation_id])
    assert client.get(report_url).status_code == 200
    assert client.post(report_url, {"reason": "Unkind words"}).status_code == 302
    report = message.conversation.reports.get()
    # Not for members, the reporter included.
    detail = reverse("member_messages:report_detail", args=[report.pk])
    assert client.get(reverse("member_messages:reports")).status_code == 404
    assert client.get(detail).status_code == 404
    client.force_login(staff)
    inbox = soup(client.get(reverse("member_messages:inbox")))
    assert inbox.find("a", string="Reported conversations")["href"] == reverse(
        "member_messages:reports"
    )
    listing = soup(client.get(reverse("member_messages:reports")))
    assert "Bob Baker" in listing.find("main").get_text()
    for _ in range(2):
        page = client.get(detail)
        assert page.status_code == 200
        assert "Something unkind" in soup(page).find("main").get_text()
    reads = AuditEntry.objects.filter(action="messages.report_read", actor=staff)
    assert reads.count() == 2
    assert {entry.target_id for entry in reads} == {str(message.conversation_id)}
    # Still not through the members' page.
    assert client.get(_conversation(message.conversation_id)).status_code == 404
    client.post(reverse("member_messages:report_close", args=[report.pk]))
    report.refresh_from_db()
    assert report.closed_by == staff


def test_send_a_message_is_offered_beside_people_in_the_community(client, community, alice, bob):
    Membership.objects.filter(user=bob).update(offers="Falls leaflets", offers_topics="falls")
    client.force_login(alice)
    start = _start(bob)
    for url in (
        reverse("communities:members", args=[community.slug]),
        reverse("communities:needs_offers", args=[community.slug]),
        reverse("communities:person", args=[bob.pk]),
    ):
        links = [a["href"] for a in soup(client.get(url)).select("a")]
        assert start in links, url
    # Not beside oneself.
    links = [
        a["href"]
        for a in soup(client.get(reverse("communities:person", args=[alice.pk]))).select("a")
    ]
    assert _start(alice) not in links


def test_an_old_account_is_not_shown_a_limit(client, community):
    sender = MembershipFactory(community=community, user=old_account()).user
    client.force_login(sender)
    for _ in range(4):
        other = MembershipFactory(community=community).user
        assert client.post(_start(other), {"body": "Hello"}).status_code == 302
