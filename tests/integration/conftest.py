"""What the integration tests share: a real SMTP server on loopback (aiosmtpd), the
environment for child processes (the test database, the var folder), the command of a
Celery worker, free ports, waiting, stopping a child process (and its process group), and
private servers the tests stop and start: a redis-server and a PostgreSQL cluster, each on
a port of its own (never the machine's shared ones on 6379 and 5432)."""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from tests.conftest import ROOT


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


def celery_worker(*options):
    """The command of a Celery worker of the project with `options`, on the network quietly
    (no mingle, no gossip), logging at INFO."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "cop_platform",
        "worker",
        *options,
        "--without-mingle",
        "--without-gossip",
        "--loglevel=INFO",
    ]


def gunicorn(port, *, workers):
    """The command of gunicorn serving the site on 127.0.0.1:`port`."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "cop_platform.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--no-control-socket",  # no socket in the home folder, shared by all
    ]


def start_logged(command, log, env):
    """Start `command` in the project's folder, its output in the file `log`, in a process
    group of its own (stop_group stops whatever it starts)."""
    with log.open("w") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def read_log(path):
    return path.read_text(errors="replace") if path.exists() else ""


def web_ready(base_url):
    """Whether the site at base_url answers its health check."""
    try:
        return requests.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


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


def stop_group(proc, sig=signal.SIGTERM):
    """Stop a child started in a session of its own, and anything it started."""
    output = stop(proc, sig=sig)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers, e.g. the embedded beat
    return output


def needs(what, reason):
    """Skip on a workstation without `what`; in CI its absence is a failure."""
    if what:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs this: {reason}", pytrace=False)
    pytest.skip(reason)


class PrivateRedis:
    """A redis-server on a free port, without persistence: a restart starts it empty."""

    def __init__(self, binary, folder):
        self.binary, self.folder = binary, folder
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = wait_for(lambda: self.proc.poll() is not None or self._answers(), 10)
        assert started and self.proc.poll() is None, f"redis-server did not start on {self.port}"

    def _answers(self):
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self):
        """Stop the server and wait for its exit: its port is closed once it returns."""
        if self.proc is not None:
            stop(self.proc, timeout=10)
            self.proc = None


def redis_binary():
    binary = shutil.which("redis-server")
    needs(binary, "redis-server is not installed (apt-get install redis-server)")
    return binary


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary folder, a free port, trust
    authentication on loopback, replication connections included) that a test may restart,
    leaving the machine's server alone. Run as the postgres user when the tests run as root
    (initdb refuses root)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        needs(found, "PostgreSQL's server programs are missing (apt-get install postgresql)")
        self.bin = os.path.dirname(found[-1])
        as_root = os.geteuid() == 0
        needs(not as_root or shutil.which("runuser"), "runuser is missing")
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        # Its own folder under the system's temporary one, which the postgres user can
        # reach (pytest's folders are private to the user running the tests).
        self.folder = Path(tempfile.mkdtemp(prefix="cop-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        try:
            self._create()
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def _create(self):
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync")

    def _run(self, program, *args):
        return subprocess.run(
            [*self.prefix, f"{self.bin}/{program}", *map(str, args)],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def _ctl(self, action, *args):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        return self._run(
            "pg_ctl", action, "-D", self.data, "-l", self.folder / "log", "-w", "-o", options, *args
        )

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        self._ctl("start")

    def stop(self):
        self._ctl("stop", "-m", "fast")

    def restart(self):
        """Stop (ending every connection) and start again; returns the seconds it was away."""
        started = time.monotonic()
        self._ctl("restart", "-m", "fast")
        return time.monotonic() - started

    def query(self, database, sql, params=()):
        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self):
        path = self.folder / "log"
        return path.read_text(errors="replace") if path.exists() else ""


class PrivateReplica(PrivatePostgres):
    """A streaming replica of a PrivatePostgres: `pg_basebackup -R` of it into a folder of
    its own, started on a port of its own (hot standby: it answers reads)."""

    def __init__(self, primary):
        self.primary = primary
        super().__init__()

    def _create(self):
        # -R writes standby.signal and the primary's address; -X stream copies the log
        # written while the backup runs.
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", self.primary.port, "-U", "postgres"),
            *("-D", self.data, "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )

    def replay(self, database, *, paused):
        """Pause or resume the replay of the primary's log, and wait until it is so: the
        replica goes on receiving the log, and answers reads as of where it stopped."""
        action = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        self.query(database, f"SELECT {action}()")
        state = "paused" if paused else "not paused"
        assert wait_for(
            lambda: self.query(database, "SELECT pg_get_wal_replay_pause_state()")[0][0] == state,
            10,
        ), f"the replica's replay is not {state}"
