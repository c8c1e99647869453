"""What every part of the benchmark shares: where things are, the log, small figures, the
processes the run started, and Django in this process."""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CORES = os.cpu_count() or 1
FORWARDED = {"X-Forwarded-Proto": "https"}  # what the HTTPS proxy in front of gunicorn sends

DJANGO_READY = False
PROGRESS = {}  # the e-mail job under way, for the report of an interrupted run


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env_default(name, default, cast=str):
    value = os.environ.get(name)
    return cast(value) if value not in (None, "") else default


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, pct):
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def rnd(value, digits=1):
    return None if value is None else round(value, digits)


def with_db(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Processes:
    """The processes this run started, each in its own session so that stopping one stops
    its children (gunicorn's and Celery's workers) and nothing else."""

    def __init__(self):
        self.running = []

    def start(self, name, argv, env, logfile):
        out = open(logfile, "ab")  # noqa: SIM115  # kept open for the process's life
        proc = subprocess.Popen(  # noqa: S603  # nosec B603  # argv built here
            argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.bench_name = name
        self.running.append(proc)
        return proc

    def stop(self, proc, timeout=30):
        """SIGTERM to the process's group, SIGKILL after `timeout` seconds (0: at once)."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM if timeout else signal.SIGKILL)
            try:
                proc.wait(timeout or 10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if timeout == 0:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the workers, if the master went first
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self):
        for proc in list(reversed(self.running)):
            self.stop(proc)


def http_get(port, path, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={**FORWARDED, **(headers or {})})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def django_setup(env):
    global DJANGO_READY
    os.environ.update(env)
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # The pages measured in this process are served as gunicorn's processes serve them.
    from core import heap

    heap.tune()
    DJANGO_READY = True
