"""The e-mail preferences page's "Notifications" fieldset: one choice per kind with e-mails
of its own, drawn from what is saved, saved as chosen."""

import pytest
from django.urls import reverse

from accounts.models import NotificationSetting
from accounts.notifications.services import notification_settings_update
from tests.conftest import as_the_browser_sends_it, error_summary, soup

pytestmark = pytest.mark.django_db

URL = reverse("accounts:preferences")


def _form(client):
    return soup(client.get(URL)).select_one("main form[method=post]")


def test_the_fieldset_offers_each_kind_with_its_saved_channel(kinds, user_client, user):
    notification_settings_update(user=user, actor=user, channels={"test_chatty": "off"})
    form = _form(user_client)
    fieldset = form.find("legend", string="Notifications").parent
    legends = [legend.get_text(strip=True) for legend in fieldset.select("fieldset legend")][1:]
    # The centre-only kind has no e-mail of its own to choose about (the apps' kinds are
    # there too).
    assert "Something chatty happens" in legends and "Something quiet happens" in legends
    assert "Something shown here only" not in legends
    assert fieldset.select_one("input[name=notify_test_chatty][checked]")["value"] == "off"
    assert fieldset.select_one("input[name=notify_test_quiet][checked]")["value"] == "digest"
    labels = [label.get_text(strip=True) for label in fieldset.select("label")][:3]
    assert labels == ["E-mail immediately", "In the digest", "Off"]


def test_saving_writes_each_kind_and_keeps_the_other_switches(kinds, user_client, user):
    data = as_the_browser_sends_it(_form(user_client))
    data["notify_test_chatty"] = ["digest"]
    response = user_client.post(URL, data)
    assert response.status_code == 302
    saved = dict(NotificationSetting.objects.filter(user=user).values_list("kind", "channel"))
    assert saved["test_chatty"] == "digest" and saved["test_quiet"] == "digest"
    assert "test_centre" not in saved
    user.refresh_from_db()
    assert user.meeting_reminders and user.minutes_emails
    # Saved as drawn, the next time too.
    again = _form(user_client)
    assert again.select_one("input[name=notify_test_chatty][checked]")["value"] == "digest"


def test_an_unknown_choice_is_an_error_next_to_it_and_nothing_is_saved(kinds, user_client, user):
    data = as_the_browser_sends_it(_form(user_client))
    data["notify_test_quiet"] = ["loud"]
    data["digest_frequency"] = ["daily"]
    response = user_client.post(URL, data)
    assert response.status_code == 200
    page = soup(response)
    assert "Choose how you hear that: something quiet happens" in error_summary(page)
    assert page.select_one("#id_notify_test_quiet_error")
    # What was chosen is still chosen on the page drawn again.
    assert page.select_one("input[name=digest_frequency][checked]")["value"] == "daily"
    assert not NotificationSetting.objects.exists()
    user.refresh_from_db()
    assert user.digest_frequency == "weekly"


def test_a_choice_left_out_keeps_what_is_saved(kinds, user_client, user):
    notification_settings_update(user=user, actor=user, channels={"test_chatty": "off"})
    data = as_the_browser_sends_it(_form(user_client))
    data.pop("notify_test_chatty")
    assert user_client.post(URL, data).status_code == 302
    assert NotificationSetting.objects.get(user=user, kind="test_chatty").channel == "off"
