"""notify(): once per (person, event), the channel of each person for the kind, the e-mail
through the outbox, and one-click unsubscribe switching off that kind only."""

import pytest
from django.core.cache import cache

from accounts.models import EmailDelivery, Notification, NotificationSetting
from accounts.notifications.registry import NotificationKind, register
from accounts.notifications.selectors import channels_for, unread_cache_key, unread_count
from accounts.notifications.services import (
    notification_mark_read,
    notification_settings_update,
    notify,
)
from accounts.outbox.preferences import MissingPreference, preference_of, unsubscribe_token_read
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.eager_tasks]


def tell(people, kind="test_chatty", dedupe="reply:1", actor=None, **extra):
    return notify(
        recipients=people,
        kind=kind,
        dedupe=dedupe,
        group_key="discussion:7",
        group_title="Covert medication",
        text="Ada Example replied to “Covert medication”",
        url="/discussions/7/#reply-1",
        actor=actor,
        **extra,
    )


def test_the_same_event_twice_is_stored_and_mailed_once(
    kinds, mailoutbox, django_capture_on_commit_callbacks
):
    ada, ben = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([ada, ben]) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([ada, ben]) == 0
        assert tell([ada, ben, ada]) == 0
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ada.email, ben.email])
    message = mailoutbox[0]
    assert message.subject == "Ada Example replied to “Covert medication”"
    opened = Notification.objects.get(recipient__email=message.to[0])
    assert f"http://testserver/notifications/{opened.pk}/open/" in message.body


def test_a_row_stored_by_another_call_is_neither_counted_nor_mailed_again(
    kinds, mailoutbox, django_capture_on_commit_callbacks
):
    """What a concurrent call sees once the first has committed: the row is there."""
    ada, ben = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([ada]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([ada, ben]) == 1
    assert [m.to for m in mailoutbox] == [[ada.email], [ben.email]]
    assert EmailDelivery.objects.filter(purpose="notify:reply:1").count() == 2


def test_the_actor_and_inactive_people_are_not_told(kinds, mailoutbox):
    actor, gone, ada = UserFactory(), UserFactory(is_active=False), UserFactory()
    assert tell([actor, gone, ada], actor=actor) == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [ada.pk]
    assert Notification.objects.get().actor == actor


def test_digest_and_off_are_stored_without_an_e_mail(
    kinds, mailoutbox, django_capture_on_commit_callbacks
):
    at_once, in_digest, off, by_default = (UserFactory() for _ in range(4))
    notification_settings_update(
        user=in_digest, actor=in_digest, channels={"test_chatty": "digest"}
    )
    notification_settings_update(user=off, actor=off, channels={"test_chatty": "off"})
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([at_once, in_digest, off, by_default]) == 4
    assert sorted(m.to[0] for m in mailoutbox) == sorted([at_once.email, by_default.email])
    channels = dict(Notification.objects.values_list("recipient", "channel"))
    assert channels == {
        at_once.pk: "immediate",
        in_digest.pk: "digest",
        off.pk: "off",
        by_default.pk: "immediate",
    }


def test_a_kind_whose_default_is_the_digest_sends_nothing_at_once(
    kinds, mailoutbox, django_capture_on_commit_callbacks
):
    ada = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([ada], kind="test_quiet") == 1
    assert mailoutbox == []
    assert Notification.objects.get().channel == "digest"


def test_a_centre_only_kind_is_never_mailed(kinds, mailoutbox, django_capture_on_commit_callbacks):
    ada = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([ada], kind="test_centre") == 1
    assert mailoutbox == [] and not EmailDelivery.objects.exists()


def test_an_unknown_kind_is_refused(kinds):
    with pytest.raises(LookupError):
        tell([UserFactory()], kind="nobody_registered_this")


def test_a_key_too_long_for_the_outbox_or_taken_twice_is_refused(kinds):
    with pytest.raises(ValueError):
        NotificationKind("x" * 26, "Too long", None)
    with pytest.raises(ValueError):
        register(NotificationKind("test_chatty", "Another label", None))
    register(kinds[0])  # the same kind again is harmless


def test_one_click_unsubscribe_switches_off_that_kind_only(
    kinds, client, mailoutbox, django_capture_on_commit_callbacks
):
    ada = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        tell([ada])
    link = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert unsubscribe_token_read(token) == (ada.pk, "notify:test_chatty")
    assert "Something chatty happens" in client.get(link).content.decode()
    for _ in range(2):
        assert client.post(link).status_code == 200
    assert channels_for(users=[ada], kind="test_chatty") == {ada.pk: "off"}
    assert channels_for(users=[ada], kind="test_quiet") == {ada.pk: "digest"}
    ada.refresh_from_db()
    assert ada.meeting_reminders and ada.minutes_emails and ada.digest_frequency == "weekly"
    # Still told in the centre, no longer by e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([ada], dedupe="reply:2") == 1
    assert len(mailoutbox) == 1


def test_an_e_mail_queued_before_unsubscribing_is_not_sent(
    kinds, mailoutbox, django_capture_on_commit_callbacks
):
    ada = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tell([ada])
    notification_settings_update(user=ada, actor=ada, channels={"test_chatty": "off"})
    for callback in callbacks:
        callback()
    assert mailoutbox == []
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.SUPPRESSED


def test_the_preference_of_a_kind_is_known_to_the_outbox(kinds):
    assert preference_of("notify:test_chatty", transactional=False).kind == "test_chatty"
    assert preference_of("digest", transactional=False).field == "digest_frequency"
    with pytest.raises(MissingPreference):
        preference_of("notify:nobody_registered_this", transactional=False)


def test_the_unread_count_is_forgotten_when_told_and_when_read(
    kinds, django_capture_on_commit_callbacks
):
    ada = UserFactory()
    assert unread_count(user=ada) == 0
    with django_capture_on_commit_callbacks(execute=True):
        tell([ada])
        tell([ada], dedupe="reply:2")
    assert cache.get(unread_cache_key(ada.pk)) is None
    assert unread_count(user=ada) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_mark_read(user=ada, group_key="discussion:7") == 2
    assert unread_count(user=ada) == 0


def test_settings_are_saved_per_kind_and_refused_for_unknown_ones(kinds):
    ada = UserFactory()
    notification_settings_update(
        user=ada, actor=ada, channels={"test_chatty": "digest", "test_quiet": "off"}
    )
    notification_settings_update(user=ada, actor=ada, channels={"test_chatty": "immediate"})
    assert dict(NotificationSetting.objects.values_list("kind", "channel")) == {
        "test_chatty": "immediate",
        "test_quiet": "off",
    }
    with pytest.raises(LookupError):
        notification_settings_update(user=ada, actor=ada, channels={"nope": "off"})
    with pytest.raises(ValueError):
        notification_settings_update(user=ada, actor=ada, channels={"test_chatty": "loud"})
