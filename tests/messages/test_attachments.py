"""Files sent with private messages: attached on the site, shown to the two people as
download links, downloaded by them only, refused by content with the file named next to
the field, gone with the sender's account, and in the personal-data download."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import EmailDelivery
from accounts.personal_data import account_erase, export_archive
from core.uploads import UploadRefused
from messages import services
from messages.models import Message, MessageAttachment
from tests.accounts.inbound_mail import PAGE_AS_PDF, PROGRAM_AS_PDF
from tests.conftest import error_summary, field_error, soup
from tests.factories import MINIMAL_PDF, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Here is our falls leaflet, and the audit behind it."


def pdf(name="falls-leaflet.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _conversation(conversation_id):
    return reverse("member_messages:conversation", args=[conversation_id])


@pytest.fixture
def sent(alice, bob):
    """Alice's message to Bob, with two files."""
    return services.message_send(
        sender=alice, recipient=bob, body=TEXT, files=[pdf(), pdf("Audit 2026.pdf")]
    )


def test_files_sent_are_stored_under_random_names_and_keep_theirs(sent):
    first, second = sent.attachments.order_by("pk")
    assert (first.original_name, first.content_type, first.size) == (
        "falls-leaflet.pdf",
        "application/pdf",
        len(MINIMAL_PDF),
    )
    assert second.original_name == "Audit_2026.pdf"  # made safe to offer as a file name
    for row in (first, second):
        assert row.file.name.startswith("messages/") and "leaflet" not in row.file.name
        assert "Audit" not in row.file.name
        assert default_storage.exists(row.file.name)


def test_a_refused_file_sends_nothing_and_keeps_nothing(alice, bob):
    with pytest.raises(UploadRefused):
        services.message_send(
            sender=alice, recipient=bob, body=TEXT, files=[pdf(), upload(*PAGE_AS_PDF[:2])]
        )
    assert not Message.objects.exists() and not MessageAttachment.objects.exists()
    assert default_storage.listdir("messages")[1] == []  # the good one is deleted again


def test_a_refused_sender_keeps_no_file(alice, bob):
    services.person_block(blocker=bob, blocked=alice)
    with pytest.raises(services.MessageRefused):
        services.message_send(sender=alice, recipient=bob, body=TEXT, files=[pdf()])
    assert default_storage.listdir("messages")[1] == []


def test_more_than_three_files_are_refused(alice, bob):
    with pytest.raises(UploadRefused, match="up to 3 files"):
        services.message_send(sender=alice, recipient=bob, body=TEXT, files=[pdf()] * 4)


def test_the_form_attaches_the_files_and_both_see_them_as_links(client, alice, bob):
    client.force_login(alice)
    response = client.post(
        reverse("member_messages:start", args=[bob.pk]),
        {"body": TEXT, "attachments": [pdf(), pdf("Audit.pdf")]},
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert [a.original_name for a in message.attachments.all()] == [
        "falls-leaflet.pdf",
        "Audit.pdf",
    ]
    for person in (alice, bob):
        client.force_login(person)
        page = soup(client.get(_conversation(message.conversation_id)))
        links = page.select(".app-attachments a")
        assert [a.get_text() for a in links] == ["falls-leaflet.pdf", "Audit.pdf"]
        assert "bytes" in page.select_one(".app-attachments li").get_text()
        assert client.get(links[0]["href"]).status_code == 200


def test_the_conversation_form_is_multipart_and_offers_the_files_field(client, alice, sent):
    client.force_login(alice)
    page = soup(client.get(_conversation(sent.conversation_id)))
    form = page.find("textarea", attrs={"name": "body"}).find_parent("form")
    assert form["enctype"] == "multipart/form-data"
    field = form.find("input", attrs={"type": "file"})
    assert field.has_attr("multiple") and ".pdf" in field["accept"]
    assert page.find("label", attrs={"for": field["id"]}).get_text() == "Attach files (optional)"
    assert "Up to 3 files, each smaller than 10 MB" in field_hint(page, field["id"])


def field_hint(page, field_id):
    return page.find(id=f"{field_id}_helptext").get_text()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        (PROGRAM_AS_PDF[0], PROGRAM_AS_PDF[1], "not a type we accept, whatever its name says"),
        (PAGE_AS_PDF[0], PAGE_AS_PDF[1], "web page or image markup"),
    ],
)
def test_a_disguised_file_is_named_next_to_the_field_and_the_text_kept(
    client, alice, bob, name, data, says
):
    client.force_login(alice)
    response = client.post(
        reverse("member_messages:start", args=[bob.pk]),
        {"body": TEXT, "attachments": [pdf(), upload(name, data)]},
    )
    assert response.status_code == 200
    page = soup(response)
    error = field_error(page, "id_attachments")
    assert f"“{name}” cannot be attached" in error and says in error
    assert "Choose the files again" in error
    assert any(name in line for line in error_summary(page))
    assert page.find("textarea", attrs={"name": "body"}).get_text().strip() == TEXT
    assert not Message.objects.exists()
    assert not default_storage.exists("messages")


def test_a_file_over_the_limit_is_refused_with_the_limit(client, settings, alice, bob, sent):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    client.force_login(alice)
    big = upload("scan.pdf", MINIMAL_PDF + b"%" * 1024 * 1024)
    response = client.post(_conversation(sent.conversation_id), {"body": TEXT, "attachments": big})
    error = field_error(soup(response), "id_attachments")
    assert "“scan.pdf” cannot be attached: the selected file must be smaller than 1 MB" in error
    assert Message.objects.count() == 1


def test_four_files_are_one_too_many(client, alice, bob, sent):
    client.force_login(alice)
    files = [pdf(f"part-{n}.pdf") for n in range(4)]
    response = client.post(
        _conversation(sent.conversation_id), {"body": TEXT, "attachments": files}
    )
    error = field_error(soup(response), "id_attachments")
    assert "“part-3.pdf” cannot be attached: only 3 files can be attached at a time" in error
    assert Message.objects.count() == 1


def test_only_the_two_people_download_a_file(client, community, alice, bob, sent):
    file = sent.attachments.first()
    url = reverse("member_messages:attachment", args=[sent.conversation_id, file.pk])
    client.force_login(bob)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="falls-leaflet.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    neighbour = MembershipFactory(community=community).user
    staff = UserFactory(is_staff=True)
    for person in (neighbour, staff):
        client.force_login(person)
        assert client.get(url).status_code == 404
    # Nor through another conversation of theirs.
    other = services.message_send(sender=neighbour, recipient=alice, body="Hello")
    client.force_login(neighbour)
    wrong = reverse("member_messages:attachment", args=[other.conversation_id, file.pk])
    assert client.get(wrong).status_code == 404


def test_staff_reading_a_report_see_the_names_not_the_files(client, alice, sent):
    report = services.conversation_report(
        conversation=sent.conversation, reporter=alice, reason="Spam"
    )
    client.force_login(UserFactory(is_staff=True))
    page = soup(client.get(reverse("member_messages:report_detail", args=[report.pk])))
    names = [li.get_text(" ", strip=True) for li in page.select(".app-attachments li")]
    assert [n.split(" (")[0] for n in names] == ["falls-leaflet.pdf", "Audit_2026.pdf"]
    assert page.select(".app-attachments a") == []


def test_the_e_mail_names_the_files(bob, sent):
    delivery = EmailDelivery.objects.filter(recipient=bob).latest("pk")
    assert "Alice Archer attached 2 files" in delivery.body_text
    assert "- falls-leaflet.pdf (" in delivery.body_text
    assert "<li>Audit_2026.pdf (" in delivery.body_html


def test_closing_the_account_deletes_the_files_once_it_commits(
    alice, bob, sent, django_capture_on_commit_callbacks
):
    services.message_send(sender=bob, recipient=alice, body="Thanks", files=[pdf("mine.pdf")])
    theirs = MessageAttachment.objects.get(message__sender=bob).file.name
    names = [a.file.name for a in sent.attachments.all()]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account_erase(user=alice, actor=alice)
    assert all(default_storage.exists(n) for n in names)  # not before the commit
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(n) for n in names)
    assert not MessageAttachment.objects.filter(message__sender=alice).exists()
    assert default_storage.exists(theirs)  # Bob's own file stays with Bob's message


def test_the_personal_data_download_holds_the_names_and_the_files_sent(alice, bob, sent):
    services.message_send(sender=bob, recipient=alice, body="Thanks", files=[pdf("mine.pdf")])
    with zipfile.ZipFile(io.BytesIO(export_archive(alice))) as archive:
        data = json.loads(archive.read("data.json"))
        names = archive.namelist()
    rows = data["messages"]["message_attachments"]
    assert [(r["message__sender__name"], r["original_name"]) for r in rows] == [
        ("Alice Archer", "falls-leaflet.pdf"),
        ("Alice Archer", "Audit_2026.pdf"),
        ("Bob Baker", "mine.pdf"),
    ]
    mine = [n for n in names if n.startswith("files/messages/")]
    assert len(mine) == 2 and mine[0].endswith("falls-leaflet.pdf")
    assert "files/messages/: Files you attached to private messages." in archive_readme(alice)


def archive_readme(user):
    with zipfile.ZipFile(io.BytesIO(export_archive(user))) as archive:
        return archive.read("README.txt").decode()
