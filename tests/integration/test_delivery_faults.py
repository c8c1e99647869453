"""Nothing is lost when a worker, Redis, PostgreSQL or the SMTP server fails mid-digest.

Real services, each the test's own: a PostgreSQL cluster on a port of its own (so that it
can be restarted without disturbing the machine's server), a redis-server without
persistence (the broker), an SMTP server on loopback (aiosmtpd) recording every recipient,
and `celery worker --beat` with two prefork processes. A weekly digest for RECIPIENTS
people runs; when a third of them have theirs, a fault is injected. Each test asserts that
every recipient got the digest, nobody twice (except, where the test killed the worker,
at most one per connection that died), no row left "sending" once the lease has passed,
the run recorded as done, and the time it took to recover.

Leases and sweeps are shortened through the environment (production keeps its defaults).
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery

from tests.conftest import ROOT
from tests.integration.conftest import (
    PrivatePostgres,
    PrivateRedis,
    celery_worker,
    child_env,
    free_port,
    redis_binary,
    stop_group,
    wait_for,
)

pytestmark = [pytest.mark.integration]

RECIPIENTS = 2000
PROCESSES = 2  # prefork processes of the worker: at most one SMTP connection each
LEASE_SECONDS = 10
HANDOVER_SECONDS = 5
SWEEP_SECONDS = 1
RETRY_SECONDS = 3
DIGEST_BATCH = 250  # eight batches: most are still queued when the faults strike
DATABASE = "cop_faults"
# Seconds within which everyone must have their digest once the fault has ended.
RECOVERY_SECONDS = 60
# How long each fault lasts.
REDIS_DOWN_SECONDS = 5
POSTGRES_DOWN_SECONDS = 3
SMTP_REFUSING_SECONDS = 10


class Recorder:
    """An SMTP server's handler that keeps (recipient, time) of every message it accepts,
    and answers 451 to every recipient while `refusing`."""

    def __init__(self):
        self.received = []
        self.refusing = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        self.received.extend((address.lower(), now) for address in envelope.rcpt_tos)
        return "250 Message accepted"


@dataclass
class World:
    postgres: PrivatePostgres
    redis: PrivateRedis
    recorder: Recorder
    env: dict

    def query(self, sql, params=()):
        return self.postgres.query(DATABASE, sql, params)

    def statuses(self):
        rows = self.query("SELECT status, count(*) FROM accounts_emaildelivery GROUP BY status")
        return dict(rows)

    def run_state(self):
        rows = self.query("SELECT state FROM dashboard_digestrun")
        return rows[0][0] if rows else None


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The private PostgreSQL (migrated, with RECIPIENTS readers), Redis and SMTP server."""
    # aiosmtpd logs every SMTP command at INFO: for thousands of messages that logging,
    # in this process, would be most of the server's time.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    postgres = PrivatePostgres()
    redis_server = PrivateRedis(redis_binary(), tmp_path_factory.mktemp("redis"))
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    try:
        postgres.start()
        postgres.query("postgres", f"CREATE DATABASE {DATABASE}")
        redis_server.start()
        controller.start()
        env = child_env()
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        env.update(
            DATABASE_URL=postgres.url(DATABASE),
            REDIS_URL=redis_server.url,
            EMAIL_URL=f"smtp://127.0.0.1:{controller.port}",
            EMAIL_TIMEOUT="10",
            EMAIL_SWEEP_SECONDS=str(SWEEP_SECONDS),
            EMAIL_LEASE_SECONDS=str(LEASE_SECONDS),
            EMAIL_HANDOVER_SECONDS=str(HANDOVER_SECONDS),
            EMAIL_RETRY_SECONDS=str(RETRY_SECONDS),
            DIGEST_BATCH_SIZE=str(DIGEST_BATCH),
            SITE_URL="http://127.0.0.1:8000",
            DJANGO_SETTINGS_MODULE="cop_platform.settings",
        )
        _manage(env, "manage.py", "migrate", "--no-input", "-v", "0")
        _manage(
            env,
            "-c",
            "import django; django.setup(); "
            f"from tests.integration.fault_world import seed; seed({RECIPIENTS})",
        )
        yield World(postgres, redis_server, recorder, env)
    finally:
        controller.stop()
        redis_server.stop()
        postgres.remove()


class Worker:
    """`celery worker --beat` with PROCESSES prefork processes, in a process group of its
    own (so that kill -9 reaches the processes it forked), run as the deployment runs it: a
    service started again whenever it exits on its own (docs/deploy.md, `Restart=always`).
    Celery's worker exits on some errors of its broker connection (kombu's Redis transport,
    closing a connection that has already gone: "Unrecoverable error: AttributeError"); the
    service manager, not the worker, brings it back. A worker this test kills stays dead
    until the test starts it."""

    RESTART_SECONDS = 1  # systemd's RestartSec

    def __init__(self, env, folder):
        self.env, self.folder, self.proc, self.started = env, folder, None, 0
        self.logs = []
        self.restarts = 0
        self._lock = threading.Lock()
        self._held = True  # not to be started again: not started yet, killed or stopped
        self._done = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)

    def start(self):
        with self._lock:
            self._launch()
            self._held = False
        if not self._supervisor.is_alive():
            self._supervisor.start()

    def _launch(self):
        log = self.folder / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                celery_worker(
                    "--beat",
                    "--schedule",
                    str(self.folder / f"beat-{len(self.logs)}"),
                    "--pool=prefork",
                    f"--concurrency={PROCESSES}",
                    "-n",
                    f"faults-{len(self.logs)}@%h",
                ),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        assert wait_for(lambda: "ready." in log.read_text(errors="replace"), 60), self.output()
        self.started = time.monotonic()

    def _supervise(self):
        while not self._done.wait(self.RESTART_SECONDS):
            with self._lock:
                if self._held or self.proc.poll() is None:
                    continue
                print(f"worker exited ({self.proc.returncode}): started again")
                self.restarts += 1
                stop_group(self.proc, sig=signal.SIGKILL)  # what it forked goes with it
                self._launch()

    def kill(self):
        """kill -9 of the worker and every process it started."""
        with self._lock:
            self._held = True
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        """At the end of a test: no need to wait for a warm shutdown (the beat would go on
        publishing sweeps until it is killed anyway)."""
        self._done.set()
        with self._lock:
            self._held = True
            if self.proc is not None and self.proc.poll() is None:
                stop_group(self.proc, sig=signal.SIGKILL)

    def output(self):
        return "\n".join(
            f"--- {log.name}\n" + log.read_text(errors="replace")[-20000:] for log in self.logs
        )


@pytest.fixture
def worker(world, tmp_path):
    """A fresh outbox, broker and recorder, and a worker; its log is printed afterwards."""
    world.query("TRUNCATE accounts_emaildelivery, dashboard_digestbatch, dashboard_digestrun")
    redis.Redis.from_url(world.redis.url).flushall()
    world.recorder.received.clear()
    world.recorder.refusing = False
    worker = Worker(world.env, tmp_path)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        print(worker.output())
        print("--- postgres\n" + world.postgres.log()[-5000:])


def _start_digest(world):
    broker = Celery(broker=world.redis.url)
    try:
        broker.send_task("dashboard.tasks.send_digests_task", args=["weekly"])
    finally:
        broker.close()


def _at_a_third(world):
    assert wait_for(lambda: len(world.recorder.received) >= RECIPIENTS // 3, 120), (
        f"the digest did not start: {len(world.recorder.received)} received"
    )


def _everyone_has_it(world):
    return len({a for a, _ in world.recorder.received}) >= RECIPIENTS


def _finished(world):
    """Everyone received it, the outbox is all sent and the run is closed."""
    return (
        _everyone_has_it(world)
        and world.statuses() == {"sent": RECIPIENTS}
        and world.run_state() == "done"
    )


def _check(world, *, recovered_from, duplicates_allowed, fault):
    """Wait for the run to finish, then check what arrived; returns the seconds from the
    end of the fault to the last delivery. Printed beside it: the seconds the messages
    still to send would have taken at the rate of the first third (the machine's pace)."""
    first = sorted(at for _, at in world.recorder.received)[: RECIPIENTS // 3]
    pace = (first[-1] - first[0]) / max(len(first) - 1, 1)
    assert wait_for(lambda: _finished(world), RECOVERY_SECONDS + LEASE_SECONDS), (
        f"after {fault}: {len({a for a, _ in world.recorder.received})} of {RECIPIENTS} "
        f"received, outbox {world.statuses()}, run {world.run_state()}"
    )
    last = max(at for _, at in world.recorder.received)
    recovery = last - recovered_from
    time.sleep(3 * SWEEP_SECONDS + 1)  # anything sent twice would have arrived by now
    received = Counter(a for a, _ in world.recorder.received)
    assert set(received) == {f"reader{n}@example.org" for n in range(RECIPIENTS)}
    twice = {address: n for address, n in received.items() if n > 1}
    assert sum(n - 1 for n in twice.values()) <= duplicates_allowed, f"sent twice: {twice}"
    assert world.statuses() == {"sent": RECIPIENTS}  # none left "sending", none failed
    batches = dict(world.query("SELECT state, count(*) FROM dashboard_digestbatch GROUP BY 1"))
    assert batches == {"delivered": RECIPIENTS // DIGEST_BATCH}, batches
    remaining = RECIPIENTS - len(first)
    print(
        f"{fault}: all {RECIPIENTS} delivered {recovery:.1f}s after it ended "
        f"(the {remaining} left take {remaining * pace:.1f}s at the pace of the first "
        f"third); {len(twice)} sent twice"
    )
    assert recovery < RECOVERY_SECONDS, f"{fault}: recovered in {recovery:.1f}s"
    return recovery - remaining * pace


def test_a_worker_killed_mid_digest_loses_nothing(world, worker):
    _start_digest(world)
    _at_a_third(world)
    worker.kill()
    delivered = len({a for a, _ in world.recorder.received})
    assert delivered < RECIPIENTS, "the digest was over before the kill"
    sending = world.statuses().get("sending", 0)
    worker.start()  # a new worker, as the process supervisor would start it
    _check(
        world,
        recovered_from=worker.started,
        # The one message in flight on each connection that died may have been accepted
        # by the server before its row was marked sent.
        duplicates_allowed=PROCESSES,
        fault=f"kill -9 at {delivered} delivered ({sending} rows left sending)",
    )


def test_a_worker_that_exits_mid_digest_is_started_again_and_loses_nothing(world, worker):
    """The worker stops on its own (a warm shutdown, as after an unrecoverable error of
    its broker connection): the service manager starts it again, and it finishes."""
    _start_digest(world)
    _at_a_third(world)
    os.kill(worker.proc.pid, signal.SIGTERM)
    stopped = time.monotonic()
    assert wait_for(lambda: worker.restarts == 1, 90), worker.output()
    _check(
        world,
        recovered_from=stopped,
        duplicates_allowed=0,  # a warm shutdown finishes what it has started
        fault="the worker exited",
    )


def test_redis_restarted_empty_mid_digest_loses_nothing(world, worker):
    _start_digest(world)
    _at_a_third(world)
    world.redis.stop()
    time.sleep(REDIS_DOWN_SECONDS)
    unbuilt = world.query("SELECT count(*) FROM dashboard_digestbatch WHERE state = 'planned'")
    world.redis.start()  # without persistence: every queued task is gone
    _check(
        world,
        recovered_from=time.monotonic(),
        duplicates_allowed=0,
        fault=(
            f"Redis stopped {REDIS_DOWN_SECONDS}s and restarted empty "
            f"({unbuilt[0][0]} batches unbuilt)"
        ),
    )


def test_postgresql_restarted_mid_digest_loses_nothing(world, worker):
    _start_digest(world)
    _at_a_third(world)
    world.postgres.stop()
    time.sleep(POSTGRES_DOWN_SECONDS)
    world.postgres.start()
    _check(
        world,
        recovered_from=time.monotonic(),
        duplicates_allowed=0,
        fault=f"PostgreSQL stopped {POSTGRES_DOWN_SECONDS}s and started again",
    )


def test_smtp_refusing_for_a_while_mid_digest_catches_up_at_once(world, worker):
    _start_digest(world)
    _at_a_third(world)
    world.recorder.refusing = True
    time.sleep(SMTP_REFUSING_SECONDS)
    world.recorder.refusing = False
    delay = _check(
        world,
        recovered_from=time.monotonic(),
        duplicates_allowed=0,
        fault=f"SMTP answering 451 for {SMTP_REFUSING_SECONDS}s",
    )
    # The retries wait RETRY_SECONDS, doubled at each attempt (3, 6, 12 s): the first retry
    # after the server recovers comes within 12 s, then everything due goes at once, in
    # batches, as fast as the first attempt (not 500 a minute, as the sweep used to).
    assert delay < 4 * RETRY_SECONDS + 10, f"{delay:.1f}s later than the pace before it"
