"""The digest channel: notifications a person chose to hear about in the digest are listed
in their next digest, once, and then marked as had."""

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications.registry import KINDS, NotificationKind
from accounts.notifications.services import notification_settings_update, notify
from dashboard.digest import NOTIFICATIONS_SHOWN, digest_send
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = NotificationKind("test_digested", "Someone replies to you", "notification")


@pytest.fixture(autouse=True)
def kind():
    KINDS[KIND.key] = KIND
    yield KIND
    KINDS.pop(KIND.key)


@pytest.fixture
def member():
    person = UserFactory(digest_frequency="weekly")
    MembershipFactory(community=CommunityFactory(name="Falls"), user=person)
    return person


def tell(person, n):
    notify(
        recipients=[person],
        kind=KIND.key,
        dedupe=f"reply:{n}",
        group_key="discussion:7",
        group_title="Covert medication",
        text=f"Reply {n} to “Covert medication”",
        url="/discussions/7/",
    )


def test_waiting_notifications_are_in_the_next_digest_once(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    notification_settings_update(user=member, actor=member, channels={KIND.key: "digest"})
    with django_capture_on_commit_callbacks(execute=True):
        tell(member, 1)
        tell(member, 2)
    assert mailoutbox == []  # nothing at once
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(frequency="weekly") == 1
    message = mailoutbox[0]
    assert message.subject == "2 notifications"
    html = message.alternatives[0][0]
    for n in (1, 2):
        opened = Notification.objects.get(dedupe=f"reply:{n}")
        assert f"Reply {n} to “Covert medication”" in message.body
        assert f"http://testserver/notifications/{opened.pk}/open/" in message.body
        assert f"http://testserver/notifications/{opened.pk}/open/" in html
    assert not Notification.objects.filter(digested_at__isnull=True).exists()
    # Had: the next digest does not list them again (nor is sent for nothing).
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(frequency="weekly", now=timezone.now() + timezone.timedelta(days=7)) == 0


def test_read_ones_immediate_ones_and_other_peoples_are_not_listed(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    other = UserFactory(digest_frequency="weekly")
    MembershipFactory(community=CommunityFactory(), user=other)
    notification_settings_update(user=other, actor=other, channels={KIND.key: "digest"})
    with django_capture_on_commit_callbacks(execute=True):
        tell(member, 1)  # immediate: e-mailed at once
        tell(other, 2)
    Notification.objects.filter(recipient=other).update(read_at=timezone.now())
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send(frequency="weekly") == 0
    assert mailoutbox == []


def test_only_the_first_few_are_named_and_the_rest_counted(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    notification_settings_update(user=member, actor=member, channels={KIND.key: "digest"})
    for n in range(NOTIFICATIONS_SHOWN + 3):
        tell(member, n)
    with django_capture_on_commit_callbacks(execute=True):
        digest_send(frequency="weekly")
    body = mailoutbox[0].body
    assert body.count("/open/") == NOTIFICATIONS_SHOWN
    assert "and 3 more: http://testserver/notifications/" in body
    assert not Notification.objects.filter(digested_at__isnull=True).exists()
