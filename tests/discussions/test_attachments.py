"""Files attached to replies: on the reply form, shown as download links to whoever may
read the reply, refused by content with the file named, deleted when the reply is hidden
or its author's account is erased, and in the personal-data download."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.personal_data import account_erase, export_archive
from communities.moderation.services import content_hide
from core.models import AuditEntry
from discussions import services
from discussions.models import Reply, ReplyAttachment
from tests.accounts.inbound_mail import PAGE_AS_PDF, PROGRAM_AS_PDF
from tests.conftest import error_summary, field_error, soup
from tests.discussions.conftest import start
from tests.factories import MINIMAL_PDF

pytestmark = pytest.mark.django_db

TEXT = "Our version of the protocol is attached."


def pdf(name="protocol.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def _reply(place, discussion, *, files=None, author=None):
    return services.reply_add(
        discussion=discussion,
        author=author or place.member,
        body=TEXT,
        files=[pdf()] if files is None else files,
    )


def _url(file):
    return reverse(
        "discussions:reply_attachment", args=[file.reply.discussion_id, file.reply_id, file.pk]
    )


def test_a_reply_keeps_its_files_under_random_names(place):
    reply = _reply(place, start(place), files=[pdf(), pdf("Dose chart.pdf")])
    files = list(reply.attachments.all())
    assert [f.original_name for f in files] == ["protocol.pdf", "Dose_chart.pdf"]
    assert all(f.file.name.startswith("replies/") and "protocol" not in f.file.name for f in files)
    entry = AuditEntry.objects.filter(action="reply.add").latest("pk")
    assert entry.data["files"] == 2


def test_the_reply_form_attaches_files_and_members_download_them(client, place):
    discussion = start(place)
    client.force_login(place.member)
    page = soup(client.get(discussion.get_absolute_url()))
    form = page.find("form", action=reverse("discussions:reply", args=[discussion.pk]))
    assert form["enctype"] == "multipart/form-data"
    assert form.find("input", attrs={"type": "file", "name": "attachments"}).has_attr("multiple")
    response = client.post(
        reverse("discussions:reply", args=[discussion.pk]),
        {"body": TEXT, "attachments": [pdf(), pdf("chart.png")]},
    )
    assert response.status_code == 302
    reply = Reply.objects.get()
    assert (reply.author, reply.body) == (place.member, TEXT)
    # A file is named by what it is: the "PNG" is a PDF.
    assert [f.original_name for f in reply.attachments.all()] == ["protocol.pdf", "chart.pdf"]


def test_a_disguised_file_is_named_and_the_reply_text_kept(client, place):
    discussion = start(place)
    client.force_login(place.member)
    for name, data in (PROGRAM_AS_PDF[:2], PAGE_AS_PDF[:2]):
        response = client.post(
            reverse("discussions:reply", args=[discussion.pk]),
            {"body": TEXT, "attachments": [SimpleUploadedFile(name, data)]},
        )
        assert response.status_code == 200
        page = soup(response)
        assert f"“{name}” cannot be attached" in field_error(page, "id_attachments")
        assert any(name in line for line in error_summary(page))
        assert page.find("textarea", attrs={"name": "body"}).get_text().strip() == TEXT
    assert not Reply.objects.exists()


def test_files_show_as_links_with_name_and_size(client, place):
    discussion = start(place)
    reply = _reply(place, discussion)
    client.force_login(place.author)
    article = soup(client.get(discussion.get_absolute_url())).find(id=f"reply-{reply.pk}")
    link = article.select_one(".app-attachments a")
    assert link.get_text() == "protocol.pdf" and link["href"] == _url(reply.attachments.get())
    assert f"({len(MINIMAL_PDF)}" in article.select_one(".app-attachments li").get_text()


def test_downloads_are_for_whoever_may_read_the_reply(client, place):
    file = _reply(place, start(place)).attachments.get()
    for person, status in [
        (place.author, 200),
        (place.convener, 200),
        (place.staff, 200),
        (place.outsider, 404),
    ]:
        client.force_login(person)
        assert client.get(_url(file)).status_code == status, person.name
    client.force_login(place.author)
    response = client.get(_url(file))
    assert response["Content-Disposition"] == 'attachment; filename="protocol.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    # Not under another discussion's address.
    other = start(place)
    wrong = reverse("discussions:reply_attachment", args=[other.pk, file.reply_id, file.pk])
    assert client.get(wrong).status_code == 404


def test_a_hidden_discussion_hides_its_replies_files(client, place):
    discussion = start(place)
    file = _reply(place, discussion, author=place.convener).attachments.get()
    content_hide(target=discussion, actor=place.convener, reason="Off topic")
    client.force_login(place.member)
    assert client.get(_url(file)).status_code == 404
    client.force_login(place.convener)
    assert client.get(_url(file)).status_code == 200


def test_hiding_a_reply_deletes_its_files_once_it_commits(
    client, place, django_capture_on_commit_callbacks
):
    discussion = start(place)
    reply = _reply(place, discussion, files=[pdf(), pdf("second.pdf")])
    names = [f.file.name for f in reply.attachments.all()]
    url = _url(reply.attachments.first())
    client.force_login(place.convener)
    hide = reverse("discussions:reply_hide", args=[discussion.pk, reply.pk])
    intro = soup(client.get(hide)).find("main").get_text()
    assert "Its 2 attached files are deleted, and not brought back" in intro
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(hide, {"reason": "It names a ward and a night"}).status_code == 302
    assert not ReplyAttachment.objects.exists()
    assert not any(default_storage.exists(n) for n in names)
    for person in (place.convener, place.member):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_erasure_deletes_the_files_even_when_the_words_stay(
    place, django_capture_on_commit_callbacks
):
    discussion = start(place)
    mine = _reply(place, discussion).attachments.get().file.name
    theirs = _reply(place, discussion, author=place.convener).attachments.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=place.member, actor=place.member)
    assert Reply.objects.filter(author=place.member).exists()  # the words stay
    assert not default_storage.exists(mine)
    assert default_storage.exists(theirs)
    assert ReplyAttachment.objects.get().file.name == theirs


def test_erasing_a_discussion_takes_its_replies_files(place, django_capture_on_commit_callbacks):
    discussion = start(place)
    theirs = _reply(place, discussion, author=place.convener).attachments.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=place.author, actor=place.author, remove_contributions=True)
    assert not ReplyAttachment.objects.exists()
    assert not default_storage.exists(theirs)


def test_the_personal_data_download_holds_reply_files(place):
    discussion = start(place)
    _reply(place, discussion)
    with zipfile.ZipFile(io.BytesIO(export_archive(place.member))) as archive:
        data = json.loads(archive.read("data.json"))
        names = archive.namelist()
    [row] = data["discussions"]["reply_attachments"]
    assert (row["original_name"], row["reply__discussion__title"]) == (
        "protocol.pdf",
        discussion.title,
    )
    assert [n for n in names if n.startswith("files/discussions/reply-")][0].endswith(
        "-protocol.pdf"
    )
