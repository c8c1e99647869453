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
    # The centre-only kind has no e-mail of its own to choose about.
    assert legends == ["Something chatty happens", "Something quiet happens"]
    assert fieldset.select_one("input[name=notify_test_chatty][checked]")["value"] == "off"
    assert fieldset.select_one("input[name=notify_test_quiet][checked]")["value"] == "digest"
    labels = [label.get_text(strip=True) for label in fieldset.select("label")][:3]
    assert labels == ["E-mail immediately", "In the digest", "Off"]


def test_saving_writes_each_kind_and_keeps_the_other_switches(kinds, user_client, user):
    data = as_the_browser_sends_it(_form(user_client))
    data["notify_test_chatty"] = ["digest"]
    response = user_client.post(URL, data)
    assert response.status_code == 302
    assert dict(NotificationSetting.objects.filter(user=user).values_list("kind", "channel")) == {
        "test_chatty": "digest",
        "test_quiet": "digest",
    }
    user.refresh_from_db()
    assert user.meeting_reminders and user.minutes_emails
    # Saved as drawn, the next time too.
    again = _form(user_client)
    assert again.select_one("input[name=notify_test_chatty][checked]")["value"] == "digest"


def test_a_missing_or_unknown_choice_is_an_error_next_to_it(kinds, user_client, user):
    data = as_the_browser_sends_it(_form(user_client))
    data.pop("notify_test_chatty")
    data["notify_test_quiet"] = ["loud"]
    response = user_client.post(URL, data)
    assert response.status_code == 200
    page = soup(response)
    assert "Choose how you hear that: something chatty happens" in error_summary(page)
    assert page.select_one("#id_notify_test_chatty_error")
    assert not NotificationSetting.objects.exists()
