"""Meeting pages: scheduling, registration, minutes, feeds. Every URL for every kind of
person is in tests/test_access.py."""

from datetime import UTC, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings import services
from meetings.models import Meeting, Registration
from tests.conftest import field_error, soup
from tests.factories import (
    ActionItemFactory,
    CommunityFactory,
    ConvenedCommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    NetworkFactory,
    RegistrationFactory,
    UserFactory,
    meeting_made,
)

pytestmark = pytest.mark.django_db


def test_private_meetings_never_in_feeds_or_lists(client, world):
    network, people = world
    community = CommunityFactory(network=network, visibility="private", name="Hidden Group")
    start = timezone.now() + timedelta(days=3)
    MeetingFactory(
        community=community, title="Secret meeting", starts_at=start, visibility="public"
    )
    outsider_feed = services.calendar_feed_get(user=people["outsider"])
    services.calendar_feed_settings(user=people["outsider"], include_community_meetings=True)
    assert (
        b"Secret meeting"
        not in client.get(reverse("meetings:personal_feed", args=[outsider_feed.token])).content
    )
    assert client.get(reverse("meetings:community_feed", args=[community.slug])).status_code == 404


def convener_setup(client, *, starts_in=timedelta(days=5), **meeting_fields):
    """(community, its convener, a two-hour meeting of it, unannounced), the client signed in
    as the convener."""
    community = ConvenedCommunityFactory(visibility="public")
    client.force_login(community.lead)
    meeting = meeting_made(
        community=community,
        actor=community.lead,
        starts_in=starts_in,
        hours=2,
        announce=False,
        **meeting_fields,
    )
    return community, community.lead, meeting


def meeting_form(**overrides):
    data = {
        "title": "Sepsis huddle",
        "kind": "meeting",
        "agenda": "- Welcome",
        "starts_at": "2030-03-29T14:00",
        "ends_at": "2030-03-29T16:00",
        "format": "in-person",
        "venue": "Room 4",
        "joining_link": "",
        "capacity": "",
        "visibility": "members",
        "reminder_hours": "24",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2030-03-29T13:00"}, "ends_at", "end must be after the start"),
        ({"joining_link": "teams meeting"}, "joining_link", "full web address"),
        ({"format": "online"}, "joining_link", "Enter the joining link"),
        ({"title": ""}, "title", "Enter a title"),
        ({"starts_at": "not a date"}, "starts_at", "real date"),
    ],
)
def test_schedule_bad_input(client, overrides, field, message):
    community, _, _ = convener_setup(client)
    before = Meeting.objects.count()
    response = client.post(
        reverse("meetings:schedule", args=[community.slug]), meeting_form(**overrides)
    )
    assert message.lower() in (field_error(soup(response), f"id_{field}") or "").lower()
    assert Meeting.objects.count() == before
    assert (
        soup(response).find("textarea", attrs={"name": "agenda"}).get_text().strip() == "- Welcome"
    )


def test_schedule_across_the_clock_change(client):
    community, _, _ = convener_setup(client)
    # 29 March 2030 is before the clocks go forward (31 March); 5 April is after.
    client.post(reverse("meetings:schedule", args=[community.slug]), meeting_form())
    client.post(
        reverse("meetings:schedule", args=[community.slug]),
        meeting_form(title="After", starts_at="2030-04-05T14:00", ends_at="2030-04-05T16:00"),
    )
    before = Meeting.objects.get(title="Sepsis huddle")
    after = Meeting.objects.get(title="After")
    assert (
        before.starts_at.astimezone(UTC).hour == 14 and after.starts_at.astimezone(UTC).hour == 13
    )
    cal = Calendar.from_ical(client.get(reverse("meetings:ics", args=[after.pk])).content)
    event = cal.walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone(UTC).hour == 13


def test_capacity_below_registrations_by_the_form(client):
    community, lead, meeting = convener_setup(client, capacity=5)
    for _ in range(3):
        services.registration_create(meeting=meeting, user=UserFactory())
    local = timezone.localtime(meeting.starts_at)
    data = meeting_form(
        capacity="2",
        starts_at=f"{local:%Y-%m-%dT%H:%M}",
        ends_at=f"{timezone.localtime(meeting.ends_at):%Y-%m-%dT%H:%M}",
    )
    response = client.post(reverse("meetings:edit", args=[meeting.pk]), data)
    assert "3 people are already registered" in field_error(soup(response), "id_capacity")
    meeting.refresh_from_db()
    assert meeting.capacity == 5


def test_register_for_cancelled_or_past_meeting_gets_a_message(client):
    community, lead, meeting = convener_setup(client)
    services.meeting_cancel(meeting=meeting, actor=lead, reason="Snow")
    member = MembershipFactory(community=community).user
    client.force_login(member)
    response = client.post(reverse("meetings:register", args=[meeting.pk]), follow=True)
    assert "cancelled" in soup(response).select_one(".nhsuk-notification-banner").get_text()
    assert not Registration.objects.filter(user=member).exists()


def test_minutes_file_must_be_pdf_or_docx(client):
    community, lead, meeting = convener_setup(client, starts_in=-timedelta(days=1))
    url = reverse("meetings:minutes", args=[meeting.pk])
    fake = SimpleUploadedFile(
        "minutes.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf"
    )
    response = client.post(url, {"notes": "Kept", "decisions": "", "document": fake, "save": "1"})
    assert "must be a PDF or a Word" in field_error(soup(response), "id_document")
    assert soup(response).find("textarea", attrs={"name": "notes"}).get_text().strip() == "Kept"
    assert (
        not hasattr(Meeting.objects.get(pk=meeting.pk), "minutes") or not meeting.minutes.document
    )
    good = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    client.post(url, {"notes": "Kept", "decisions": "", "document": good, "save": "1"})
    meeting.refresh_from_db()
    assert meeting.minutes.document
    download = client.get(reverse("meetings:minutes_document", args=[meeting.pk]))
    assert (
        download["X-Content-Type-Options"] == "nosniff"
        and "attachment" in download["Content-Disposition"]
    )


def test_markdown_agenda_is_sanitised(client):
    community, lead, meeting = convener_setup(client)
    services.meeting_update(
        meeting=meeting,
        actor=lead,
        agenda="**Hi** <script>alert(1)</script> <img src=x onerror=alert(1)>",
    )
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "<strong>Hi</strong>" in html and "<script>alert" not in html and "onerror" not in html


def test_joining_link_only_for_registered_and_conveners(client):
    community, lead, meeting = convener_setup(
        client, format="online", joining_link="https://meet.example.org/abc"
    )
    assert (
        "meet.example.org/abc"
        in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    )
    member = MembershipFactory(community=community).user
    client.force_login(member)
    meeting.visibility = "public"
    meeting.save()
    assert (
        "meet.example.org/abc"
        not in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    )
    assert b"meet.example.org" not in client.get(reverse("meetings:ics", args=[meeting.pk])).content
    client.post(reverse("meetings:register", args=[meeting.pk]))
    assert (
        "meet.example.org/abc"
        in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    )


def test_feed_follows_changes_with_sequence_and_cancellation(client):
    community, lead, meeting = convener_setup(client)
    member = MembershipFactory(community=community).user
    services.registration_create(meeting=meeting, user=member)
    feed = services.calendar_feed_get(user=member)
    url = reverse("meetings:personal_feed", args=[feed.token])

    def event():
        return Calendar.from_ical(client.get(url).content).walk("VEVENT")[0]

    first = event()
    services.meeting_update(
        meeting=meeting,
        actor=lead,
        starts_at=meeting.starts_at + timedelta(hours=1),
        ends_at=meeting.ends_at + timedelta(hours=1),
    )
    moved = event()
    assert moved["UID"] == first["UID"] and moved["SEQUENCE"] > first["SEQUENCE"]
    services.meeting_cancel(meeting=Meeting.objects.get(pk=meeting.pk), actor=lead, reason="Snow")
    cancelled = event()
    assert cancelled["STATUS"] == "CANCELLED" and cancelled["SEQUENCE"] > moved["SEQUENCE"]
    old_token = feed.token
    services.calendar_feed_reset(user=member)
    assert client.get(reverse("meetings:personal_feed", args=[old_token])).status_code == 404


def test_attended_record_csv(client):
    community, lead, meeting = convener_setup(client, starts_in=-timedelta(days=3))
    member = MembershipFactory(community=community).user
    RegistrationFactory(meeting=meeting, user=member, status="registered")
    services.attendance_record(
        meeting=meeting, actor=lead, attended_ids=[Registration.objects.get(user=member).pk]
    )
    client.force_login(member)
    body = client.get(reverse("meetings:attended") + "?format=csv").content.decode("utf-8-sig")
    assert "Monthly meeting" in body and "120" in body
    # The kind of meeting, named as such (it sat under "Topic").
    assert body.splitlines()[0] == "Date,Community or network,Meeting,Duration (minutes),Kind"
    assert "Monthly meeting" in client.get(reverse("meetings:attended")).content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_query_counts_constant(client, get_within, size):
    community, lead, meeting = convener_setup(client, capacity=100)
    for i in range(size):
        services.registration_create(
            meeting=meeting, user=MembershipFactory(community=community).user
        )
        start = timezone.now() + timedelta(days=10 + i)
        MeetingFactory(community=community, title=f"M{i}", starts_at=start)
        ActionItemFactory(meeting=meeting, description=f"Action {i}")
    feed = services.calendar_feed_get(user=lead)
    services.calendar_feed_settings(user=lead, include_community_meetings=True)
    get_within(reverse("meetings:community_list", args=[community.slug]), 14)
    get_within(reverse("meetings:detail", args=[meeting.pk]), 20)
    get_within(reverse("meetings:personal_feed", args=[feed.token]), 6)
    get_within(reverse("meetings:community_feed", args=[community.slug]), 6)


@pytest.mark.eager_tasks
def test_programme_manager_schedules_a_network_event_for_every_community(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    network = NetworkFactory()
    manager = UserFactory()
    network.managers.add(manager)
    members = [
        MembershipFactory(community=CommunityFactory(network=network)).user for _ in range(3)
    ]
    outsider = MembershipFactory(community=CommunityFactory()).user
    client.force_login(manager)
    data = meeting_form(title="Launch event", kind="launch", capacity="300", visibility="members")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:schedule_network_event", args=[network.slug]), data
        )
    event = Meeting.objects.get(title="Launch event")
    assert response.status_code == 302 and event.network == network and event.community is None
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in members)
    client.force_login(members[0])
    client.post(reverse("meetings:register", args=[event.pk]))
    assert Registration.objects.get(meeting=event, user=members[0]).status == "registered"
    client.force_login(outsider)
    assert client.get(reverse("meetings:detail", args=[event.pk])).status_code == 404
    page = soup(client.get(reverse("communities:network", args=[network.slug])))
    assert "Launch event" not in page.get_text()
    client.force_login(members[1])
    assert (
        "Launch event"
        in soup(client.get(reverse("communities:network", args=[network.slug]))).get_text()
    )


def test_owner_marks_an_action_done(client):
    community, lead, meeting = convener_setup(client)
    owner = MembershipFactory(community=community).user
    action = ActionItemFactory(meeting=meeting, description="Write the leaflet", owner=owner)
    minutes = MinutesFactory(meeting=meeting)
    # While the minutes are a draft, the action point is the conveners' alone.
    client.force_login(owner)
    assert "Write the leaflet" not in client.get(reverse("meetings:my_actions")).content.decode()
    assert client.post(reverse("meetings:action_done", args=[action.pk])).status_code == 404
    minutes.status, minutes.published_at = "published", timezone.now()
    minutes.save()
    other = MembershipFactory(community=community).user
    client.force_login(other)
    assert client.post(reverse("meetings:action_done", args=[action.pk])).status_code == 404
    client.force_login(owner)
    assert "Write the leaflet" in client.get(reverse("meetings:my_actions")).content.decode()
    client.post(reverse("meetings:action_done", args=[action.pk]))
    action.refresh_from_db()
    assert action.status == "done"
    rows = soup(client.get(reverse("meetings:my_actions"))).select("tbody tr")
    assert not rows


def test_attendance_with_walk_ins(client):
    community, lead, meeting = convener_setup(client, starts_in=-timedelta(hours=3))
    came = UserFactory()
    absent = UserFactory()
    for person in (came, absent):
        RegistrationFactory(meeting=meeting, user=person, status="registered")
    walk_in = UserFactory(email="walkin@example.org")
    url = reverse("meetings:attendance", args=[meeting.pk])
    response = client.post(
        url,
        {"attended": [Registration.objects.get(user=came).pk], "walk_ins": "nobody@example.org"},
    )
    assert "nobody@example.org" in field_error(soup(response), "id_walk_ins")
    client.post(
        url,
        {"attended": [Registration.objects.get(user=came).pk], "walk_ins": "walkin@example.org"},
    )
    states = dict(Registration.objects.filter(meeting=meeting).values_list("user_id", "attended"))
    assert states == {came.pk: True, absent.pk: False, walk_in.pk: True}
    assert Registration.objects.get(user=walk_in).walk_in


def minutes_post(client, meeting, document):
    url = reverse("meetings:minutes", args=[meeting.pk])
    return client.post(url, {"notes": "Kept", "decisions": "", "document": document, "save": "1"})


def docx(members):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


WORD = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (
            {**WORD, "word/media/huge.bin": b"\0" * (4 * 1024 * 1024)},
            "expands to more than 100 times",
        ),
        ({**WORD, "../../evil.sh": b"x"}, "unsafe names"),
        ({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<w/>"}, "must be a PDF or a Word"),
    ],
    ids=["zip bomb", "unsafe name", "a spreadsheet named .docx"],
)
def test_minutes_documents_go_through_the_upload_checks(client, members, message):
    """A Word file is a zip archive: the minutes form refuses what every upload refuses
    (core.uploads), with the message next to the field, and keeps the notes."""
    community, lead, meeting = convener_setup(client, starts_in=-timedelta(days=1))
    bad = SimpleUploadedFile("minutes.docx", docx(members))
    response = minutes_post(client, meeting, bad)
    assert message in field_error(soup(response), "id_document")
    assert soup(response).find("textarea", attrs={"name": "notes"}).get_text().strip() == "Kept"
    assert not hasattr(Meeting.objects.get(pk=meeting.pk), "minutes")


def refuse_every_file(data, name):
    from core.uploads import UploadRefused

    raise UploadRefused("The selected file contains a virus", code="virus")


def test_minutes_documents_are_virus_scanned_when_a_scanner_is_set(client, settings):
    community, lead, meeting = convener_setup(client, starts_in=-timedelta(days=1))
    pdf = b"%PDF-1.4\n%%EOF\n"
    settings.UPLOAD_SCANNER = "tests.meetings.test_views.refuse_every_file"
    response = minutes_post(client, meeting, SimpleUploadedFile("minutes.pdf", pdf))
    assert "contains a virus" in field_error(soup(response), "id_document")
    assert not hasattr(Meeting.objects.get(pk=meeting.pk), "minutes")
    settings.UPLOAD_SCANNER = None
    minutes_post(client, meeting, SimpleUploadedFile("minutes.pdf", pdf))
    assert Meeting.objects.get(pk=meeting.pk).minutes.document


def _past_meetings(community, count):
    for i in range(count):
        start = timezone.now() - timedelta(days=7 * (i + 1))
        past = MeetingFactory(community=community, title=f"Past {i}", starts_at=start)
        for _ in range(2):
            RegistrationFactory(
                meeting=past, user=MembershipFactory(community=community).user, attended=True
            )


def test_the_meeting_list_counts_only_the_meetings_it_shows(client):
    """The page of past meetings is chosen first and counted after: the same queries for a
    short history as for a long one, and the right counts on each page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    community, lead, _meeting = convener_setup(client)
    url = reverse("meetings:community_list", args=[community.slug])
    _past_meetings(community, 3)
    with CaptureQueriesContext(connection) as short:
        response = client.get(url)
    assert response.status_code == 200
    _past_meetings(community, 40)
    with CaptureQueriesContext(connection) as long:
        response = client.get(url + "?page=2")
    assert response.status_code == 200
    assert len(long.captured_queries) == len(short.captured_queries)
    page = response.context["page"]
    assert page.number == 2 and len(page.object_list) == 20
    assert all(m.attended_count == 2 for m in page.object_list)
    starts = [m.starts_at for m in page.object_list]
    assert starts == sorted(starts, reverse=True)
    # Each row links to its meeting's page.
    links = [a["href"] for a in soup(response).select("table")[-1].select("tbody a")]
    assert links == [reverse("meetings:detail", args=[m.pk]) for m in page.object_list]
