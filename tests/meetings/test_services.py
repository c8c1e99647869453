import threading
from datetime import UTC, date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import EmailDelivery
from meetings import services
from meetings.models import Meeting, Registration
from meetings.tasks import send_due_reminders_task
from tests.factories import MembershipFactory, UserFactory, meeting_made, minutes_saved

pytestmark = pytest.mark.django_db


def schedule(community, *, starts_in=timedelta(days=7), **fields):
    """A two-hour meeting made by the community's convener (recorded if it has started)."""
    return meeting_made(
        community=community, actor=community.lead, starts_in=starts_in, hours=2, **fields
    )


@pytest.mark.eager_tasks
def test_schedule_tells_every_member_once(
    community, mailoutbox, django_capture_on_commit_callbacks
):
    MembershipFactory(community=community)
    MembershipFactory(community=community, user=UserFactory(meeting_announcements=False))
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(community)
    assert len(mailoutbox) == 2  # the lead and one member; the third switched announcements off
    assert all(meeting.title in m.subject for m in mailoutbox)


def test_end_before_start_is_refused(community):
    with pytest.raises(services.MeetingError):
        start = timezone.now() + timedelta(days=1)
        services.meeting_schedule(
            actor=None, community=community, title="x", starts_at=start, ends_at=start
        )


@pytest.mark.eager_tasks
def test_waiting_list_and_promotion(community, mailoutbox, django_capture_on_commit_callbacks):
    meeting = schedule(community, capacity=2)
    a, b, c = (MembershipFactory(community=community).user for _ in range(3))
    assert services.registration_create(meeting=meeting, user=a).status == "registered"
    assert services.registration_create(meeting=meeting, user=b).status == "registered"
    waiting = services.registration_create(meeting=meeting, user=c)
    assert waiting.status == "waiting"
    assert services.registration_create(meeting=meeting, user=c).pk == waiting.pk  # idempotent
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=Registration.objects.get(meeting=meeting, user=a))
    waiting.refresh_from_db()
    assert waiting.status == "registered"
    assert [m.to for m in mailoutbox] == [[c.email]] and "You have a place" in mailoutbox[0].subject


def test_capacity_below_registrations_is_refused(community):
    meeting = schedule(community, capacity=3)
    for _ in range(2):
        services.registration_create(meeting=meeting, user=UserFactory())
    with pytest.raises(services.MeetingError, match="2 people are already registered"):
        services.meeting_update(meeting=meeting, actor=None, capacity=1)


def test_no_registration_for_cancelled_or_past_meetings(community):
    meeting = schedule(community)
    services.meeting_cancel(meeting=meeting, actor=None, reason="Room flooded")
    with pytest.raises(services.MeetingError, match="cancelled"):
        services.registration_create(meeting=Meeting.objects.get(pk=meeting.pk), user=UserFactory())
    past = schedule(community, starts_in=-timedelta(days=2))
    with pytest.raises(services.MeetingError, match="started"):
        services.registration_create(meeting=past, user=UserFactory())


@pytest.mark.eager_tasks
def test_moving_a_meeting_raises_sequence_and_tells_registered(
    community, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = schedule(community)
    person = UserFactory()
    services.registration_create(meeting=meeting, user=person)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.meeting_update(
            meeting=meeting,
            actor=None,
            starts_at=meeting.starts_at + timedelta(days=1),
            ends_at=meeting.ends_at + timedelta(days=1),
        )
    assert moved.sequence == 1 and moved.uid == meeting.uid
    assert [m.to for m in mailoutbox] == [[person.email]] and "Changed" in mailoutbox[0].subject


def test_series_second_tuesday_across_the_clock_change(community):
    dates = services.series_dates(
        first_date=date(2027, 1, 1),
        until=date(2027, 7, 31),
        frequency="monthly",
        weekday=1,
        ordinal=2,
    )
    assert dates[:4] == [date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9), date(2027, 4, 13)]
    series, meetings = services.series_schedule(
        community=community,
        actor=community.lead,
        title="Monthly",
        description="second Tuesday",
        dates=dates,
        start_time=time(14, 0),
        end_time=time(16, 0),
    )
    assert len(meetings) == 7
    # 14:00 in London is 14:00 GMT in March and 14:00 BST (13:00 UTC) in April.
    assert meetings[2].starts_at.astimezone(UTC).hour == 14
    assert meetings[3].starts_at.astimezone(UTC).hour == 13


@pytest.mark.eager_tasks
def test_reminder_job_twice_and_after_a_crash_sends_one_each(
    community, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = schedule(community, starts_in=timedelta(hours=30), reminder_hours=24)
    people = [UserFactory() for _ in range(3)]
    for p in people:
        services.registration_create(meeting=meeting, user=p)
    assert send_due_reminders_task() == 0  # not due yet
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        # A worker that dies after queueing but before sending: rows stay pending.
        with django_capture_on_commit_callbacks(execute=False):
            assert send_due_reminders_task() == 3
        assert len(mailoutbox) == 0
        with django_capture_on_commit_callbacks(execute=True):
            send_due_reminders_task()  # the scheduler fires again
            send_due_reminders_task()
        from accounts.tasks import sweep_pending_emails_task

        with time_machine.travel(timezone.now() + timedelta(minutes=5)):
            sweep_pending_emails_task()
    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder")]
    assert sorted(m.to[0] for m in reminders) == sorted(p.email for p in people)
    assert EmailDelivery.objects.filter(purpose__startswith="meeting-reminder").count() == 3
    ics = reminders[0].attachments[0]
    assert ics[0] == "meeting.ics" and ics[2] == "text/calendar"
    event = Calendar.from_ical(ics[1]).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(f"meeting-{meeting.uid}")


def test_reminders_after_an_outage_skip_meetings_that_started(community, mailoutbox):
    meeting = schedule(community, starts_in=timedelta(hours=2))
    services.registration_create(meeting=meeting, user=UserFactory())
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert send_due_reminders_task() == 0


@pytest.mark.eager_tasks
def test_minutes_go_to_every_member_once(community, mailoutbox, django_capture_on_commit_callbacks):
    meeting = schedule(community, starts_in=-timedelta(days=1))
    others = [MembershipFactory(community=community).user for _ in range(3)]
    minutes = minutes_saved(
        meeting=meeting,
        actor=community.lead,
        notes="We met.",
        decisions="Adopt the toolkit",
        previous_minutes_agreed=True,
        actions=[{"description": "Draft the leaflet", "owner": others[0], "due_date": None}],
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_publish(minutes=minutes, actor=community.lead)
        services.minutes_publish(minutes=minutes, actor=community.lead)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [community.lead.email] + [o.email for o in others]
    )
    assert "Draft the leaflet" in mailoutbox[0].body and "Adopt the toolkit" in mailoutbox[0].body


def test_open_actions_carry_forward_until_closed(community):
    from meetings.selectors import open_actions_before

    first = schedule(community, starts_in=-timedelta(days=30))
    minutes_saved(
        meeting=first,
        actor=None,
        actions=[{"description": "Audit falls", "owner": None, "due_date": None}],
    )
    second = schedule(community, starts_in=timedelta(days=1))
    carried = list(open_actions_before(meeting=second, user=community.lead))
    assert [a.description for a in carried] == ["Audit falls"]
    minutes_saved(meeting=second, actor=None, previous_minutes_agreed=True, closed=carried)
    third = schedule(community, starts_in=timedelta(days=30))
    assert list(open_actions_before(meeting=third, user=community.lead)) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_registrations_for_the_last_place_leave_exactly_capacity(community):
    """Concurrent requests on the real database: the row lock holds the line."""
    meeting = schedule(community, capacity=3)
    people = [UserFactory() for _ in range(10)]
    barrier = threading.Barrier(len(people))
    errors = []

    def register(person):
        try:
            barrier.wait()
            services.registration_create(meeting=meeting, user=person)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    statuses = list(Registration.objects.filter(meeting=meeting).values_list("status", flat=True))
    assert statuses.count("registered") == 3 and statuses.count("waiting") == 7


def test_a_reminder_is_the_same_as_one_drawn_for_each_person_in_their_own_time_zone(
    community, django_capture_on_commit_callbacks, request
):
    """Reminders are drawn once per time zone for everyone registered: each message is the
    one drawn for that person alone (their name escaped in the HTML and not in the text,
    their own unsubscribe address), with the time where they are."""
    from accounts.outbox.render import render_one as _render
    from meetings.services import reminders_queue

    starts = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(days=2)
    meeting = services.meeting_schedule(
        actor=community.lead,
        community=community,
        title="Falls & fractures <review>",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    people = [
        UserFactory(name="Ana&<i>Jo</i> O'Neil", timezone="Europe/London"),
        UserFactory(name="Bo Lindqvist", timezone="America/New_York"),
        UserFactory(name="Cy Ward", timezone="Europe/London"),
        UserFactory(name="Di Off", meeting_reminders=False),
    ]
    for p in people:
        services.registration_create(meeting=meeting, user=p)
    drawn = []

    def count(sender, template, **kwargs):
        drawn.append(template.name)

    # The queue and each drawing alone at one instant: an unsubscribe token carries the second
    # it was signed in.
    clock = time_machine.travel(timezone.now(), tick=False)
    clock.start()
    request.addfinalizer(clock.stop)
    template_rendered.connect(count)
    try:
        with django_capture_on_commit_callbacks(execute=False):
            assert reminders_queue(meeting=meeting) == 3
    finally:
        template_rendered.disconnect(count)
    assert drawn.count("emails/meeting_reminder.html") == 2  # London and New York
    rows = {
        d.to_address: d
        for d in EmailDelivery.objects.filter(purpose__startswith="meeting-reminder:")
    }
    for person in people[:3]:
        row = rows[person.email.lower()]
        alone = _render(
            recipient=person,
            template="meeting_reminder",
            context={
                "meeting": meeting,
                "meeting_url": settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk]),
            },
            preference="meeting_reminders",
            transactional=False,
        )
        assert (row.subject, row.body_text, row.body_html, row.headers) == (
            alone["subject"],
            alone["text"],
            alone["html"],
            alone["headers"],
        )
    assert people[3].email.lower() not in rows
    london, new_york = rows[people[0].email.lower()], rows[people[1].email.lower()]
    assert "Hello Ana&amp;&lt;i&gt;Jo&lt;/i&gt;," in london.body_html
    assert "Hello Ana&<i>Jo</i>," in london.body_text
    local = starts.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%H:%M}" in new_york.subject and f"{local:%H:%M}" not in london.subject
    assert london.headers != rows[people[2].email.lower()].headers  # each their own link
