"""Stored uploads: random names, safe download names, and bytes deleted only once the
change that drops them commits (a replaced or removed file, an erased resource, an erased
account)."""

import logging
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.personal_data import account_erase
from communities.models import Membership
from core import uploads
from knowledge import personal_data as knowledge_personal_data
from knowledge import services as knowledge_services
from knowledge.models import Resource, ResourceVersion
from tests.factories import MINIMAL_PDF, CommunityFactory, MembershipFactory, resource_shared

# Tests that commit for real (and flush afterwards) restore the migrated data, as the other
# transactional tests do, so that tests after them find it.
COMMITS = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def saved(name="notes/file.txt", data=b"Some notes\n"):
    return default_storage.save(name, ContentFile(data))


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "offered"),
    [
        ("pwned.pdf", "pwned.pdf"),
        ("@@.pdf", "file.pdf"),
        ("...pdf", "file.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("..\\..\\windows\\report.pdf", "report.pdf"),
        ("Audit March 2024.pdf", "Audit_March_2024.pdf"),
        ("report.exe", "report.pdf"),  # the extension is the one the content has
        ("", "file.pdf"),
    ],
)
def test_a_download_name_is_made_safe_whatever_the_file_was_called(uploaded, offered):
    assert uploads.download_name(uploaded, "pdf") == offered
    if uploaded:
        assert uploads.check_upload(SimpleUploadedFile(uploaded, MINIMAL_PDF)).name == offered


def test_store_saves_under_a_random_name_with_the_detected_extension():
    upload = SimpleUploadedFile("pwned.txt", MINIMAL_PDF)
    first, checked = uploads.store(upload, folder="minutes")
    second, _ = uploads.store(SimpleUploadedFile("pwned.txt", MINIMAL_PDF), folder="minutes")
    for name in (first, second):
        assert re.fullmatch(r"minutes/[0-9a-f]{32}\.pdf", name)
    assert first != second
    assert checked.name == "pwned.pdf" and checked.content_type == "application/pdf"
    with default_storage.open(first, "rb") as handle:
        assert handle.read() == MINIMAL_PDF


def test_store_refuses_before_saving_anything():
    with pytest.raises(uploads.UploadRefused):
        uploads.store(SimpleUploadedFile("pwned.pdf", b"<html>hi</html>"), folder="minutes")
    assert not default_storage.exists("minutes")


# --- deleting on commit ---------------------------------------------------------------------------


@COMMITS
def test_a_file_is_deleted_only_once_the_transaction_commits():
    name = saved()
    with transaction.atomic():
        uploads.delete_file_on_commit(default_storage, name)
        assert default_storage.exists(name)
    assert not default_storage.exists(name)


@COMMITS
def test_a_file_is_kept_when_the_transaction_rolls_back():
    name = saved()
    with pytest.raises(RuntimeError), transaction.atomic():
        uploads.delete_file_on_commit(default_storage, name)
        raise RuntimeError("rolled back")
    assert default_storage.exists(name)
    # Rolled back to a savepoint only: the outer transaction commits, the file stays.
    with transaction.atomic():
        try:
            with transaction.atomic():
                uploads.delete_file_on_commit(default_storage, name)
                raise RuntimeError("savepoint rolled back")
        except RuntimeError:
            pass
    assert default_storage.exists(name)


@COMMITS
def test_outside_a_transaction_the_file_goes_at_once_and_no_name_is_nothing():
    name = saved()
    uploads.delete_file_on_commit(default_storage, name)
    assert not default_storage.exists(name)
    uploads.delete_file_on_commit(default_storage, "")  # a row with no file: nothing to do
    uploads.delete_file_on_commit(default_storage, name)  # already gone: nothing to do


class UndeletableStorage(FileSystemStorage):
    def delete(self, name):
        raise PermissionError(f"read-only: {name}")


@COMMITS
def test_a_file_that_cannot_be_deleted_does_not_undo_the_commit(settings, caplog):
    storage = UndeletableStorage(location=settings.MEDIA_ROOT)
    name = saved()
    community = CommunityFactory()
    with caplog.at_level(logging.ERROR, logger="core.uploads"), transaction.atomic():
        community.name = "Renamed"
        community.save(update_fields=["name"])
        uploads.delete_file_on_commit(storage, name)
    community.refresh_from_db()
    assert community.name == "Renamed"
    assert default_storage.exists(name)
    assert f"Could not delete the stored file {name}" in caplog.text


# --- erasure --------------------------------------------------------------------------------------


def resource_with_file(owner, community, title="Falls leaflet"):
    resource = resource_shared(community=community, owner=owner, title=title)
    knowledge_services.resource_version_add(
        resource=resource,
        actor=owner,
        upload=SimpleUploadedFile("falls v2.pdf", MINIMAL_PDF + b"2"),
        change_note="Second edition.",
    )
    return [v.file.name for v in resource.versions.all()]


@pytest.fixture
def author():
    community = CommunityFactory()
    person = MembershipFactory(community=community).user
    MembershipFactory(community=community, role=Membership.Role.CONVENER)
    return person, community


@COMMITS
def test_erasing_resource_versions_deletes_their_files_once_committed(author):
    person, community = author
    names = resource_with_file(person, community)
    other = resource_with_file(MembershipFactory(community=community).user, community, "Other")
    with transaction.atomic():
        knowledge_personal_data.erase(person, remove_contributions=True)
        assert not ResourceVersion.objects.filter(file__in=names).exists()
        assert all(default_storage.exists(n) for n in names)  # not before the commit
    assert not any(default_storage.exists(n) for n in names)
    assert all(default_storage.exists(n) for n in other)  # someone else's stay


@COMMITS
def test_a_resource_version_erasure_that_rolls_back_keeps_the_files(author):
    person, community = author
    names = resource_with_file(person, community)
    with pytest.raises(RuntimeError), transaction.atomic():
        knowledge_personal_data.erase(person, remove_contributions=True)
        raise RuntimeError("rolled back")
    assert ResourceVersion.objects.filter(file__in=names).count() == 2
    assert all(default_storage.exists(n) for n in names)


@COMMITS
def test_account_erasure_deletes_the_files_it_drops_once_committed(author):
    person, community = author
    names = resource_with_file(person, community)
    with transaction.atomic():
        account_erase(user=person, actor=None, remove_contributions=True)
        assert all(default_storage.exists(n) for n in names)
    assert not any(default_storage.exists(n) for n in names)
    assert not Resource.objects.filter(owner=person).exists()


@COMMITS
def test_account_erasure_that_rolls_back_keeps_the_files(author):
    person, community = author
    names = resource_with_file(person, community)
    with pytest.raises(RuntimeError), transaction.atomic():
        account_erase(user=person, actor=None, remove_contributions=True)
        raise RuntimeError("rolled back")
    assert all(default_storage.exists(n) for n in names)
    person.refresh_from_db()
    assert person.is_active and Resource.objects.filter(owner=person).exists()


@COMMITS
def test_account_erasure_keeping_contributions_keeps_the_files(author):
    person, community = author
    names = resource_with_file(person, community)
    account_erase(user=person, actor=None, remove_contributions=False)
    assert all(default_storage.exists(n) for n in names)
