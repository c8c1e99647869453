"""Virus scanners for uploads, plugged in through the UPLOAD_SCANNER setting.

A scanner takes (data, name) and returns None when the file is clean or raises
UploadRefused. `clamd_scan` asks a ClamAV daemon over its INSTREAM protocol: the command,
then the file as length-prefixed chunks, then a zero length, and one reply line back
("stream: OK" or "stream: <signature> FOUND"). It fails closed: if clamd cannot be reached
or answers anything else, the upload is refused and the failure logged, because a file
nobody checked must not be shared with a whole community.
"""

import logging
import socket
import struct

from django.conf import settings

from core.uploads import UploadRefused

logger = logging.getLogger(__name__)

DEFAULT_CLAMD_ADDRESS = "127.0.0.1:3310"
DEFAULT_CLAMD_TIMEOUT = 30  # seconds, for connecting and for each read or write
# clamd's own StreamMaxLength defaults to 25 MB; chunks must stay well below it.
CHUNK_BYTES = 64 * 1024
_MAX_REPLY_BYTES = 4096

INFECTED = (
    "The selected file contains a virus. It has not been uploaded: contact your IT team "
    "before you use your copy"
)
UNCHECKED = "The selected file could not be checked for viruses. Try again later"


class ScanFailed(Exception):
    """clamd answered, but not with a verdict."""


def _connect(address, timeout):
    """A socket to clamd: a path (or "unix:path") is a UNIX socket, anything else host:port."""
    if address.startswith("unix:"):
        address = address.removeprefix("unix:")
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError:
            sock.close()
            raise
        return sock
    host, _, port = address.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def _read_reply(sock):
    reply = b""
    while b"\0" not in reply and len(reply) < _MAX_REPLY_BYTES:
        received = sock.recv(_MAX_REPLY_BYTES)
        if not received:
            break
        reply += received
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def clamd_instream(data, *, address, timeout):
    """Send `data` to clamd with INSTREAM and return its reply line."""
    view = memoryview(data)
    with _connect(address, timeout) as sock:
        sock.settimeout(timeout)
        # The "z" prefix asks for NUL-terminated replies, so we know where the reply ends.
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(view), CHUNK_BYTES):
            chunk = view[start : start + CHUNK_BYTES]
            sock.sendall(struct.pack("!L", len(chunk)))
            sock.sendall(chunk)
        sock.sendall(struct.pack("!L", 0))
        return _read_reply(sock)


def clamd_scan(data, name):
    """UPLOAD_SCANNER for ClamAV: refuse infected files, and every file when clamd fails."""
    address = getattr(settings, "CLAMD_ADDRESS", DEFAULT_CLAMD_ADDRESS)
    timeout = getattr(settings, "CLAMD_TIMEOUT", DEFAULT_CLAMD_TIMEOUT)
    try:
        reply = clamd_instream(data, address=address, timeout=timeout)
        if reply.endswith(" FOUND"):
            signature = reply.removesuffix(" FOUND").partition(":")[2].strip()
            logger.warning("clamd found %s in the upload %r; refused", signature, name)
            raise UploadRefused(INFECTED, code="virus")
        if reply != "stream: OK":
            raise ScanFailed(reply or "no reply")
    except (OSError, ValueError, ScanFailed) as exc:
        logger.error("clamd at %s could not scan the upload %r: %s", address, name, exc)
        raise UploadRefused(UNCHECKED, code="scan_failed") from exc
