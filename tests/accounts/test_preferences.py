"""E-mail preferences: the form shows what is saved, so saving it changes only what the person
changed; and the people whose e-mails an earlier form switched off get them back."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_preferences_update
from core.models import AuditEntry
from core.services import audit_log
from tests.conftest import as_the_browser_sends_it, soup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SWITCHES = [
    "meeting_reminders",
    "meeting_announcements",
    "minutes_emails",
    "resource_notices",
    "membership_notices",
]
DROPPED = ["meeting_announcements", "minutes_emails", "resource_notices", "membership_notices"]


def _form(client):
    return soup(client.get(reverse("accounts:preferences"))).select_one("main form[method=post]")


def test_the_form_shows_every_saved_switch(user_client, user):
    user.minutes_emails = False
    user.save()
    form = _form(user_client)
    for name in SWITCHES:
        box = form.select_one(f"input[name={name}]")
        assert box.has_attr("checked") is (name != "minutes_emails"), name


def test_changing_only_the_digest_keeps_every_other_e_mail(user_client, user):
    data = as_the_browser_sends_it(_form(user_client))
    data["digest_frequency"] = ["daily"]
    assert user_client.post(reverse("accounts:preferences"), data).status_code == 302
    user.refresh_from_db()
    assert user.digest_frequency == "daily"
    assert all(getattr(user, name) for name in SWITCHES)


def _saved_the_old_form(person, *, days_ago=10):
    """What the earlier form did on every save: the four switches it did not draw, off."""
    user_preferences_update(
        user=person,
        actor=person,
        digest_frequency="weekly",
        meeting_reminders=True,
        **dict.fromkeys(DROPPED, False),
    )
    entry = AuditEntry.objects.filter(action="preferences.update", target_id=str(person.pk)).latest(
        "pk"
    )
    AuditEntry.objects.filter(pk=entry.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=days_ago)
    )


def test_the_repair_switches_back_on_what_the_old_form_switched_off():
    repair = importlib.import_module("accounts.migrations.0010_repair_email_preferences").repair
    affected = UserFactory()
    _saved_the_old_form(affected)
    chose_since = UserFactory()
    _saved_the_old_form(chose_since)
    # Then saved again with the boxes ticked but minutes: a choice the repair keeps.
    user_preferences_update(
        user=chose_since,
        actor=chose_since,
        **{**dict.fromkeys(DROPPED, True), "minutes_emails": False},
    )
    never_saved = UserFactory(minutes_emails=False)
    saved_by_staff = UserFactory(minutes_emails=False)
    audit_log(
        actor=UserFactory(is_staff=True),
        action="preferences.update",
        target=saved_by_staff,
        data=dict.fromkeys(DROPPED, False),
    )
    saved_on = UserFactory()
    user_preferences_update(user=saved_on, actor=saved_on, **dict.fromkeys(DROPPED, True))

    # The models as the migration sees them (the audit log was then still in accounts).
    state = MigrationLoader(connection).project_state(("accounts", "0010_repair_email_preferences"))
    repair(state.apps, None)
    repair(state.apps, None)  # twice: nothing more changes

    for person in (affected, chose_since, never_saved, saved_by_staff, saved_on):
        person.refresh_from_db()
    assert all(getattr(affected, f) for f in DROPPED)
    assert chose_since.minutes_emails is False
    assert all(getattr(chose_since, f) for f in DROPPED if f != "minutes_emails")
    assert never_saved.minutes_emails is False
    assert saved_by_staff.minutes_emails is False
    repairs = AuditEntry.objects.filter(action="preferences.repair")
    assert [int(r.target_id) for r in repairs] == [affected.pk]
