"""The whole meeting loop in the browser: schedule with a capacity, register, wait, get
promoted, be reminded with a calendar file, record attendance, publish minutes to every
member, and see the action point carried to the next meeting. axe-core on every page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from meetings.models import Meeting
from meetings.tasks import send_due_reminders_task
from tests.browser.conftest import JOURNEY, assert_accessible
from tests.browser.test_account_journeys import sign_in
from tests.factories import (
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
    series_every_four_weeks,
)

pytestmark = [*JOURNEY, pytest.mark.eager_tasks]


def as_person(browser, live_server, email):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, email)
    return page


def test_meeting_loop(page, browser, live_server, mailoutbox):
    community = _care_homes_with_a_lead_and_four_members()
    sign_in(page, "lead@example.nhs.uk")
    meeting_url = _schedule_the_march_meeting(page)
    _two_register_one_waits_and_is_promoted(browser, live_server, meeting_url, mailoutbox)
    _the_reminders_go_once_with_a_calendar_file(mailoutbox)

    # The next meeting, a month later.
    meeting = Meeting.objects.get(title="March meeting")
    following = MeetingFactory(
        community=community,
        title="April meeting",
        starts_at=meeting.starts_at + timedelta(days=28),
        ends_at=meeting.ends_at + timedelta(days=28),
    )

    # The day after the meeting: attendance and minutes are for a meeting that took place.
    with time_machine.travel(meeting.ends_at + timedelta(hours=20)):
        _record_attendance_and_publish_the_minutes(page, meeting_url, mailoutbox)

    page.goto(f"/meetings/{following.pk}/")
    expect(page.locator(".app-carried-actions")).to_contain_text(
        "Share the audit tool with care homes"
    )
    assert_accessible(page)


def _care_homes_with_a_lead_and_four_members():
    community = CommunityFactory(
        name="Care Homes Medicines", slug="care-homes", visibility="listed"
    )
    MembershipFactory(
        community=community,
        role="convener",
        user=UserFactory(email="lead@example.nhs.uk", name="Lee Lead"),
    )
    for name in ["ann", "ben", "cal", "dee"]:
        MembershipFactory(
            community=community,
            user=UserFactory(email=f"{name}@example.org", name=f"{name.title()} Member"),
        )
    return community


def _schedule_the_march_meeting(page):
    """The lead schedules it with two places and a reminder 72 hours before: its address."""
    page.goto("/communities/care-homes/")
    page.get_by_role("link", name="Meetings", exact=True).click()
    assert_accessible(page)
    page.get_by_role("button", name="Schedule a meeting").click()
    assert_accessible(page)
    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=14, minute=0)
    page.get_by_label("Title").fill("March meeting")
    page.get_by_label("Agenda").fill("- Falls audit\n- Medication reviews")
    page.get_by_label("Starts").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("Ends").fill(f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}")
    page.get_by_label("Venue").fill("Room 4, Example House")
    page.get_by_label("Capacity (optional)").fill("2")
    page.get_by_label("Send the reminder this many hours before").fill("72")
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("March meeting")
    assert_accessible(page)
    meeting_url = page.url
    return meeting_url


def _two_register_one_waits_and_is_promoted(browser, live_server, meeting_url, mailoutbox):
    """Ann and Ben register, Cal joins the waiting list; Ann cancels and Cal is told once."""
    people = {
        name: as_person(browser, live_server, f"{name}@example.org")
        for name in ["ann", "ben", "cal"]
    }
    for name in ["ann", "ben"]:
        people[name].goto(meeting_url)
        people[name].get_by_role("button", name="Register").click()
        expect(people[name].locator(".nhsuk-notification-banner")).to_contain_text(
            "You are registered"
        )
    cal = people["cal"]
    cal.goto(meeting_url)
    cal.get_by_role("button", name="Join the waiting list").click()
    expect(cal.locator("main")).to_contain_text("number 1 on the waiting list")
    assert_accessible(cal)

    ann = people["ann"]
    ann.get_by_role("link", name="Cancel your registration").click()
    assert_accessible(ann)
    ann.get_by_role("button", name="Cancel my registration").click()
    promoted = [
        m for m in mailoutbox if m.to == ["cal@example.org"] and "You have a place" in m.subject
    ]
    assert len(promoted) == 1
    cal.reload()
    expect(cal.locator("main")).to_contain_text("You are registered")


def _the_reminders_go_once_with_a_calendar_file(mailoutbox):
    """The reminder task run twice: one reminder to each person registered."""
    send_due_reminders_task()
    send_due_reminders_task()
    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder")]
    assert sorted(m.to[0] for m in reminders) == ["ben@example.org", "cal@example.org"]
    event = Calendar.from_ical(reminders[0].attachments[0][1]).walk("VEVENT")[0]
    assert (
        str(event["SUMMARY"]).startswith("March meeting")
        and event["LOCATION"] == "Room 4, Example House"
    )


def _record_attendance_and_publish_the_minutes(page, meeting_url, mailoutbox):
    """Ben and Cal came; the minutes, with an action point for Ben, go to every member."""
    sign_in(page, "lead@example.nhs.uk")  # a day idle: the session has expired
    page.goto(meeting_url)
    page.get_by_role("link", name="Record attendance").click()
    assert_accessible(page)
    page.get_by_label("Ben Member").check()
    page.get_by_label("Cal Member").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Attendance has been recorded"
    )
    page.get_by_role("link", name="Write the minutes").click()
    assert_accessible(page)
    page.get_by_label("Notes").fill("We reviewed the falls audit.")
    page.get_by_label("Decisions, one per line").fill("Adopt the medication review template")
    page.get_by_label("New action point (optional)").fill("Share the audit tool with care homes")
    page.get_by_label("Owner").select_option(label="Ben Member")
    mailoutbox.clear()
    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("published")
    assert_accessible(page)
    recipients = sorted(m.to[0] for m in mailoutbox if m.subject.startswith("Minutes"))
    assert recipients == [
        "ann@example.org",
        "ben@example.org",
        "cal@example.org",
        "dee@example.org",
        "lead@example.nhs.uk",
    ]


def test_a_convener_records_a_past_meeting_and_cannot_schedule_one(page, mailoutbox):
    community = CommunityFactory(name="Sepsis Champions", slug="sepsis", visibility="listed")
    MembershipFactory(
        community=community,
        role="convener",
        user=UserFactory(email="lead@example.nhs.uk", name="Lee Lead"),
    )
    MembershipFactory(
        community=community, user=UserFactory(email="ann@example.org", name="Ann Member")
    )
    held = timezone.localtime(timezone.now() - timedelta(days=3)).replace(hour=10, minute=0)

    sign_in(page, "lead@example.nhs.uk")
    page.goto("/communities/sepsis/meetings/")
    # Scheduling is for meetings to come: the refusal points to the honest path.
    page.get_by_role("button", name="Schedule a meeting").click()
    page.get_by_label("Title").fill("Sepsis huddle")
    page.get_by_label("Starts").fill(f"{held:%Y-%m-%dT%H:%M}")
    page.get_by_label("Ends").fill(f"{held + timedelta(hours=1):%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.locator("#id_starts_at_error")).to_contain_text("Record a past meeting")
    assert_accessible(page)

    page.goto("/communities/sepsis/meetings/")
    page.get_by_role("link", name="Record a past meeting").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Sepsis huddle")
    page.get_by_label("Starts").fill(f"{held:%Y-%m-%dT%H:%M}")
    page.get_by_label("Ends").fill(f"{held + timedelta(hours=1):%Y-%m-%dT%H:%M}")
    page.get_by_label("Ann Member").check()
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sepsis huddle")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("nobody was e-mailed")
    expect(page.locator("main")).to_contain_text("Attended")
    assert_accessible(page)
    assert mailoutbox == []

    # Its minutes are published at once.
    page.get_by_role("link", name="Write the minutes").click()
    page.get_by_label("Notes").fill("We agreed the escalation poster.")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("published")
    assert sorted(m.to[0] for m in mailoutbox if m.subject.startswith("Minutes")) == [
        "ann@example.org",
        "lead@example.nhs.uk",
    ]


def test_the_calendar_address_is_copied_with_one_click_and_selectable_without_script(
    page, browser, live_server
):
    UserFactory(email="ann@example.org", name="Ann Member")
    sign_in(page, "ann@example.org")
    page.context.grant_permissions(["clipboard-write"])
    page.goto("/my/calendar/")
    address = page.get_by_label("Your calendar address").input_value()
    assert address.startswith(live_server.url + "/calendar/") and address.endswith(".ics")
    assert_accessible(page)
    page.get_by_role("button", name="Copy the address").click()
    # Said once the browser has taken the address onto the clipboard.
    expect(page.get_by_role("status")).to_have_text(
        "Copied. Paste the address into your calendar program."
    )
    expect(page.get_by_role("link", name="Add it to Google Calendar")).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/calendar/render\?cid=webcal%3A%2F%2F")
    )
    assert_accessible(page)

    # Without scripts: no button that would do nothing, and the address is there to select.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.add_cookies(page.context.cookies())
    bare = context.new_page()
    bare.goto("/my/calendar/")
    expect(bare.get_by_role("button", name="Copy the address")).to_be_hidden()
    expect(bare.get_by_label("Your calendar address")).to_have_value(address)
    expect(bare.get_by_label("Your calendar address")).to_be_editable(editable=False)
    context.close()


def test_a_member_registers_for_a_whole_series_and_sees_it_once_at_home(page, mailoutbox):
    community = CommunityFactory(name="Falls Prevention", slug="falls", visibility="listed")
    lead = MembershipFactory(community=community, role="convener").user
    MembershipFactory(
        community=community, user=UserFactory(email="ann@example.org", name="Ann Member")
    )
    _, meetings = series_every_four_weeks(community=community, actor=lead)

    sign_in(page, "ann@example.org")
    page.goto("/")
    rows = page.locator(".app-home-meetings li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("a series: 7 meetings to come")
    expect(rows.first).to_contain_text("not registered")
    assert_accessible(page)
    rows.first.get_by_role("link", name="Falls huddle").click()
    page.get_by_role("button", name="Register for the whole series").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "registered for the 7 meetings of this series to come"
    )
    assert_accessible(page)
    assert [m.subject for m in mailoutbox if m.to == ["ann@example.org"]][-1] == (
        "You are registered for the series: Falls huddle"
    )
    page.goto("/")
    expect(page.locator(".app-home-meetings li").first).to_contain_text("registered for the series")

    page.goto(f"/meetings/{meetings[3].pk}/")
    page.get_by_role("link", name="Leave the series").click()
    assert_accessible(page)
    page.get_by_role("button", name="Leave the series").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("You have left the series")
