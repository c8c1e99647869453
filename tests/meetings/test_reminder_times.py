"""Every reminder time the meeting form accepts is honoured: a reminder set for 240 hours
before goes out 240 hours before, not earlier, and once; `manage.py send_reminders` runs
the same scan and says what it queued."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from meetings import services
from meetings.forms import MeetingForm
from meetings.models import MAX_REMINDER_HOURS, Meeting
from meetings.tasks import send_due_reminders_task
from tests.conftest import soup
from tests.factories import UserFactory, meeting_scheduled

pytestmark = pytest.mark.django_db


def schedule(community, *, hours_ahead, reminder_hours, people=2, title="Falls huddle"):
    meeting = meeting_scheduled(
        community=community,
        actor=community.lead,
        starts_in=timedelta(hours=hours_ahead),
        title=title,
        reminder_hours=reminder_hours,
    )
    for _ in range(people):
        services.registration_create(meeting=meeting, user=UserFactory(), notify=False)
    return meeting


def reminders():
    return EmailDelivery.objects.filter(purpose__startswith="meeting-reminder")


@pytest.mark.eager_tasks
def test_a_240_hour_reminder_goes_at_240_hours_not_earlier_and_once(
    community, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = schedule(community, hours_ahead=300, reminder_hours=240)
    start = meeting.starts_at
    # A week before (where the scan used to stop looking) and a minute before it is due.
    for before in (timedelta(hours=241), timedelta(hours=168) + timedelta(hours=73)):
        with time_machine.travel(start - before):
            assert send_due_reminders_task() == 0
    with time_machine.travel(start - timedelta(hours=240) - timedelta(minutes=1)):
        assert send_due_reminders_task() == 0
    assert not reminders().exists()
    with (
        time_machine.travel(start - timedelta(hours=240) + timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_due_reminders_task() == 2
        assert send_due_reminders_task() == 0  # the next scan: nothing more
    for later in (timedelta(hours=168), timedelta(hours=24), timedelta(minutes=5)):
        with (
            time_machine.travel(start - later),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert send_due_reminders_task() == 0
    assert reminders().count() == 2
    sent = [m for m in mailoutbox if m.subject.startswith("Reminder")]
    assert len(sent) == 2 and len({m.to[0] for m in sent}) == 2


@pytest.mark.parametrize("hours", [1, 24, 168, 169, 240, 500, MAX_REMINDER_HOURS])
def test_every_reminder_time_the_form_accepts_is_due_at_that_time(community, hours):
    meeting = schedule(community, hours_ahead=MAX_REMINDER_HOURS + 2, reminder_hours=hours)
    due = meeting.starts_at - timedelta(hours=hours)
    with time_machine.travel(due - timedelta(minutes=1)):
        assert meeting not in services.reminders_due()
    with time_machine.travel(due + timedelta(minutes=1)):
        assert list(services.reminders_due()) == [meeting]


def test_the_form_refuses_a_reminder_earlier_than_the_scan_looks(community):
    start = timezone.localtime() + timedelta(days=40)
    data = {
        "title": "Falls huddle",
        "kind": Meeting.Kind.MEETING,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "format": Meeting.Format.IN_PERSON,
        "visibility": Meeting.Visibility.MEMBERS,
        "reminder_hours": MAX_REMINDER_HOURS + 1,
    }
    form = MeetingForm(data)
    assert not form.is_valid()
    assert form.errors["reminder_hours"] == [
        f"Enter at most {MAX_REMINDER_HOURS} hours (four weeks)"
    ]
    form = MeetingForm({**data, "reminder_hours": 0})  # due at the start: never sent
    assert form.errors["reminder_hours"] == ["Enter 1 hour or more"]
    form = MeetingForm({**data, "reminder_hours": MAX_REMINDER_HOURS})
    assert form.is_valid(), form.errors


def test_a_meeting_moved_later_is_reminded_again_for_its_new_time(
    community, django_capture_on_commit_callbacks
):
    meeting = schedule(community, hours_ahead=20, reminder_hours=24, people=1)
    assert send_due_reminders_task() == 1
    later = meeting.starts_at + timedelta(days=2)
    services.meeting_update(
        meeting=meeting, actor=community.lead, starts_at=later, ends_at=later + timedelta(hours=1)
    )
    assert send_due_reminders_task() == 0  # not due again until a day before the new time
    with time_machine.travel(later - timedelta(hours=23)):
        assert send_due_reminders_task() == 1
        assert send_due_reminders_task() == 0
    assert reminders().count() == 2


def test_send_reminders_says_what_it_queued(community):
    schedule(community, hours_ahead=10, reminder_hours=24, people=3)
    schedule(community, hours_ahead=100, reminder_hours=240, people=2, title="Sepsis huddle")
    schedule(community, hours_ahead=100, reminder_hours=24, people=4, title="Not yet")
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "Reminders queued for 2 meetings: 5 e-mails."
    assert reminders().count() == 5
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "Reminders queued for 0 meetings: 0 e-mails."
    assert reminders().count() == 5


def test_send_reminders_dry_run_counts_and_writes_nothing(community):
    schedule(community, hours_ahead=10, reminder_hours=24, people=3)
    quiet = schedule(community, hours_ahead=10, reminder_hours=24, people=1, title="Quiet")
    person = quiet.registrations.get().user
    person.meeting_reminders = False  # reminders switched off: no e-mail for them
    person.save()
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert out.getvalue().strip() == (
        "Dry run: reminders are due for 2 meetings; 3 e-mails would be queued. Nothing was written."
    )
    assert not EmailDelivery.objects.filter(purpose__startswith="meeting-reminder").exists()
    assert not Meeting.objects.filter(reminded_for__isnull=False).exists()
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "Reminders queued for 2 meetings: 3 e-mails."


def test_send_reminders_shows_progress_on_long_runs(community):
    for n in range(5):
        schedule(community, hours_ahead=10, reminder_hours=24, people=1, title=f"Huddle {n}")
    out = StringIO()
    call_command("send_reminders", "--batch-size", "2", stdout=out)
    assert out.getvalue().splitlines() == [
        "2 of 5 meetings…",
        "4 of 5 meetings…",
        "5 of 5 meetings…",
        "Reminders queued for 5 meetings: 5 e-mails.",
    ]


def test_the_convener_sees_when_the_reminder_goes_and_that_it_went(client, community):
    meeting = schedule(community, hours_ahead=300, reminder_hours=240, people=1)
    client.force_login(community.lead)

    def reminder_row():
        page = soup(client.get(reverse("meetings:detail", args=[meeting.pk])))
        key = page.find("dt", string="Reminder e-mail")
        return key.find_next("dd").get_text(" ", strip=True) if key else None

    due = timezone.localtime(meeting.starts_at - timedelta(hours=240))
    assert reminder_row() == (
        f"Goes to the people registered on {due:%A %-d %B %Y} at {due:%H:%M} (240 hours before)"
    )
    with time_machine.travel(due + timedelta(minutes=1)):
        send_due_reminders_task()
        client.force_login(community.lead)  # ten days on: a new session
        assert reminder_row() == "Sent to the people registered"
    client.force_login(meeting.registrations.get().user)  # members are not told
    assert reminder_row() is None
