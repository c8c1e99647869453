"""What the integration tests share: a real SMTP server on loopback (aiosmtpd), the
environment for child processes (the test database, the var folder), free ports, waiting,
and stopping a child process."""

import os
import signal
import socket
import subprocess
import time
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection


class Sink:
    """Keeps every message the SMTP server accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url():
    """The test database, as a URL a child process can use."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(DATABASE_URL=database_url(), VAR_DIR=str(settings.VAR_DIR), **extra)
    return env


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def stop(proc, timeout=20, sig=signal.SIGTERM):
    """Stop a child process with `sig`, kill it if it does not stop, and return its output."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return output


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()
