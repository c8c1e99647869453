"""The minutes document: stored under a random name, shown and downloaded under its own,
and deleted once it is replaced or removed (never when the change rolls back)."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Minutes

# The browser tests' own fixtures, for the journey at the end.
from tests.browser.conftest import (  # noqa: F401
    assert_accessible,
    browser_context_args,
    browser_type_launch_args,
    page,
)
from tests.browser.test_account_journeys import sign_in
from tests.conftest import field_error, soup
from tests.factories import (
    MINIMAL_PDF,
    CommunityFactory,
    MeetingFactory,
    MembershipFactory,
    MinutesFactory,
    UserFactory,
)
from tests.meetings.test_views import convener_setup

RANDOM_NAME = re.compile(r"^minutes/[0-9a-f]{32}\.(pdf|docx)$")

# Tests that commit for real (and flush afterwards) restore the migrated data, as the other
# transactional tests do, so that tests after them find it.
COMMITS = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def stored_minutes_files():
    """The storage names of every file under minutes/ (a document's name is one of them)."""
    try:
        return sorted(f"minutes/{name}" for name in default_storage.listdir("minutes")[1])
    except FileNotFoundError:
        return []


def pdf(name, marker=b""):
    return SimpleUploadedFile(name, MINIMAL_PDF + marker, content_type="application/pdf")


def post_minutes(client, meeting, capture, **data):
    """The minutes form as a convener sends it, committed (its on-commit work run)."""
    with capture(execute=True):
        return client.post(
            reverse("meetings:minutes", args=[meeting.pk]),
            {"notes": "Kept", "decisions": "", "save": "1", **data},
        )


def document_name(meeting):
    return Minutes.objects.get(meeting=meeting).document.name


@pytest.fixture
def meeting(client, db):
    """A meeting held yesterday; the client is signed in as its community's convener."""
    _, _, meeting = convener_setup(client, starts_in=-timedelta(days=1))
    return meeting


@pytest.mark.django_db
def test_stored_under_a_random_name_shown_and_downloaded_under_its_own(
    client, meeting, django_capture_on_commit_callbacks
):
    response = post_minutes(
        client, meeting, django_capture_on_commit_callbacks, document=pdf("pwned.pdf")
    )
    assert response.status_code == 302
    stored = document_name(meeting)
    assert RANDOM_NAME.match(stored) and "pwned" not in stored
    assert stored_minutes_files() == [stored]

    detail = soup(client.get(reverse("meetings:detail", args=[meeting.pk])))
    link = detail.find("a", href=reverse("meetings:minutes_document", args=[meeting.pk]))
    assert "pwned.pdf" in link.get_text()
    form = soup(client.get(reverse("meetings:minutes", args=[meeting.pk])))
    assert "The current document is pwned.pdf" in form.find(id="id_document_helptext").get_text()

    download = client.get(reverse("meetings:minutes_document", args=[meeting.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="pwned.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == MINIMAL_PDF


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("uploaded", "offered"),
    [
        ("@@.pdf", "file.pdf"),
        ("...pdf", "file.pdf"),
        ("<script>alert(1)<script>.pdf", "scriptalert1script.pdf"),
        ("Minutes of 3 March.pdf", "Minutes_of_3_March.pdf"),
    ],
)
def test_any_file_name_is_taken_and_offered_made_safe(
    client, meeting, django_capture_on_commit_callbacks, uploaded, offered
):
    response = post_minutes(
        client, meeting, django_capture_on_commit_callbacks, document=pdf(uploaded)
    )
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=meeting)
    assert RANDOM_NAME.match(minutes.document.name)
    assert minutes.document_name == offered
    download = client.get(reverse("meetings:minutes_document", args=[meeting.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="{offered}"'


@pytest.mark.django_db
def test_replacing_twice_leaves_only_the_current_file(
    client, meeting, django_capture_on_commit_callbacks
):
    for number in (1, 2, 3):
        post_minutes(
            client,
            meeting,
            django_capture_on_commit_callbacks,
            document=pdf(f"minutes-{number}.pdf", marker=str(number).encode()),
        )
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.document_name == "minutes-3.pdf"
    assert stored_minutes_files() == [minutes.document.name]
    download = client.get(reverse("meetings:minutes_document", args=[meeting.pk]))
    assert b"".join(download.streaming_content) == MINIMAL_PDF + b"3"


@pytest.mark.django_db
def test_saving_without_a_new_file_keeps_the_document(
    client, meeting, django_capture_on_commit_callbacks
):
    post_minutes(client, meeting, django_capture_on_commit_callbacks, document=pdf("plan.pdf"))
    stored = document_name(meeting)
    post_minutes(client, meeting, django_capture_on_commit_callbacks, notes="Changed")
    assert document_name(meeting) == stored
    assert stored_minutes_files() == [stored]


@pytest.mark.django_db
def test_removing_the_document_deletes_its_file(
    client, meeting, django_capture_on_commit_callbacks
):
    post_minutes(client, meeting, django_capture_on_commit_callbacks, document=pdf("pwned.pdf"))
    response = post_minutes(
        client, meeting, django_capture_on_commit_callbacks, remove_document="on"
    )
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=meeting)
    assert not minutes.document and minutes.document_name == ""
    assert stored_minutes_files() == []
    detail = soup(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert "Download the minutes document" not in detail.get_text()
    assert client.get(reverse("meetings:minutes_document", args=[meeting.pk])).status_code == 404
    # With no document, the form offers nothing to remove.
    form = soup(client.get(reverse("meetings:minutes", args=[meeting.pk])))
    assert form.find("input", attrs={"name": "remove_document"}) is None


@pytest.mark.django_db
def test_removing_and_uploading_at_once_is_an_error_next_to_the_field(
    client, meeting, django_capture_on_commit_callbacks
):
    post_minutes(client, meeting, django_capture_on_commit_callbacks, document=pdf("first.pdf"))
    stored = document_name(meeting)
    response = post_minutes(
        client,
        meeting,
        django_capture_on_commit_callbacks,
        document=pdf("second.pdf"),
        remove_document="on",
    )
    assert response.status_code == 200
    assert (
        field_error(soup(response), "id_remove_document")
        == "Choose a new document or remove the current one, not both"
    )
    assert document_name(meeting) == stored
    assert stored_minutes_files() == [stored]


@COMMITS
def test_a_replacement_that_rolls_back_keeps_the_old_file(client):
    community = CommunityFactory()
    lead = MembershipFactory(community=community, role="convener").user
    start = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(community=community, title="Huddle", starts_at=start)
    fields = {"meeting": meeting, "actor": lead, "notes": "", "decisions": ""}
    services.minutes_save(previous_minutes_agreed=False, document=pdf("first.pdf"), **fields)
    old = document_name(meeting)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.minutes_save(previous_minutes_agreed=False, document=pdf("second.pdf"), **fields)
        raise RuntimeError("something after the replacement failed")
    assert document_name(meeting) == old
    assert default_storage.exists(old)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.minutes_save(previous_minutes_agreed=False, remove_document=True, **fields)
        raise RuntimeError("something after the removal failed")
    assert document_name(meeting) == old
    assert default_storage.exists(old)

    client.force_login(lead)
    download = client.get(reverse("meetings:minutes_document", args=[meeting.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="first.pdf"'

    # Committed, the replacement deletes the old file.
    services.minutes_save(previous_minutes_agreed=False, document=pdf("second.pdf"), **fields)
    assert not default_storage.exists(old)
    assert default_storage.exists(document_name(meeting))


@COMMITS
def test_a_save_that_fails_deletes_the_new_file_and_keeps_the_old():
    community = CommunityFactory()
    lead = MembershipFactory(community=community).user
    start = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(community=community, title="Huddle", starts_at=start)
    fields = {"meeting": meeting, "actor": lead, "notes": "", "decisions": ""}
    services.minutes_save(previous_minutes_agreed=False, document=pdf("first.pdf"), **fields)
    old = document_name(meeting)
    with pytest.raises(IntegrityError):
        services.minutes_save(
            previous_minutes_agreed=False,
            document=pdf("second.pdf"),
            actions=[{"description": None}],  # refused by the database, after the replacement
            **fields,
        )
    assert document_name(meeting) == old
    assert stored_minutes_files() == [old]


@pytest.mark.django_db
def test_a_document_stored_under_its_old_name_still_downloads_and_goes_when_replaced(
    client, meeting, django_capture_on_commit_callbacks
):
    """Documents stored before random names keep their paths (the row names them)."""
    old = default_storage.save("minutes/report.pdf", ContentFile(MINIMAL_PDF))
    MinutesFactory(meeting=meeting, document=old, document_name="report.pdf")
    download = client.get(reverse("meetings:minutes_document", args=[meeting.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert b"".join(download.streaming_content) == MINIMAL_PDF

    post_minutes(client, meeting, django_capture_on_commit_callbacks, document=pdf("new.pdf"))
    assert not default_storage.exists(old)
    assert stored_minutes_files() == [document_name(meeting)]


@pytest.mark.django_db
def test_a_missing_file_is_not_found(client, meeting):
    MinutesFactory(meeting=meeting, document="minutes/gone.pdf", document_name="gone.pdf")
    assert client.get(reverse("meetings:minutes_document", args=[meeting.pk])).status_code == 404


@pytest.mark.django_db
def test_the_migration_makes_existing_download_names_safe(meeting):
    minutes = MinutesFactory(
        meeting=meeting, document="minutes/Plan_final.docx", document_name="Plan (final) <v2>.docx"
    )
    other = convener_setup_meeting(meeting)
    unnamed = MinutesFactory(meeting=other, document="minutes/Notes_March.pdf")
    migration = importlib.import_module("meetings.migrations.0004_minutes_document_random_name")
    migration.sanitise_document_names(apps, None)
    minutes.refresh_from_db()
    unnamed.refresh_from_db()
    assert minutes.document_name == "Plan_final_v2.docx"
    assert minutes.document.name == "minutes/Plan_final.docx"  # the path stays
    assert unnamed.document_name == "Notes_March.pdf"


def convener_setup_meeting(meeting):
    start = timezone.now() - timedelta(days=2)
    return MeetingFactory(community=meeting.community, title="Earlier", starts_at=start)


# --- the convener's journey in the browser, axe-core on each page it passes through -------------


@pytest.mark.browser
@COMMITS
def test_a_convener_uploads_replaces_and_removes_the_document_in_the_browser(page):  # noqa: F811
    community = CommunityFactory(name="Falls Prevention", visibility="listed")
    lead = UserFactory(email="lead@example.nhs.uk", name="Lee Lead")
    MembershipFactory(community=community, role="convener", user=lead)
    start = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(community=community, title="March meeting", starts_at=start)
    sign_in(page, "lead@example.nhs.uk")
    pdf_file = {"name": "pwned.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}

    page.goto(reverse("meetings:minutes", args=[meeting.pk]))
    assert_accessible(page)
    page.get_by_label("Minutes document (optional)").set_input_files(pdf_file)
    page.get_by_role("button", name="Save draft").click()
    link = page.get_by_role("link", name="Download the minutes document: pwned.pdf")
    link.wait_for()
    assert_accessible(page)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "pwned.pdf"

    page.goto(reverse("meetings:minutes", args=[meeting.pk]))
    assert (
        "The current document is pwned.pdf" in page.get_by_text("The current document").inner_text()
    )
    page.get_by_label("Replace the minutes document (optional)").set_input_files(
        {**pdf_file, "name": "second.pdf"}
    )
    page.get_by_label("Remove the minutes document").check()
    page.get_by_role("button", name="Save draft").click()
    page.locator("#id_remove_document_error").wait_for()
    assert_accessible(page)

    page.get_by_label("Replace the minutes document (optional)").set_input_files([])
    page.get_by_label("Remove the minutes document").check()
    page.get_by_role("button", name="Save draft").click()
    page.locator(".nhsuk-notification-banner").wait_for()
    assert page.get_by_text("Download the minutes document").count() == 0
    assert stored_minutes_files() == []
