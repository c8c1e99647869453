"""Files attached to a post (a private message, a reply in a discussion): up to MAX_FILES,
each checked by what it contains and stored under a random name by core.uploads, the
checker of every file of the site. One piece for the web forms (AttachmentsField), for
replies by e-mail (attachments_sort, which says why each refused file was refused) and
for the services that store them (attachments_stored) and delete them once the change
commits (attachments_delete).

A file is smaller than ATTACHMENT_MAX_BYTES (10 MB: what a reply by e-mail may carry
whole), and of a type the site accepts (core.uploads.ACCEPTED_LABEL).
"""

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy

from core.http import stored_file_download
from core.uploads import (
    ACCEPTED_LABEL,
    CONTENT_TYPES,
    UploadRefused,
    check_upload,
    delete_file_on_commit,
    megabytes,
    stored_upload,
)

MAX_FILES = 3
# What the file picker offers first; whatever is chosen is still checked by its content.
ACCEPT = ",".join(sorted({f".{kind}" for kind in CONTENT_TYPES} | {".jpeg"}))


def max_bytes():
    return settings.ATTACHMENT_MAX_BYTES


def hint():
    return f"Up to {MAX_FILES} files, each smaller than {megabytes(max_bytes())}: {ACCEPTED_LABEL}."


class Attachment(models.Model):
    """One file of a post: stored under a random name (`file`), offered under the name the
    person gave it, made safe (`original_name`), with its size and detected type."""

    file = models.FileField(max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self):
        return self.original_name

    @classmethod
    def rows(cls, stored, **owner):
        """Unsaved rows for what attachments_stored() stored, each with `owner` (the post)."""
        return [
            cls(
                file=name,
                original_name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                **owner,
            )
            for name, checked in stored
        ]


@dataclass(frozen=True)
class Refusal:
    """A file that was not attached: its name as the person gave it, and why."""

    name: str
    reason: str
    code: str

    @classmethod
    def of(cls, upload, reason, code):
        name = PurePath((upload.name or "").replace("\\", "/")).name
        return cls(name[:200] or "(a file with no name)", reason, code)

    @property
    def text(self):
        return f"“{self.name}” cannot be attached: {self.reason[:1].lower()}{self.reason[1:]}"


def _over(limit):
    if not limit:
        return "Files cannot be attached here"
    return f"Only {limit} files can be attached at a time"


def attachments_sort(files, *, limit=MAX_FILES):
    """(accepted, refused): the first `limit` files that pass the checker, and a Refusal
    for each of the others (its type, its size, or one too many)."""
    accepted, refused = [], []
    for upload in files:
        try:
            check_upload(upload, max_bytes=max_bytes())
        except UploadRefused as exc:
            refused.append(Refusal.of(upload, exc.messages[0], exc.code or "refused"))
            continue
        if len(accepted) >= limit:
            refused.append(Refusal.of(upload, _over(limit), "count"))
        else:
            accepted.append(upload)
    return accepted, refused


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """A file input that takes several files at once (the browser's own picker, so the
    keyboard and screen readers work with it). Its value is the list of files, each checked;
    every refused file is named in the field's error."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Attach files (optional)")
        kwargs.setdefault("help_text", lazy(hint, str)())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        _, refused = attachments_sort(files)
        if refused:
            raise ValidationError(
                [r.text for r in refused]
                + ["Choose the files again: a browser does not keep them after an error"],
                code="attachments",
            )
        return files


def has_files(request):
    """For rate limits: a request that brings files."""
    return bool(request.FILES)


@contextmanager
def attachments_stored(files, *, folder):
    """core.uploads.stored_upload for each file, around the transaction that records them:
    yields [(stored name, CheckedFile)]; if the block raises, every file is deleted again."""
    if len(files) > MAX_FILES:
        raise UploadRefused(f"Attach up to {MAX_FILES} files", code="count")
    with ExitStack() as stack:
        yield [
            stack.enter_context(stored_upload(upload, folder=folder, max_bytes=max_bytes()))
            for upload in files
        ]


def attachments_delete(queryset):
    """Delete these attachment rows and, once the transaction commits, their files (never
    before, and never if it rolls back: the rows still name them)."""
    storage = queryset.model._meta.get_field("file").storage
    for name in queryset.values_list("file", flat=True):
        delete_file_on_commit(storage, name)
    return queryset.delete()


def attachment_download(attachment):
    """The file, as a download under its own (safe) name, never sniffed into a page."""
    return stored_file_download(
        lambda: attachment.file.open("rb"),
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
