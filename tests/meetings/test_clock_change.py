"""A series at 01:30-02:30 on a Sunday: on the last Sunday of March London's clocks go from
01:00 straight to 02:00, so 01:30 does not exist that day. The meeting moves an hour later by
the clock and keeps its length, and the convener is told which date moved and why."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from meetings import services
from meetings.models import Meeting
from tests.conftest import soup

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
CLOCKS_GO_FORWARD = date(2027, 3, 28)  # the last Sunday of March 2027


@pytest.fixture(autouse=True)
def before_the_spring_of_2027():
    """Whenever the tests run, the dates below are to come."""
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=UTC)):
        yield


def sundays(start_time, end_time, community):
    return services.series_schedule(
        community=community,
        actor=community.lead,
        title="Night shift huddle",
        description="every Sunday",
        dates=[date(2027, 3, 21), CLOCKS_GO_FORWARD, date(2027, 4, 4)],
        start_time=start_time,
        end_time=end_time,
    )


def clock(moment):
    return f"{moment.astimezone(LONDON):%H:%M}"


def test_a_meeting_in_the_skipped_hour_moves_an_hour_later_and_keeps_its_length(community):
    series, meetings = sundays(time(1, 30), time(2, 30), community)
    assert [(clock(m.starts_at), clock(m.ends_at)) for m in meetings] == [
        ("01:30", "02:30"),
        ("02:30", "03:30"),  # 01:30 does not exist on 28 March
        ("01:30", "02:30"),
    ]
    moved = meetings[1]
    assert moved.starts_at.astimezone(LONDON).date() == CLOCKS_GO_FORWARD
    assert moved.duration_minutes == 60
    assert services.series_clock_changes(
        meetings=meetings, start_time=time(1, 30), end_time=time(2, 30)
    ) == [
        "Sunday 28 March 2027: the clocks go forward an hour at 01:00 that night, so 01:30 does "
        "not exist; that meeting is at 02:30 to 03:30 instead."
    ]


def test_an_end_in_the_skipped_hour_is_the_same_moment_by_the_summer_clock(community):
    _, meetings = sundays(time(0, 30), time(1, 30), community)
    moved = meetings[1]
    assert (clock(moved.starts_at), clock(moved.ends_at)) == ("00:30", "02:30")
    assert moved.duration_minutes == 60
    (note,) = services.series_clock_changes(
        meetings=meetings, start_time=time(0, 30), end_time=time(1, 30)
    )
    assert note.startswith("Sunday 28 March 2027") and "01:30 does not exist" in note


def test_an_end_that_is_the_start_by_the_clock_is_refused_as_such_not_as_a_constraint(
    community,
):
    # 01:30 "GMT" and 02:30 BST are the same moment: Python compares two times of one zone
    # by their clock readings and saw an hour between them.
    with pytest.raises(services.MeetingError) as refused:
        services.meeting_schedule(
            actor=community.lead,
            community=community,
            title="Night shift huddle",
            starts_at=datetime(2027, 3, 28, 1, 30, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 28, 2, 30, tzinfo=LONDON),
        )
    assert refused.value.message_dict == {"ends_at": ["The end must be after the start"]}


def three_sundays(client, community, title, start_time, end_time):
    """The convener schedules a weekly series through the form, Sundays 21 March to
    4 April 2027 (across the clock change); the page it lands on."""
    client.force_login(community.lead)
    return client.post(
        reverse("meetings:schedule_series", args=[community.slug]),
        {
            "title": title,
            "frequency": "weekly",
            "ordinal": "1",
            "weekday": "6",
            "start_time": start_time,
            "end_time": end_time,
            "first_date": "2027-03-21",
            "until": "2027-04-04",
            "format": "in-person",
            "visibility": "members",
        },
        follow=True,
    )


def test_the_convener_is_told_which_date_moved_and_why(client, community):
    response = three_sundays(client, community, "Night shift huddle", "01:30", "02:30")
    banner = " ".join(soup(response).select_one(".nhsuk-notification-banner").get_text().split())
    assert "3 meetings have been scheduled" in banner
    assert (
        "Sunday 28 March 2027: the clocks go forward an hour at 01:00 that night, so 01:30 does "
        "not exist; that meeting is at 02:30 to 03:30 instead." in banner
    )
    assert "Constraint" not in response.content.decode()
    assert Meeting.objects.count() == 3


def test_a_series_away_from_the_clock_change_says_nothing_of_it(client, community):
    response = three_sundays(client, community, "Huddle", "14:00", "15:00")
    banner = soup(response).select_one(".nhsuk-notification-banner").get_text()
    assert "3 meetings have been scheduled" in banner and "clocks" not in banner
