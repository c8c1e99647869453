"""What makes no sense is refused where a convener meets it: scheduling (and announcing) a
meeting whose time has passed, recording attendance before a meeting starts, publishing the
minutes of a meeting still to come. A meeting that already happened has its own honest
path, "Record a past meeting": nobody is told, attendance goes with it, minutes follow."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from meetings import services
from meetings.models import Meeting, Minutes, Registration
from tests.conftest import error_summary, field_error, soup
from tests.factories import (
    ConvenedCommunityFactory,
    MembershipFactory,
    meeting_scheduled,
    minutes_saved,
)
from tests.meetings.test_views import meeting_form

pytestmark = pytest.mark.django_db


def local(moment):
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


@pytest.fixture
def community():
    c = ConvenedCommunityFactory(visibility="listed", members=1)
    c.member = c.members[0]
    return c


def upcoming(community, days=3):
    return meeting_scheduled(
        community=community, actor=community.lead, starts_in=timedelta(days=days), announce=False
    )


def meeting_data(start, **overrides):
    """The form to schedule a meeting, for an hour from `start`."""
    return meeting_form(
        title="Falls huddle",
        agenda="",
        starts_at=local(start),
        ends_at=local(start + timedelta(hours=1)),
        **overrides,
    )


def past_meeting_data(start, **overrides):
    """The form of "Record a past meeting", for an hour from `start`."""
    return {
        "title": "Falls huddle",
        "kind": "meeting",
        "starts_at": local(start),
        "ends_at": local(start + timedelta(hours=1)),
        "format": "in-person",
        "visibility": "members",
        **overrides,
    }


# --- scheduling in the past ----------------------------------------------------------------------


def test_the_service_refuses_to_schedule_a_meeting_that_has_started(community, mailoutbox):
    start = timezone.now() - timedelta(hours=3)
    with pytest.raises(services.MeetingError) as refused:
        services.meeting_schedule(
            actor=community.lead,
            community=community,
            title="Yesterday's huddle",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
    assert "Record a past meeting" in refused.value.message_dict["starts_at"][0]
    assert not Meeting.objects.exists()
    assert not EmailDelivery.objects.exists()


def test_the_schedule_form_shows_the_refusal_next_to_the_start(
    client, community, django_capture_on_commit_callbacks
):
    client.force_login(community.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:schedule", args=[community.slug]),
            meeting_data(timezone.now() - timedelta(days=2)),
        )
    assert response.status_code == 200
    assert "Record a past meeting" in field_error(soup(response), "id_starts_at")
    assert not Meeting.objects.exists()
    assert not EmailDelivery.objects.exists()  # nobody was told of it


def test_a_series_that_would_start_in_the_past_is_refused_on_its_first_date(client, community):
    client.force_login(community.lead)
    response = client.post(
        reverse("meetings:schedule_series", args=[community.slug]),
        {
            "title": "Monthly huddle",
            "frequency": "weekly",
            "ordinal": "1",
            "weekday": str((timezone.localdate() - timedelta(days=7)).weekday()),
            "start_time": "10:00",
            "end_time": "11:00",
            "first_date": (timezone.localdate() - timedelta(days=7)).isoformat(),
            "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "format": "in-person",
            "visibility": "members",
        },
    )
    assert "which has passed" in field_error(soup(response), "id_first_date")
    assert not Meeting.objects.exists()


def test_an_upcoming_meeting_cannot_be_moved_into_the_past(community, mailoutbox):
    meeting = upcoming(community)
    services.registration_create(meeting=meeting, user=community.member)
    before = meeting.starts_at
    past = timezone.now() - timedelta(days=1)
    with pytest.raises(services.MeetingError) as refused:
        services.meeting_update(
            meeting=meeting, actor=community.lead, starts_at=past, ends_at=past + timedelta(hours=1)
        )
    assert "already passed" in refused.value.message_dict["starts_at"][0]
    meeting.refresh_from_db()
    assert meeting.starts_at == before


def test_a_past_network_event_is_refused_next_to_its_start(client, world):
    network, people = world
    client.force_login(people["manager"])
    response = client.post(
        reverse("meetings:schedule_network_event", args=[network.slug]),
        meeting_data(timezone.now() - timedelta(days=1), kind="masterclass"),
    )
    assert response.status_code == 200
    assert "already passed" in field_error(soup(response), "id_starts_at")


def test_a_past_programme_session_is_refused_next_to_its_start(client, programme):
    client.force_login(programme.manager)
    start = timezone.now() - timedelta(days=1)
    response = client.post(
        reverse("conveners:session_add", args=[programme.slug]),
        {
            "kind": "module",
            "title": "Module 1",
            "starts_at": local(start),
            "ends_at": local(start + timedelta(hours=6)),
        },
    )
    assert response.status_code == 200
    assert "already passed" in field_error(soup(response), "id_starts_at")


# --- recording a past meeting -------------------------------------------------------------------


def test_conveners_find_record_a_past_meeting_on_the_meetings_page(client, community):
    url = reverse("meetings:community_list", args=[community.slug])
    record = reverse("meetings:record_past", args=[community.slug])
    client.force_login(community.lead)
    assert soup(client.get(url)).find("a", href=record)
    client.force_login(community.member)
    assert not soup(client.get(url)).find("a", href=record)


def test_record_a_past_meeting_tells_nobody_and_keeps_who_came(
    client, community, django_capture_on_commit_callbacks
):
    absent = MembershipFactory(community=community, user__name="Abe Absent").user
    client.force_login(community.lead)
    start = timezone.now() - timedelta(days=6)
    page = soup(client.get(reverse("meetings:record_past", args=[community.slug])))
    labels = [label.get_text(strip=True) for label in page.select("label")]
    assert community.member.name in labels and "Abe Absent" in labels
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:record_past", args=[community.slug]),
            past_meeting_data(start, attended=[community.member.pk]),
        )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "meetings:detail", args=[meeting.pk]
    )
    assert not EmailDelivery.objects.exists()
    assert list(meeting.registrations.values_list("user", "attended")) == [
        (community.member.pk, True)
    ]
    assert not meeting.registrations.filter(user=absent).exists()
    # The person's own record of meetings attended (for revalidation) lists it.
    client.force_login(community.member)
    assert "Falls huddle" in soup(client.get(reverse("meetings:attended"))).get_text()

    # Its minutes are published at once, to every member.
    with django_capture_on_commit_callbacks(execute=True):
        minutes = minutes_saved(meeting=meeting, actor=community.lead, notes="We met.")
        services.minutes_publish(minutes=minutes, actor=community.lead)
    assert Minutes.objects.get().is_published
    assert EmailDelivery.objects.filter(purpose=f"minutes:{minutes.pk}").count() == 3


def test_a_meeting_to_come_is_not_recorded_as_past(client, community):
    client.force_login(community.lead)
    start = timezone.now() + timedelta(days=2)
    response = client.post(
        reverse("meetings:record_past", args=[community.slug]),
        past_meeting_data(start),
    )
    assert "schedule it instead" in field_error(soup(response), "id_starts_at")
    assert not Meeting.objects.exists()


def test_record_a_past_meeting_shows_a_wrong_end_next_to_it(client, community):
    client.force_login(community.lead)
    start = timezone.now() - timedelta(days=2)
    response = client.post(
        reverse("meetings:record_past", args=[community.slug]),
        past_meeting_data(start, ends_at=local(start - timedelta(hours=1))),
    )
    assert "end must be after the start" in field_error(soup(response), "id_ends_at")
    assert not [e for e in error_summary(soup(response)) if "Constraint" in e]


# --- attendance and minutes before the meeting ----------------------------------------------------


def test_attendance_is_refused_before_the_meeting_starts(client, community):
    meeting = upcoming(community)
    registration = services.registration_create(meeting=meeting, user=community.member)
    with pytest.raises(services.MeetingError) as refused:
        services.attendance_record(
            meeting=meeting, actor=community.lead, attended_ids=[registration.pk]
        )
    assert "once the meeting has started" in refused.value.message_dict["attended"][0]

    client.force_login(community.lead)
    detail = soup(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert not detail.find("a", href=reverse("meetings:attendance", args=[meeting.pk]))
    response = client.post(
        reverse("meetings:attendance", args=[meeting.pk]), {"attended": [registration.pk]}
    )
    assert "once the meeting has started" in field_error(soup(response), "id_attended")
    registration.refresh_from_db()
    assert registration.attended is None


def test_attendance_is_recorded_once_the_meeting_has_started(community):
    meeting = services.meeting_record_past(
        actor=community.lead,
        community=community,
        title="Huddle",
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(minutes=50),
        attendees=[community.member],
    )
    registration = meeting.registrations.get()
    services.attendance_record(meeting=meeting, actor=community.lead, attended_ids=[])
    registration.refresh_from_db()
    assert registration.attended is False


def test_minutes_of_a_meeting_to_come_stay_a_draft(
    client, community, django_capture_on_commit_callbacks
):
    meeting = upcoming(community, days=90)
    client.force_login(community.lead)
    url = reverse("meetings:minutes", args=[meeting.pk])
    page = soup(client.get(url))
    assert not page.find("button", attrs={"name": "publish"})
    assert "once the meeting has taken place" in page.select_one(".nhsuk-inset-text").get_text()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"notes": "Agenda items to cover", "publish": "1"}, follow=True)
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.notes == "Agenda items to cover" and not minutes.is_published
    banner = soup(response).select_one(".nhsuk-notification-banner").get_text()
    assert "once the meeting has taken place" in banner
    assert not EmailDelivery.objects.filter(purpose__startswith="minutes:").exists()
    with pytest.raises(services.MeetingError):
        services.minutes_publish(minutes=minutes, actor=community.lead)


def test_registration_stays_closed_on_a_recorded_past_meeting(community):
    meeting = services.meeting_record_past(
        actor=community.lead,
        community=community,
        title="Huddle",
        starts_at=timezone.make_aware(timezone.datetime.combine(date(2024, 5, 7), time(14))),
        ends_at=timezone.make_aware(timezone.datetime.combine(date(2024, 5, 7), time(15))),
    )
    with pytest.raises(services.MeetingError):
        services.registration_create(meeting=meeting, user=community.member)
    assert not Registration.objects.exists()
