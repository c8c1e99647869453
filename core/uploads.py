"""Uploads are checked by what they contain, never by their name, before anything is stored.

Accepted: PDF, DOCX, XLSX, PPTX, ODT, CSV, TXT, PNG, JPEG. The Office formats are zip
archives: we confirm them by the archive's member names (and ODT by its `mimetype`
member), after checking the archive cannot unpack into something huge (a zip bomb) or
name paths outside itself. Text must decode as UTF-8 with no NUL bytes and must not be
markup (HTML and SVG can carry scripts). A virus scanner (UPLOAD_SCANNER) runs last, if
one is configured. Callers store only what passed, under a random name (store()): the name
the person chose is kept on the row, sanitised, for display and as the download name only.
A file that is replaced or removed is deleted once the change commits
(delete_file_on_commit()), never before and never if it rolls back.
"""

import hashlib
import io
import logging
import lzma
import re
import uuid
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.text import get_valid_filename

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_ARCHIVE_ENTRIES = 1000
# Office XML compresses about 5 to 20 times; a member of more than a megabyte claiming to
# expand more than 100 times is built to exhaust whoever unpacks it, not written by a person.
BOMB_RATIO = 100
BOMB_MIN_BYTES = 1024 * 1024
# ODT's `mimetype` member is one short line; we never read more than this of it, whatever
# size the archive declares.
_MIMETYPE_READ_BYTES = 256
ACCEPTED_LABEL = "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), ODT, CSV, TXT, PNG or JPEG"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "csv": "text/csv",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
}
_OOXML_MEMBERS = (
    ("word/document.xml", "docx"),
    ("xl/workbook.xml", "xlsx"),
    ("ppt/presentation.xml", "pptx"),
)
_MARKUP_STARTS = ("<!doctype", "<html", "<svg", "<?xml", "<head", "<body", "<script")
# The openings a browser takes for HTML when it sniffs (WHATWG MIME Sniffing, the
# text/html patterns): these tags followed by a space or ">". A text file starting like
# this would be rendered as a web page anywhere it is served without nosniff.
_SNIFFED_AS_HTML = re.compile(
    r"<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    r"|!--)[ >]"
)
_DRIVE = re.compile(r"^[A-Za-z]:")
# Everything zipfile raises for a damaged, truncated or unusual archive, its decompressors'
# errors included (bzip2's are OSErrors; LZMA's are their own).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    RuntimeError,
    ValueError,
    NotImplementedError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
)


class UploadRefused(ValidationError):
    """The file is not one we accept; the message says why and what to do."""


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    content_type: str
    size: int
    name: str  # a safe download name ending with the detected extension


def max_upload_bytes():
    return getattr(settings, "RESOURCE_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES)


def max_unpacked_bytes():
    return getattr(settings, "RESOURCE_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)


def max_archive_entries():
    return getattr(settings, "RESOURCE_MAX_ARCHIVE_ENTRIES", DEFAULT_MAX_ARCHIVE_ENTRIES)


def megabytes(size):
    return f"{size / (1024 * 1024):g} MB"


def _read_all(upload):
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _unsafe_member_name(name):
    """An absolute path, a drive letter or a `..` step: unpacked naively, such a member
    lands outside the folder it is unpacked into. A NUL byte hides the rest of the name."""
    path = name.replace("\\", "/")
    return (
        "\x00" in name
        or path.startswith("/")
        or bool(_DRIVE.match(path))
        or ".." in path.split("/")
    )


def _check_archive(archive, archive_bytes):
    """Refuse an archive that is unsafe to unpack, judged from its central directory.

    Nothing is decompressed here. The declared sizes are all we can judge without
    unpacking, and they are also what zipfile holds every later reader to (it stops at a
    member's declared size), so capping them caps the work anyone can be made to do. They
    are cross-checked against the real length of the upload: members whose compressed
    sizes add up to more than the archive itself overlap, the trick of the largest bombs.
    """
    members = archive.infolist()
    limit = max_archive_entries()
    if len(members) > limit:
        raise UploadRefused(
            f"The selected file has more than {limit:,} parts packed inside it, which is more "
            "than we accept. Split it into smaller documents",
            code="archive_entries",
        )
    for member in members:
        if _unsafe_member_name(member.orig_filename) or _unsafe_member_name(member.filename):
            raise UploadRefused(
                "The selected file has parts inside it with unsafe names, which we do not "
                "accept. Save it again from your office software and upload the new copy",
                code="archive_path",
            )
    if sum(member.compress_size for member in members) > archive_bytes:
        raise UploadRefused(
            "The selected file is damaged. Save it again from your office software and "
            "upload the new copy",
            code="archive_damaged",
        )
    for member in members:
        if member.file_size > BOMB_MIN_BYTES and (
            member.file_size > BOMB_RATIO * member.compress_size
        ):
            raise UploadRefused(
                "The selected file is packed in a way we do not accept: part of it expands to "
                f"more than {BOMB_RATIO} times its size. Save it again from your office "
                "software and upload the new copy",
                code="archive_ratio",
            )
    limit = max_unpacked_bytes()
    if sum(member.file_size for member in members) > limit:
        raise UploadRefused(
            f"The selected file unpacks to more than {megabytes(limit)}, which is more than "
            "we accept. Make it smaller (for example, compress its pictures) or split it "
            "into smaller documents",
            code="archive_size",
        )


def _zip_kind(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        return None
    _check_archive(archive, len(data))
    names = set(archive.namelist())
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as member:
                mimetype = member.read(_MIMETYPE_READ_BYTES).strip()
        except _ZIP_ERRORS:
            return None
        return "odt" if mimetype == CONTENT_TYPES["odt"].encode() else None
    if "[Content_Types].xml" not in names:
        return None
    for member, kind in _OOXML_MEMBERS:
        if member in names:
            return kind
    return None


def _text_kind(data, name):
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    head = text.lstrip()[:512].lower()
    if (
        head.startswith(_MARKUP_STARTS)
        or _SNIFFED_AS_HTML.match(head)
        or "<script" in text.lower()
        or "<svg" in head
    ):
        return "markup"
    return "csv" if PurePath(name).suffix.lower() == ".csv" else "txt"


def _what_it_looks_like(data):
    try:
        guess = puremagic.from_string(data[:4096], mime=False)
    except (puremagic.PureError, ValueError):
        return ""
    return guess.lstrip(".").upper() if guess else ""


def detect(data, name=""):
    """The accepted kind of these bytes (an extension from CONTENT_TYPES), or raise."""
    kind = None
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    elif data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
    else:
        kind = _text_kind(data, name)
        if kind == "markup":
            raise UploadRefused(
                "The file contains web page or image markup (HTML or SVG), which we do not "
                f"accept. Upload a {ACCEPTED_LABEL} file",
                code="markup",
            )
    if kind is None:
        looks = _what_it_looks_like(data)
        what = f" It looks like a {looks} file." if looks else ""
        raise UploadRefused(
            f"The selected file is not a type we accept, whatever its name says.{what} "
            f"Upload a {ACCEPTED_LABEL} file",
            code="type",
        )
    return kind


def upload_scanner():
    """The configured virus scanner, or None. UPLOAD_SCANNER is a dotted path to a
    callable taking (data, name) that returns None or raises UploadRefused."""
    scanner = getattr(settings, "UPLOAD_SCANNER", None)
    if isinstance(scanner, str):
        return import_string(scanner)
    return scanner


def check_upload(upload, *, max_bytes=None):
    """Check size and content of an uploaded file; return a CheckedFile or raise UploadRefused.

    Nothing is stored here: callers store only what passed. The virus scan runs last, so the
    scanner only ever sees files of a type we accept. `max_bytes`: a lower limit than the
    site's (max_upload_bytes), for files that are not documents of the library.
    """
    limit = min(max_bytes or max_upload_bytes(), max_upload_bytes())
    size = upload.size
    if size is None or size > limit:
        raise UploadRefused(f"The selected file must be smaller than {megabytes(limit)}", "size")
    if size == 0:
        raise UploadRefused("The selected file is empty", code="empty")
    data = _read_all(upload)
    if len(data) > limit:
        raise UploadRefused(f"The selected file must be smaller than {megabytes(limit)}", "size")
    kind = detect(data, upload.name or "")
    scanner = upload_scanner()
    if scanner is not None:
        # The form, the service and store() each check the same upload: scan its bytes once.
        digest = hashlib.sha256(data).hexdigest()
        if getattr(upload, "_scanned_clean", None) != digest:
            scanner(data, upload.name or "")
            upload._scanned_clean = digest
    return CheckedFile(
        extension=kind,
        content_type=CONTENT_TYPES[kind],
        size=size,
        name=download_name(upload.name, kind),
    )


KIND_NAMES = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "xlsx": "an Excel workbook",
    "pptx": "a PowerPoint presentation",
    "odt": "an OpenDocument text",
    "csv": "a CSV table",
    "txt": "a plain-text file",
    "png": "a PNG image",
    "jpg": "a JPEG image",
}


def kept_as_note(uploaded_name, kept_name):
    """What to tell the person when their file is not what its name said: "“fake.pdf” is a
    plain-text file, so it is kept as fake.txt." Empty when the name told the truth."""
    claimed = PurePath((uploaded_name or "").replace("\\", "/")).suffix.lower().lstrip(".")
    kept = PurePath(kept_name).suffix.lstrip(".")
    if claimed == kept or (claimed == "jpeg" and kept == "jpg"):
        return ""
    return (
        f"“{PurePath(uploaded_name).name}” is {KIND_NAMES.get(kept, kept)}, whatever its name "
        f"says, so it is kept as {kept_name}."
    )


def download_name(name, extension):
    """The person's file name made safe to show and to offer as a download name: no folders,
    only letters, digits, "-", "_" and ".", no leading dot, and the extension we detected
    (whatever the name claimed). A name with nothing usable left becomes "file"."""
    stem = PurePath((name or "").replace("\\", "/")).stem
    try:
        safe = get_valid_filename(stem)
    except SuspiciousFileOperation:  # nothing left of it, or only "." or ".."
        safe = ""
    safe = safe.lstrip(".")[:120] or "file"
    return f"{safe}.{extension}"


def store(upload, *, folder, storage=None, max_bytes=None):
    """Check the upload, then save its bytes as <folder>/<random hex>.<detected extension>.

    Returns (stored name, CheckedFile). The stored name says nothing of the person's file
    name, so no one can choose or guess where a file lands; show and offer checked.name.
    """
    checked = check_upload(upload, max_bytes=max_bytes)
    upload.seek(0)
    storage = storage or default_storage
    stored = storage.save(f"{folder}/{uuid.uuid4().hex}.{checked.extension}", upload)
    return stored, checked


@contextmanager
def stored_upload(upload, *, folder, storage=None, max_bytes=None):
    """store() around the transaction that records the file: if the block raises, no row
    names the file and it is deleted again. (A transaction around the block that rolls back
    later, after the block succeeded, leaves it stored but named by nothing.)"""
    storage = storage or default_storage
    stored, checked = store(upload, folder=folder, storage=storage, max_bytes=max_bytes)
    try:
        yield stored, checked
    except BaseException:
        _delete_file(storage, stored)
        raise


def _delete_file(storage, name):
    try:
        storage.delete(name)
    except OSError:
        # No row names the file any more: left behind, it is an unreachable copy, which is
        # no reason to fail the request that dropped it.
        logger.exception("Could not delete the stored file %s", name)


def delete_file_on_commit(storage, name, *, using=None):
    """Delete a stored file's bytes once the current transaction commits (at once outside one).

    For a file that a row no longer names (replaced, removed, its row erased). If the
    transaction rolls back, the row still names the file and it stays.
    """
    if not name:
        return
    transaction.on_commit(partial(_delete_file, storage, name), using=using, robust=True)
