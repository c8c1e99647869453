"""Uploads are checked by what they contain, never by their name, before anything is stored.

Accepted: PDF, DOCX, XLSX, PPTX, ODT, CSV, TXT, PNG, JPEG. The Office formats are zip
archives: we confirm them by the archive's member names (and ODT by its `mimetype`
member). Text must decode as UTF-8 with no NUL bytes and must not be markup (HTML and
SVG can carry scripts). Accepted files are stored under a random name.
"""

import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
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


def _megabytes(size):
    return f"{size / (1024 * 1024):g} MB"


def _read_all(upload):
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _zip_kind(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = archive.read("mimetype").strip()
            if mimetype == CONTENT_TYPES["odt"].encode():
                return "odt"
            return None
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
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
    if head.startswith(_MARKUP_STARTS) or "<script" in text.lower() or "<svg" in head:
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


def check_upload(upload):
    """Check size and content of an uploaded file; return a CheckedFile or raise UploadRefused.

    Nothing is stored here: callers store only what passed.
    """
    limit = max_upload_bytes()
    size = upload.size
    if size is None or size > limit:
        raise UploadRefused(f"The selected file must be smaller than {_megabytes(limit)}", "size")
    if size == 0:
        raise UploadRefused("The selected file is empty", code="empty")
    data = _read_all(upload)
    if len(data) > limit:
        raise UploadRefused(f"The selected file must be smaller than {_megabytes(limit)}", "size")
    kind = detect(data, upload.name or "")
    stem = PurePath(upload.name or "file").stem or "file"
    safe = get_valid_filename(stem)[:120] or "file"
    return CheckedFile(
        extension=kind, content_type=CONTENT_TYPES[kind], size=size, name=f"{safe}.{kind}"
    )


def store(upload):
    """Check, then store under a random name. Returns (storage name, CheckedFile)."""
    checked = check_upload(upload)
    upload.seek(0)
    stored = default_storage.save(f"resources/{uuid.uuid4().hex}", upload)
    return stored, checked
