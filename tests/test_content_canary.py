"""The content canary (tests/content_canary): no page, feed, export, search or e-mail shows a
marker to someone who may not read the field it was planted in."""

import io
import json
import time
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import ROLES
from tests.content_canary import registry
from tests.content_canary.pdf import written_pdf_texts
from tests.content_canary.readers import INVITEE, SPONSOR
from tests.content_canary.world import build
from tests.test_access import TABLE, VISIBILITIES, expected

# URLs whose token is the key: whoever holds the link reads what its owner may read.
TOKEN_READERS = {
    "accounts:unsubscribe": "member",
    "communities:invitation": INVITEE,
    "meetings:personal_feed": "member",
    "conveners:sponsor": SPONSOR,
}


def run_reminders(world):
    from meetings.models import Meeting
    from meetings.services import reminders_due, reminders_queue

    due = {}
    for meeting in Meeting.objects.filter(starts_at__gt=timezone.now()):
        for m in reminders_due(now=meeting.starts_at - timedelta(minutes=5)):
            due[m.pk] = m
    for meeting in due.values():
        reminders_queue(meeting=meeting)


def run_digests(world):
    from dashboard.digest import digest_send

    _, people = world
    people["convener"].digest_frequency = "daily"  # one daily reader, the rest weekly
    people["convener"].save(update_fields=["digest_frequency"])
    for frequency in ("daily", "weekly"):
        digest_send(frequency=frequency, now=timezone.now() + timedelta(minutes=1))


def run_review_reminders(world):
    from knowledge.services import review_reminders_send

    review_reminders_send(today=timezone.localdate() + timedelta(days=400))


# Every periodic job of CELERY_BEAT_SCHEDULE that writes e-mails, run as if its time had come.
EMAIL_JOBS = {
    "meetings.tasks.send_due_reminders_task": run_reminders,
    "dashboard.tasks.send_digests_task": run_digests,
    "knowledge.tasks.send_review_reminders_task": run_review_reminders,
}
# The other periodic jobs, and why the canary need not run them.
OTHER_JOBS = {
    "accounts.tasks.sweep_pending_emails_task": "sends what the other jobs wrote; writes nothing",
    "dashboard.tasks.resume_digests_task": "builds the batches send_digests_task left unbuilt: "
    "the same digests",
    "accounts.retention.apply_retention_task": "clears personal data past its retention "
    "period: it sends and shows nothing",
}


def test_every_text_field_is_classified():
    assert registry.unclassified_text_fields() == [], (
        "register these fields in tests/content_canary/registry.py: in REGISTRY (with who "
        "may read them), PUBLIC_TEXT or NOT_CONTENT (with why)"
    )
    assert registry.stale_registrations() == [], "these registered fields are gone or not text"


def test_an_unclassified_text_field_is_caught():
    without = {**registry.REGISTRY, "meetings.ActionItem": {}}
    assert registry.unclassified_text_fields(without) == ["meetings.ActionItem.description"]


def test_every_periodic_job_is_run_by_the_canary():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks - EMAIL_JOBS.keys() - OTHER_JOBS.keys() == set()


def test_every_token_url_names_its_reader():
    assert {n for n, rule in TABLE.items() if rule == "token"} == TOKEN_READERS.keys()


def body_text(response, pdf_texts):
    """The text a response shows. A PDF the platform draws is read as its document's text
    (tests/content_canary/pdf.py), recorded in `pdf_texts` while it was drawn; an uploaded
    PDF (a resource, minutes) is read as it is."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    drawn = "\n".join(pdf_texts)
    pdf_texts.clear()
    if content.startswith(b"PK\x03\x04"):  # a zip: an Excel workbook, an archive
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"\n".join(archive.read(name) for name in archive.namelist())
    content = content.decode(errors="replace")
    # iCalendar folds long lines (RFC 5545 3.1): a marker may be cut by CRLF and a space.
    content = content.replace("\r\n ", "").replace("\n ", "")
    return content + drawn + response.get("Content-Disposition", "")


def report(leaks, markers):
    lines = [
        f"{where}: {reader} reads {marker} from {markers.by_marker[marker].source} "
        f"(for {', '.join(sorted(markers.by_marker[marker].readers))})"
        for where, reader, marker in leaks
    ]
    return f"{len(lines)} leaks:\n" + "\n".join(lines)


@pytest.fixture(params=VISIBILITIES)
def canary_world(request, world):
    return build(world, request.param)


def test_the_world_holds_a_marker_in_every_registered_field(world):
    # Every visibility's world holds the same kinds of objects: one of them is enough.
    markers = build(world, "private").markers
    registered = {
        f"{label}.{name}" for label, fields in registry.REGISTRY.items() for name in fields
    }
    assert registered - markers.fields() == set()


def test_no_page_shows_a_marker_its_reader_may_not_see(client, canary_world):
    started = time.monotonic()
    markers, place = canary_world.markers, canary_world.place
    readers = {m: marker.readers for m, marker in markers.by_marker.items()}
    leaks, seen, requests, in_pdfs = [], set(), 0, set()
    for role in ROLES:  # one sign-in per role: the GETs change nothing the next role sees
        client.logout()
        if role != "anonymous":
            client.force_login(place.people[role])
        for name, url, own in canary_world.targets:
            # Where the access table's rule holds, a URL is read by the roles it answers 200
            # (the table proves the others get 302 or 404, which show nothing); the others,
            # pointed at objects the rule does not describe, are read by everyone.
            if own and expected(TABLE[name], role, place.visibility) != 200:
                continue
            with written_pdf_texts() as pdf_texts:
                response = client.get(url)
            requests += 1
            if response.status_code in (301, 302, 405):
                continue
            token_reader = TOKEN_READERS.get(name)
            in_pdfs.update(markers.find("\n".join(pdf_texts)))
            for marker in markers.find(body_text(response, pdf_texts)):
                seen.add(marker)
                if role not in readers[marker] and token_reader not in readers[marker]:
                    leaks.append((f"GET {url} ({name}, {response.status_code})", role, marker))
    # For information (pytest -s): fields of which no marker was shown to anyone.
    shown = {s.split(" #")[0] for m in seen for s in markers.by_marker[m].source.split(", ")}
    unseen = sorted(markers.fields() - shown)
    print(
        f"{place.visibility}: never shown: {', '.join(unseen)}\n"
        f"{place.visibility}: {len(markers.by_marker)} markers, {len(seen)} seen, "
        f"{len(canary_world.targets)} URLs x {len(ROLES)} roles = {requests} requests "
        f"in {time.monotonic() - started:.1f} s; {len(in_pdfs)} markers in the PDFs drawn"
    )
    assert not leaks, report(leaks, markers)
    # The reports drawn as PDFs were read: they name the community, at least.
    assert in_pdfs, "no marker in any PDF drawn: is the canary reading their text?"


def test_no_email_carries_a_marker_its_recipient_may_not_see(canary_world, world):
    from accounts.models import EmailDelivery

    for job in EMAIL_JOBS.values():
        job(world)
    markers, readers = canary_world.markers, canary_world.readers
    leaks, checked, unchecked, seen = [], 0, [], set()
    for delivery in EmailDelivery.objects.order_by("pk"):
        reader = readers.role_of.get(delivery.recipient_id) or canary_world.emails.get(
            delivery.to_address.lower()
        )
        if reader is None:  # someone of no role: an attendee, a removed member...
            unchecked.append(delivery.purpose)
            continue
        checked += 1
        text = "\n".join(
            [delivery.subject, delivery.body_text, delivery.body_html]
            + [json.dumps(a) for a in delivery.attachments]  # file names and all
            + [a.get("content", "") for a in delivery.attachments]  # an .ics, unfolded below
        ).replace("\r\n ", "")
        for marker in markers.find(text):
            seen.add(marker)
            if reader not in markers.by_marker[marker].readers:
                leaks.append(
                    (f"e-mail {delivery.purpose} to {delivery.to_address}", reader, marker)
                )
    print(
        f"{canary_world.place.visibility}: {checked} e-mails checked ({len(unchecked)} to people "
        f"of no role), {len(seen)} markers in them"
    )
    assert checked, "no e-mail to any role: the jobs wrote nothing"
    assert not leaks, report(leaks, markers)
