import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import Resource
from tests.factories import MINIMAL_PDF

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ALLOWED = {
    "leaflet.pdf": MINIMAL_PDF,
    "plan.docx": zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
    "audit.xlsx": zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<w/>"}),
    "talk.pptx": zipped({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"}),
    "notes.odt": zipped(
        {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<o/>"}
    ),
    "data.csv": b"ward,falls\nA,3\nB,5\n",
    "readme.txt": "Notes for the review meeting — bring the MAR charts.\n".encode(),
    "chart.png": PNG,
    "photo.jpg": JPEG,
}

REFUSED = {
    "setup.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200,
    "page.pdf": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "page.html": b"<html><body>hello</body></html>",
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "logo.png": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
    "archive.docx": zipped({"evil.exe": b"MZ"}),
    "binary.txt": b"abc\x00def",
}


def upload(name, data):
    return SimpleUploadedFile(name, data)


def post_form(client, community, name, data):
    """Add a leaflet with the file `name` holding `data` to `community` through the form."""
    return client.post(
        reverse("knowledge:resource_create"),
        {
            "destination": f"c:{community.slug}",
            "title": "Falls leaflet",
            "summary": "A leaflet.",
            "kind": Resource.Kind.LEAFLET,
            "visibility": Resource.Visibility.MEMBERS,
            "review_date": "2030-01-01",
            "upload": upload(name, data),
        },
    )
