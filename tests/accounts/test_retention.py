"""Retention: personal data past its period is cleared by a periodic job that works in
batches, records its progress, and is safe to run twice."""

from datetime import timedelta
from unittest.mock import patch

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery, RetentionSweep
from accounts.retention import RULES, apply_retention_task, retention_apply
from communities.models import Invitation
from conveners.models import Application
from core.models import AuditEntry
from meetings.models import MeetingGuest
from tests.conftest import soup
from tests.conveners.conftest import application_data
from tests.factories import CommunityFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=400)


def _aged(model, pk, **fields):
    """Rows are stamped on creation; a test moves them back in time."""
    model.objects.filter(pk=pk).update(**fields)


def _mail(n, *, status, old):
    row = EmailDelivery.objects.create(
        to_address=f"reader{n}@example.org",
        purpose=f"test:{n}",
        subject=f"Subject {n}",
        body_text="Hello",
        body_html="<p>Hello</p>",
        status=status,
    )
    if old:
        _aged(EmailDelivery, row.pk, created_at=LONG_AGO)
    return row


def _audit(n, *, action, old):
    entry = AuditEntry.objects.create(
        action=action, ip_address="192.0.2.5", data={"agent": "ExampleBrowser", "n": n}
    )
    if old:
        _aged(AuditEntry, entry.pk, created_at=LONG_AGO)
    return entry


@pytest.fixture
def aged_data(programme):
    sent_old = [_mail(n, status="sent", old=True) for n in range(3)]
    pending_old = _mail(10, status="pending", old=True)
    sent_new = _mail(11, status="sent", old=False)
    joins_old = [_audit(n, action="membership.join", old=True) for n in range(3)]
    join_new = _audit(9, action="membership.join", old=False)
    failed_old = [_audit(n, action="auth.sign_in_failed", old=True) for n in range(2)]
    failed_new = _audit(5, action="auth.sign_in_failed", old=False)
    applicant = UserFactory()
    rejected = Application.objects.create(
        programme=programme,
        applicant=applicant,
        status=Application.Status.REJECTED,
        **{k: v for k, v in application_data().items() if k != "region"},
    )
    _aged(Application, rejected.pk, updated_at=LONG_AGO)
    stale = UserSession.objects.create(
        user=applicant, ip="192.0.2.6", session_key="s" * 32, user_agent="ExampleBrowser"
    )
    _aged(UserSession, stale.pk, last_seen_at=LONG_AGO)
    recent = UserSession.objects.create(
        user=applicant, ip="192.0.2.7", session_key="r" * 32, user_agent="ExampleBrowser"
    )
    community = CommunityFactory()
    expired = Invitation.objects.create(
        community=community,
        email="invitee@example.org",
        message="Dear Ina",
        expires_at=LONG_AGO,
    )
    accepted = Invitation.objects.create(
        community=community,
        email="joined@example.org",
        status=Invitation.Status.ACCEPTED,
        expires_at=LONG_AGO,
    )
    held_long_ago = MeetingFactory(community=community, title="Held long ago", starts_at=LONG_AGO)
    guest_old = MeetingGuest.objects.create(
        meeting=held_long_ago,
        name="Gus Guest",
        organisation="Example Care Home",
        email="gus@example.org",
    )
    guest_claimed = MeetingGuest.objects.create(
        meeting=held_long_ago, name="Cara Claimed", email="cara@example.org", user=applicant
    )
    held_lately = MeetingFactory(
        community=community, title="Held lately", starts_at=timezone.now() - timedelta(days=2)
    )
    guest_new = MeetingGuest.objects.create(
        meeting=held_lately, name="Nia New", email="nia@example.org"
    )
    return locals()


def test_each_rule_clears_only_what_is_past_its_period_in_batches_and_once(aged_data):
    d = aged_data
    first = retention_apply(batch_size=2)
    assert first == {
        "outbox_text": 3,
        # the old joins and the old refused sign-ins (these go altogether below)
        "network_addresses": 5,
        "stale_sessions": 1,
        "failed_sign_ins": 2,
        "expired_invitations": 1,
        "declined_applications": 1,
        "meeting_guests": 1,
        "read_notifications": 0,  # tests/accounts/test_notifications_retention.py
        "held_replies": 0,  # tests/accounts/test_inbound_held.py
    }

    for row in d["sent_old"]:
        row.refresh_from_db()
        assert (row.subject, row.body_text, row.body_html) == ("", "", "")
        assert row.to_address and row.status == "sent"  # that it went stays
    assert EmailDelivery.objects.get(pk=d["pending_old"].pk).body_text == "Hello"
    assert EmailDelivery.objects.get(pk=d["sent_new"].pk).body_text == "Hello"
    for entry in d["joins_old"]:
        entry.refresh_from_db()
        assert entry.ip_address is None and "agent" not in entry.data
        assert entry.action == "membership.join"
    assert AuditEntry.objects.get(pk=d["join_new"].pk).ip_address == "192.0.2.5"
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in d["failed_old"]]).exists()
    assert list(UserSession.objects.all()) == [d["recent"]]
    assert AuditEntry.objects.filter(pk=d["failed_new"].pk).exists()
    rejected = Application.objects.get(pk=d["rejected"].pk)
    assert (rejected.motivation, rejected.sponsor_email) == ("", "")
    assert rejected.status == Application.Status.REJECTED
    expired = Invitation.objects.get(pk=d["expired"].pk)
    assert expired.email.endswith("@erased.example.org") and expired.message == ""
    assert Invitation.objects.get(pk=d["accepted"].pk).email == "joined@example.org"

    guest_old = MeetingGuest.objects.get(pk=d["guest_old"].pk)
    assert (guest_old.name, guest_old.email) == ("", "")
    assert guest_old.organisation == "Example Care Home"  # still counted, naming no one
    assert MeetingGuest.objects.get(pk=d["guest_claimed"].pk).name == "Cara Claimed"
    assert MeetingGuest.objects.get(pk=d["guest_new"].pk).email == "nia@example.org"

    # Progress is in the database, for every rule.
    sweep = RetentionSweep.objects.get(rule="outbox_text")
    assert (sweep.cleared_last_run, sweep.cleared_total) == (3, 3)
    assert sweep.finished_at is not None
    assert sweep.cutoff < timezone.now() - timedelta(days=29)

    # A second run finds nothing left and says so.
    assert set(retention_apply(batch_size=2).values()) == {0}
    sweep.refresh_from_db()
    assert (sweep.cleared_last_run, sweep.cleared_total) == (0, 3)


def test_the_periodic_task_is_scheduled_and_runs(aged_data):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert apply_retention_task.name in scheduled
    assert apply_retention_task.name == "accounts.retention.apply_retention_task"
    assert apply_retention_task.apply().get()["outbox_text"] == 3


def test_the_admin_page_lists_each_period_and_its_last_run(client, aged_data):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:accounts_retentionsweep_changelist")
    page = soup(client.get(url))
    rows = {r.find("th").get_text(): r.get_text(" ") for r in page.select("#result_list tbody tr")}
    assert set(rows) == set(RULES)
    assert "90 days" in rows["failed_sign_ins"] and "90 days" in rows["stale_sessions"]
    assert "365 days" in rows["declined_applications"]
    retention_apply()
    page = soup(client.get(url))
    outbox = next(r for r in page.select("#result_list tbody tr") if "outbox_text" in r.get_text())
    assert "-" not in outbox.select_one("td.field-finished_at").get_text()


def test_reading_the_admin_page_writes_nothing(client, django_assert_num_queries):
    # The rows exist from the migration run (post_migrate), not from a visit.
    assert set(RetentionSweep.objects.values_list("rule", flat=True)) == set(RULES)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    before = list(RetentionSweep.objects.values_list("pk", "rule"))
    response = client.get(reverse("admin:accounts_retentionsweep_changelist"))
    assert response.status_code == 200
    assert list(RetentionSweep.objects.values_list("pk", "rule")) == before
    assert "Apply the retention periods now" in response.content.decode()


def test_staff_apply_the_periods_now_and_it_is_audited(
    client, aged_data, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:accounts_retentionsweep_run")
    assert client.get(url).status_code == 403  # only by the button, never by a link
    with (
        patch("accounts.retention.apply_retention_task.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("admin:accounts_retentionsweep_changelist")
    assert queued.call_count == 1
    assert AuditEntry.objects.filter(actor=staff, action="retention.run_requested").count() == 1
    assert "queued" in client.get(response.url).content.decode()


def test_people_without_staff_access_cannot_run_it(client):
    client.force_login(UserFactory())
    response = client.post(reverse("admin:accounts_retentionsweep_run"))
    assert response.status_code == 302 and "/login/" in response.url
    assert not AuditEntry.objects.filter(action="retention.run_requested").exists()
