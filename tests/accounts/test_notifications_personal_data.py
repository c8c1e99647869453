"""One's notifications are in one's data download; closing the account erases them, and
other people's notifications of what one did call one a former member."""

import io
import json
import zipfile

import pytest

from accounts.models import Notification, NotificationSetting
from accounts.notifications.services import notification_settings_update, notify
from accounts.personal_data import account_erase, export_archive
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tell(recipients, actor, dedupe):
    notify(
        recipients=recipients,
        kind="test_centre",
        dedupe=dedupe,
        group_key="discussion:7",
        group_title="Covert medication",
        text=f"{actor.name} replied to “Covert medication”",
        url="/discussions/7/",
        actor=actor,
    )


def test_the_download_holds_ones_notifications_and_settings(kinds):
    nia, ola = UserFactory(name="Nia Example"), UserFactory(name="Ola Example")
    tell([nia], ola, "reply:1")
    tell([ola], nia, "reply:2")
    notification_settings_update(user=nia, actor=nia, channels={"test_chatty": "digest"})
    archive = zipfile.ZipFile(io.BytesIO(export_archive(nia)))
    data = json.loads(archive.read("data.json"))
    account = data["account"]
    assert [n["text"] for n in account["notifications"]] == [
        "Ola Example replied to “Covert medication”"
    ]
    assert account["notifications"][0]["url"] == "/discussions/7/"
    # What one caused: the kind and when, never the other person's text.
    assert [set(n) for n in account["notifications_you_caused"]] == [{"kind", "created_at"}]
    assert account["notification_settings"] == [{"kind": "test_chatty", "channel": "digest"}]


def test_erasure_deletes_ones_notifications_and_unnames_one_in_others(kinds):
    nia, ola = UserFactory(name="Nia Example"), UserFactory(name="Ola Example")
    tell([nia], ola, "reply:1")
    tell([ola], nia, "reply:2")
    notification_settings_update(user=nia, actor=nia, channels={"test_chatty": "off"})
    account_erase(user=nia, actor=nia)
    assert not Notification.objects.filter(recipient=nia).exists()
    assert not NotificationSetting.objects.filter(user=nia).exists()
    theirs = Notification.objects.get(recipient=ola)
    assert theirs.actor is None
    assert theirs.text == "Former member replied to “Covert medication”"
