"""Office files are zip archives: limits on what they unpack to. And the virus-scan hook,
with clamd's INSTREAM protocol spoken to a small fake clamd on a real socket."""

import io
import random
import socket
import socketserver
import struct
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest

from core import scanning
from core import uploads as files
from knowledge.models import Resource, ResourceVersion
from tests.conftest import field_error, soup
from tests.factories import CommunityFactory, MembershipFactory
from tests.knowledge.helpers import ALLOWED, post_form, upload, zipped

pytestmark = pytest.mark.django_db

DOCX_PARTS = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}


def docx_with(extra, *, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in {**DOCX_PARTS, **extra}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(data, name="plan.docx"):
    with pytest.raises(files.UploadRefused) as refused:
        files.check_upload(upload(name, data))
    return refused.value


def test_a_normal_docx_is_within_every_limit():
    assert files.check_upload(upload("plan.docx", docx_with({"word/styles.xml": "<s/>"})))


def test_too_many_entries(settings):
    settings.RESOURCE_MAX_ARCHIVE_ENTRIES = 10
    data = docx_with({f"word/media/image{i}.png": b"x" for i in range(9)})
    refused = refusal(data)
    assert refused.code == "archive_entries"
    assert refused.message.startswith("The selected file has more than 10 parts")


def test_the_default_entry_limit_is_a_thousand():
    data = docx_with({f"word/media/{i}.png": b"" for i in range(files.DEFAULT_MAX_ARCHIVE_ENTRIES)})
    assert refusal(data).message.startswith("The selected file has more than 1,000 parts")


def test_entry_count_at_the_limit_is_accepted(settings):
    settings.RESOURCE_MAX_ARCHIVE_ENTRIES = 10
    data = docx_with({f"word/media/image{i}.png": b"x" for i in range(8)})
    assert files.check_upload(upload("plan.docx", data)).extension == "docx"


def test_too_much_unpacked(settings):
    settings.RESOURCE_MAX_UNPACKED_BYTES = 1024 * 1024
    # Random bytes do not compress, so this is no bomb: only the total is too large.
    data = docx_with({"word/media/photo.png": random.Random(0).randbytes(1024 * 1024 + 1)})
    refused = refusal(data)
    assert refused.code == "archive_size"
    assert refused.message.startswith("The selected file unpacks to more than 1 MB")


def test_a_highly_compressed_member_is_a_zip_bomb():
    # 20 MB of zeros deflates to about 20 KB: a ratio near 1000 to 1.
    data = docx_with({"word/media/blank.bin": b"\0" * (20 * 1024 * 1024)})
    assert len(data) < 100 * 1024
    refused = refusal(data)
    assert refused.code == "archive_ratio"
    assert "more than 100 times its size" in refused.message


def test_small_members_may_compress_well():
    # Ratio alone is no crime: a page of repeated XML under a megabyte is ordinary.
    data = docx_with({"word/document.xml": "<w:p/>" * 100_000})
    assert files.check_upload(upload("plan.docx", data)).extension == "docx"


def test_declared_sizes_larger_than_the_archive_are_refused():
    data = bytearray(docx_with({"word/styles.xml": "<s/>" * 100}))
    # Overwrite the compressed size in every central directory record with 1 MB.
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        data[offset + 20 : offset + 24] = struct.pack("<L", 1024 * 1024)
        offset = data.find(b"PK\x01\x02", offset + 4)
    assert refusal(bytes(data)).code == "archive_damaged"


@pytest.mark.parametrize(
    "member",
    [
        "../evil.txt",
        "word/../../evil.txt",
        "/etc/cron.d/evil",
        "..\\evil.txt",
        "\\windows\\evil.txt",
        "C:/evil.txt",
        "c:evil.txt",
    ],
)
def test_unsafe_member_names(member):
    refused = refusal(docx_with({member: b"x"}))
    assert refused.code == "archive_path"
    assert refused.message.startswith("The selected file has parts inside it with unsafe names")


def test_dots_inside_a_name_are_fine():
    data = docx_with({"word/media/image..1.png": b"x", "word/.rels/x..": b"x"})
    assert files.check_upload(upload("plan.docx", data)).extension == "docx"


def test_odt_mimetype_is_read_with_a_bounded_read():
    # A `mimetype` that starts right but goes on is not ODT, and we read only its start.
    genuine = files.CONTENT_TYPES["odt"]
    data = zipped({"mimetype": genuine + "x" * 10_000, "content.xml": "<o/>"})
    assert refusal(data, "notes.odt").code == "type"


def test_a_corrupt_lzma_member_is_refused_not_a_crash():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_LZMA) as archive:
        archive.writestr("mimetype", files.CONTENT_TYPES["odt"])
        archive.writestr("content.xml", "<o/>")
    data = bytearray(buffer.getvalue())
    # The LZMA properties byte of the first member (after its 30-byte header, the 8-byte
    # name and LZMA's 4-byte header): 0xFF is not a valid value.
    data[42] = 0xFF
    assert refusal(bytes(data), "notes.odt").code == "type"


def test_archive_messages_reach_the_form(client, settings):
    settings.RESOURCE_MAX_ARCHIVE_ENTRIES = 3
    membership = MembershipFactory(community=CommunityFactory())
    client.force_login(membership.user)
    response = post_form(client, membership.community, "plan.docx", docx_with({"a": "", "b": ""}))
    assert response.status_code == 200
    assert field_error(soup(response), "id_upload").startswith("The selected file has more than 3")
    assert not ResourceVersion.objects.exists()


# The scan hook ------------------------------------------------------------------------

scanned = []


def recording_scanner(data, name):
    scanned.append((data, name))


def refusing_scanner(data, name):
    raise files.UploadRefused("The selected file contains a virus", code="virus")


@pytest.fixture
def scan_log():
    scanned.clear()
    yield scanned
    scanned.clear()


def test_the_scanner_is_called_with_the_bytes_and_the_name(settings, scan_log):
    settings.UPLOAD_SCANNER = "tests.knowledge.test_archives.recording_scanner"
    files.check_upload(upload("leaflet.pdf", ALLOWED["leaflet.pdf"]))
    assert scan_log == [(ALLOWED["leaflet.pdf"], "leaflet.pdf")]


def test_one_upload_checked_again_is_scanned_once(settings, scan_log):
    # The form and the service both check the same upload object.
    settings.UPLOAD_SCANNER = "tests.knowledge.test_archives.recording_scanner"
    leaflet = upload("leaflet.pdf", ALLOWED["leaflet.pdf"])
    files.check_upload(leaflet)
    files.check_upload(leaflet)
    files.check_upload(upload("leaflet.pdf", ALLOWED["leaflet.pdf"]))
    assert len(scan_log) == 2


def test_the_scanner_runs_after_the_type_check(settings, scan_log):
    settings.UPLOAD_SCANNER = "tests.knowledge.test_archives.recording_scanner"
    with pytest.raises(files.UploadRefused):
        files.check_upload(upload("page.html", b"<html><script>alert(1)</script></html>"))
    assert scan_log == []


def test_a_scanner_refusal_refuses_the_upload(settings):
    settings.UPLOAD_SCANNER = "tests.knowledge.test_archives.refusing_scanner"
    assert refusal(ALLOWED["leaflet.pdf"], "leaflet.pdf").code == "virus"


def test_no_scanner_by_default_means_no_scan(settings, monkeypatch):
    del settings.UPLOAD_SCANNER  # the shipped default, whatever settings.py says
    assert files.upload_scanner() is None

    def no_import(path):
        raise AssertionError("nothing should be imported when no scanner is configured")

    monkeypatch.setattr(files, "import_string", no_import)
    settings.UPLOAD_SCANNER = None
    assert files.check_upload(upload("leaflet.pdf", ALLOWED["leaflet.pdf"]))


# clamd --------------------------------------------------------------------------------

SIGNATURE = b"FAKE-TEST-SIGNATURE"  # not EICAR: nobody's virus scanner should flag this file


def recv_exactly(sock, size):
    data = b""
    while len(data) < size:
        received = sock.recv(size - len(data))
        if not received:
            raise ConnectionError("client went away")
        data += received
    return data


class FakeClamdHandler(socketserver.BaseRequestHandler):
    """INSTREAM as clamd speaks it: command, length-prefixed chunks, zero, one reply."""

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += recv_exactly(self.request, 1)
        chunks = []
        while size := struct.unpack("!L", recv_exactly(self.request, 4))[0]:
            chunks.append(recv_exactly(self.request, size))
        self.server.received.append((command, chunks))
        if self.server.silent:
            self.server.release.wait(5)
            return
        data = b"".join(chunks)
        found = SIGNATURE in data
        self.request.sendall(
            b"stream: Fake.Test.Signature FOUND\0" if found else self.server.ok_reply
        )


class TCPClamd(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True


class UnixClamd(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(server):
    server.received = []
    server.silent = False
    server.ok_reply = b"stream: OK\0"
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server


@pytest.fixture
def clamd(settings):
    server = serve(TCPClamd(("127.0.0.1", 0), FakeClamdHandler))
    host, port = server.server_address
    settings.UPLOAD_SCANNER = "core.scanning.clamd_scan"
    settings.CLAMD_ADDRESS = f"{host}:{port}"
    settings.CLAMD_TIMEOUT = 5
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def unix_clamd(settings):
    # A short path: UNIX socket paths are limited to about 100 characters.
    folder = Path(tempfile.mkdtemp(prefix="clamd"))
    path = folder / "clamd.sock"
    server = serve(UnixClamd(str(path), FakeClamdHandler))
    settings.UPLOAD_SCANNER = "core.scanning.clamd_scan"
    settings.CLAMD_ADDRESS = str(path)
    settings.CLAMD_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()
    path.unlink(missing_ok=True)
    folder.rmdir()


def test_clamd_clean_file_is_accepted_and_sent_in_chunks(clamd):
    data = b"ward,falls\n" + b"A,3\n" * 50_000  # about 200 KB: several chunks
    checked = files.check_upload(upload("falls.csv", data))
    assert checked.extension == "csv"
    [(command, chunks)] = clamd.received
    assert command == b"zINSTREAM\0"
    assert len(chunks) > 1 and all(len(c) <= scanning.CHUNK_BYTES for c in chunks)
    assert b"".join(chunks) == data


def test_clamd_found_refuses_with_a_clear_message(clamd, caplog):
    refused = refusal(b"Minutes of the meeting\n" + SIGNATURE + b"\n", "minutes.txt")
    assert refused.code == "virus"
    assert refused.message.startswith("The selected file contains a virus")
    assert "Fake.Test.Signature" in caplog.text


def test_clamd_over_a_unix_socket(unix_clamd):
    assert files.check_upload(upload("notes.txt", b"hello"))
    assert refusal(SIGNATURE, "notes.txt").code == "virus"
    assert len(unix_clamd.received) == 2


def unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_clamd_unreachable_fails_closed(settings, caplog):
    settings.UPLOAD_SCANNER = "core.scanning.clamd_scan"
    settings.CLAMD_ADDRESS = f"127.0.0.1:{unused_port()}"
    refused = refusal(b"hello", "notes.txt")
    assert refused.code == "scan_failed"
    assert refused.message == "The selected file could not be checked for viruses. Try again later"
    assert "could not scan" in caplog.text


def test_clamd_missing_unix_socket_fails_closed(settings, tmp_path):
    settings.UPLOAD_SCANNER = "core.scanning.clamd_scan"
    settings.CLAMD_ADDRESS = str(tmp_path / "absent.sock")
    assert refusal(b"hello", "notes.txt").code == "scan_failed"


def test_clamd_that_never_answers_times_out_and_fails_closed(clamd, settings):
    clamd.silent = True
    settings.CLAMD_TIMEOUT = 0.3
    assert refusal(b"hello", "notes.txt").code == "scan_failed"


def test_clamd_error_reply_fails_closed(clamd, caplog):
    clamd.ok_reply = b"INSTREAM size limit exceeded. ERROR\0"
    assert refusal(b"hello", "notes.txt").code == "scan_failed"
    assert "size limit exceeded" in caplog.text


def test_clamd_refusal_through_the_form_stores_nothing(clamd, client):
    membership = MembershipFactory(community=CommunityFactory())
    client.force_login(membership.user)
    response = post_form(client, membership.community, "notes.txt", b"notes\n" + SIGNATURE)
    assert response.status_code == 200
    assert field_error(soup(response), "id_upload").startswith("The selected file contains a virus")
    assert not Resource.objects.exists()


def test_a_clean_upload_through_the_form_is_scanned_once(clamd, client):
    membership = MembershipFactory(community=CommunityFactory())
    client.force_login(membership.user)
    response = post_form(client, membership.community, "leaflet.pdf", ALLOWED["leaflet.pdf"])
    assert response.status_code == 302
    assert ResourceVersion.objects.count() == 1
    assert len(clamd.received) == 1
