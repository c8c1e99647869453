"""core.attachments: the files of a post, sorted by the site's checker into those kept and
those refused (each with why), in a form field that names every refused file, stored and
deleted with the change that records them."""

import pytest
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from core import attachments, uploads
from tests.factories import MINIMAL_PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def file(name, data=MINIMAL_PDF):
    return SimpleUploadedFile(name, data)


def test_the_first_files_that_pass_are_kept_and_the_others_named_with_why(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    files = [
        file("a.pdf"),
        file("page.pdf", b"<html><body>Hi</body></html>"),
        file("b.png", PNG),
        file("big.pdf", MINIMAL_PDF + b"%" * 2048),
        file("c.pdf"),
        file("d.pdf"),
    ]
    kept, refused = attachments.attachments_sort(files)
    assert [f.name for f in kept] == ["a.pdf", "b.png", "c.pdf"]
    assert [(r.name, r.code) for r in refused] == [
        ("page.pdf", "markup"),
        ("big.pdf", "size"),
        ("d.pdf", "count"),
    ]
    assert refused[2].text == "“d.pdf” cannot be attached: only 3 files can be attached at a time"


def test_a_place_that_takes_no_files_refuses_them_all():
    kept, refused = attachments.attachments_sort([file("a.pdf")], limit=0)
    assert kept == [] and refused[0].reason == "Files cannot be attached here"


def test_a_refused_name_is_shown_without_its_folders():
    _, [refused] = attachments.attachments_sort([file("..\\..\\evil.pdf", b"MZ\x00")])
    assert refused.name == "evil.pdf"


def test_the_attachments_limit_is_lower_than_the_site_s_never_higher(settings):
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.RESOURCE_MAX_UPLOAD_BYTES = 1024
    _, [refused] = attachments.attachments_sort([file("big.pdf", MINIMAL_PDF + b"%" * 2048)])
    assert refused.code == "size"


class PostForm(forms.Form):
    attachments = attachments.AttachmentsField()


def test_the_field_takes_several_files_and_names_each_one_refused():
    good = PostForm(files=MultiValueDict({"attachments": [file("a.pdf"), file("b.pdf")]}))
    assert good.is_valid() and [f.name for f in good.cleaned_data["attachments"]] == [
        "a.pdf",
        "b.pdf",
    ]
    bad = PostForm(
        files=MultiValueDict({"attachments": [file("a.pdf"), file("x.pdf", b"MZ\x90\x00")]})
    )
    assert not bad.is_valid()
    [refusal, again] = bad.errors["attachments"]
    assert refusal.startswith("“x.pdf” cannot be attached: the selected file is not a type")
    assert again.startswith("Choose the files again")
    assert PostForm(files=MultiValueDict()).is_valid()  # no file is fine: they are optional


def test_the_field_draws_one_input_for_several_files():
    html = str(PostForm()["attachments"])
    assert 'type="file"' in html and "multiple" in html and 'accept=".csv,.docx,' in html


@pytest.mark.django_db
def test_stored_files_are_deleted_again_if_the_block_fails():
    with (
        pytest.raises(RuntimeError),
        attachments.attachments_stored([file("a.pdf"), file("b.pdf")], folder="posts") as stored,
    ):
        assert all(default_storage.exists(name) for name, _ in stored)
        raise RuntimeError("the transaction failed")
    assert default_storage.listdir("posts")[1] == []


@pytest.mark.django_db
def test_a_refused_second_file_takes_the_first_with_it():
    with (
        pytest.raises(uploads.UploadRefused),
        attachments.attachments_stored(
            [file("a.pdf"), file("b.pdf", b"MZ\x90\x00")], folder="posts"
        ),
    ):
        pass
    assert default_storage.listdir("posts")[1] == []
