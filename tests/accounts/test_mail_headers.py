"""The headers of a sent e-mail as the receiving mail program reads them: a Message-ID on
the site's domain, the same at every attempt, and a Date with a real offset."""

import json
import os
import smtplib
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.outbox.delivery import email_queue
from accounts.tasks import send_email_task
from core.mail_backends import EmlFileBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def eml_folder(settings, tmp_path):
    settings.EMAIL_BACKEND = "core.mail_backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.EMAIL_MESSAGE_ID_DOMAIN = "cop.example.org"
    return tmp_path


def sent_messages(folder):
    """Every .eml written, parsed from its raw bytes as a mail program would."""
    return [
        BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for path in sorted(Path(folder).glob("*.eml"))
    ]


def queue(user, purpose="notice:1"):
    return email_queue(
        recipient=user,
        purpose=purpose,
        template="test_notice",
        context={"body": "the agenda is ready."},
        preference="meeting_reminders",
    )


@pytest.mark.eager_tasks
def test_message_id_is_on_the_sites_domain_and_date_has_a_real_offset(
    user, eml_folder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue(user, purpose="notice:1")
        queue(user, purpose="notice:2")
    first, second = sent_messages(eml_folder)
    for message in (first, second):
        assert message["Message-ID"].startswith("<")
        assert message["Message-ID"].endswith("@cop.example.org>")
        assert message["Date"].endswith("+0000")  # not "-0000", which means "zone unknown"
        sent_at = parsedate_to_datetime(message["Date"])
        assert sent_at.utcoffset() is not None
        assert abs((timezone.now() - sent_at).total_seconds()) < 60
        assert len(message.get_all("Message-ID")) == 1 and len(message.get_all("Date")) == 1
    assert first["Message-ID"] != second["Message-ID"]


def test_a_retried_send_keeps_its_message_id(user, eml_folder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = queue(user)
    attempts = []
    original = EmlFileBackend.send_messages

    def flaky(self, messages):
        # The server read the message, then the connection dropped: the sender retries.
        attempts.extend(m.message().as_bytes() for m in messages)
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, messages)

    with mock.patch.object(EmlFileBackend, "send_messages", flaky):
        assert send_email_task.apply(args=[delivery.pk], throw=False).state == "SUCCESS"
    assert len(attempts) == 2
    tried, sent = (BytesParser(policy=policy.default).parsebytes(raw) for raw in attempts)
    assert tried["Message-ID"] == sent["Message-ID"]
    assert [m["Message-ID"] for m in sent_messages(eml_folder)] == [sent["Message-ID"]]


def test_the_message_id_domain_defaults_to_the_site_urls():
    """Read from a fresh process, as a deployment starts, with only SITE_URL set."""
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_MESSAGE_ID_DOMAIN"}
    env.update(
        SITE_URL="https://cop.example.org:8443", DJANGO_SETTINGS_MODULE="cop_platform.settings"
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.EMAIL_MESSAGE_ID_DOMAIN))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == "cop.example.org"
