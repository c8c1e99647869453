"""The rules of private messages, through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import EmailDelivery, Notification
from communities.models import Community, Membership
from core.models import AuditEntry
from messages import permissions, services
from messages.models import Message, Participant
from tests.factories import MeetingFactory, MembershipFactory, RegistrationFactory, UserFactory
from tests.messages.conftest import old_account

pytestmark = pytest.mark.django_db


def test_a_first_message_starts_a_conversation_and_tells_the_recipient(alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="Shall we meet?")
    again = services.message_send(sender=bob, recipient=alice, body="Yes, on Tuesday.")
    assert again.conversation_id == message.conversation_id
    assert Participant.objects.filter(conversation=message.conversation).count() == 2
    notification = Notification.objects.get(recipient=bob)
    assert notification.kind == "message"
    assert notification.dedupe == f"message:{message.pk}"
    assert notification.group_key == f"conversation:{message.conversation_id}"
    # The centre names the sender only; the e-mail carries the message to its recipient.
    assert "Shall we meet" not in notification.text
    email = EmailDelivery.objects.get(recipient=bob)
    assert "Shall we meet?" in email.body_text
    assert "Alice Archer" in email.subject


def test_people_who_share_no_community_cannot_write(alice):
    stranger = old_account()
    MembershipFactory(user=stranger)  # another community
    with pytest.raises(services.MessageRefused):
        services.message_send(sender=alice, recipient=stranger, body="Hello")
    assert not permissions.may_contact(alice, stranger)
    assert stranger not in permissions.people_contactable_by(alice)


def test_an_archived_community_or_a_left_membership_is_no_longer_shared(community, alice, bob):
    assert bob in permissions.people_contactable_by(alice)
    Community.objects.filter(pk=community.pk).update(status=Community.Status.ARCHIVED)
    assert not permissions.may_contact(alice, bob)
    assert bob not in permissions.people_contactable_by(alice)
    Community.objects.filter(pk=community.pk).update(status=Community.Status.ACTIVE)
    Membership.objects.filter(user=bob).update(status=Membership.Status.LEFT)
    assert not permissions.may_contact(alice, bob)
    with pytest.raises(services.MessageRefused):
        services.message_send(sender=alice, recipient=bob, body="Hello")


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_a_block_either_way_stops_both(alice, bob, blocker):
    services.message_send(sender=alice, recipient=bob, body="Hello")
    people = {"alice": alice, "bob": bob}
    services.person_block(
        blocker=people[blocker], blocked=people["bob" if blocker == "alice" else "alice"]
    )
    for sender, recipient in ((alice, bob), (bob, alice)):
        with pytest.raises(services.MessageRefused) as refused:
            services.message_send(sender=sender, recipient=recipient, body="Still there?")
        assert refused.value.message_dict["body"] == ["You cannot send messages to this person."]
    assert Message.objects.count() == 1
    services.person_unblock(blocker=people[blocker], blocked=bob if blocker == "alice" else alice)
    services.message_send(sender=bob, recipient=alice, body="Back again")
    assert AuditEntry.objects.filter(action="messages.block").count() == 1
    assert AuditEntry.objects.filter(action="messages.unblock").count() == 1


def test_met_only_refuses_a_first_message_from_someone_not_met(community, alice, bob):
    services.contact_preference_save(user=bob, met_only=True)
    with pytest.raises(services.MessageRefused):
        services.message_send(sender=alice, recipient=bob, body="Hello")
    meeting = MeetingFactory(community=community, starts_at=timezone.now() - timedelta(days=3))
    RegistrationFactory(meeting=meeting, user=alice, attended=True)
    RegistrationFactory(meeting=meeting, user=bob, attended=False)
    assert not permissions.have_met(alice, bob)  # registered, not both recorded as there
    with pytest.raises(services.MessageRefused):
        services.message_send(sender=alice, recipient=bob, body="Hello")
    meeting.registrations.filter(user=bob).update(attended=True)
    services.message_send(sender=alice, recipient=bob, body="Good to meet you")


def test_met_only_lets_a_conversation_go_on(alice, bob):
    services.message_send(sender=bob, recipient=alice, body="A question")
    services.contact_preference_save(user=bob, met_only=True)
    services.message_send(sender=alice, recipient=bob, body="An answer")
    assert Message.objects.count() == 2


def test_a_new_account_starts_conversations_with_three_new_people_a_day(community):
    newcomer = MembershipFactory(community=community, user=UserFactory()).user
    others = [MembershipFactory(community=community).user for _ in range(4)]
    for other in others[:3]:
        services.message_send(sender=newcomer, recipient=other, body="Hello")
    with pytest.raises(services.MessageRefused) as refused:
        services.message_send(sender=newcomer, recipient=others[3], body="Hello")
    assert "up to 3 new people a day" in refused.value.messages[0]
    # Replies are not new people; nor is a conversation the other person started.
    services.message_send(sender=newcomer, recipient=others[0], body="And another thing")
    services.message_send(sender=others[3], recipient=newcomer, body="Hello, newcomer")
    services.message_send(sender=newcomer, recipient=others[3], body="Hello back")
    # A week on, the limit is over.
    type(newcomer).objects.filter(pk=newcomer.pk).update(
        date_joined=timezone.now() - timedelta(days=8)
    )
    newcomer.refresh_from_db()
    late = MembershipFactory(community=community).user
    services.message_send(sender=newcomer, recipient=late, body="Hello")


def test_an_old_account_is_not_limited(community, alice):
    for _ in range(5):
        other = MembershipFactory(community=community).user
        services.message_send(sender=alice, recipient=other, body="Hello")
    assert Participant.objects.filter(user=alice, started=True).count() == 5


def test_a_muted_conversation_does_not_notify(alice, bob):
    first = services.message_send(sender=alice, recipient=bob, body="One")
    services.conversation_mute(conversation=first.conversation, user=bob, muted=True)
    services.message_send(sender=alice, recipient=bob, body="Two")
    assert Notification.objects.filter(recipient=bob).count() == 1
    assert EmailDelivery.objects.filter(recipient=bob).count() == 1
    assert Participant.objects.get(user=bob).unread  # still shown as new in the inbox
    services.conversation_mute(conversation=first.conversation, user=bob, muted=False)
    services.message_send(sender=alice, recipient=bob, body="Three")
    assert Notification.objects.filter(recipient=bob).count() == 2


def test_reading_marks_the_conversation_and_its_notifications_read(alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="One")
    services.conversation_read(conversation=message.conversation, user=bob)
    assert not Participant.objects.get(user=bob).unread
    assert Notification.objects.get(recipient=bob).read_at is not None


def test_only_a_participant_can_report(alice, bob):
    message = services.message_send(sender=alice, recipient=bob, body="One")
    with pytest.raises(services.ValidationError):
        services.conversation_report(
            conversation=message.conversation, reporter=UserFactory(), reason="Spam"
        )
    report = services.conversation_report(
        conversation=message.conversation, reporter=bob, reason="Unkind"
    )
    assert AuditEntry.objects.filter(action="messages.report").count() == 1
    staff = UserFactory(is_staff=True)
    services.report_close(report=report, actor=staff)
    report.refresh_from_db()
    assert report.closed_by == staff
