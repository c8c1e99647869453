"""/healthz: the state of the database, the cache and the broker, as JSON.

A load balancer asks every few seconds and gives up after a second or two, so the answer
comes within DEADLINE_SECONDS whatever is broken: each dependency is checked in a thread of
its own, all at once, and a check that has not answered by the deadline is reported as
down. 503 only when pages cannot be served, which is when the database is unreachable; the
cache and the broker are reported but the platform degrades without them (pages render, and
e-mails wait in the outbox for the sweep), so they do not fail it.

The probe calls each instance by its own address, which is neither https nor a name in
ALLOWED_HOSTS: HealthCheckMiddleware (core/middleware.py) answers it before the host
is checked, and SECURE_REDIRECT_EXEMPT keeps it on plain HTTP.
"""

import logging
import threading
import time

from celery import current_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Every check together: the answer must be out within half a second, and the rest of the
# margin is for a busy process (a thread importing the Redis client holds up the others).
# A healthy local database answers a new connection and SELECT 1 in milliseconds.
DEADLINE_SECONDS = 0.3
# Socket time-outs of the broker check, so that its thread ends soon after the deadline too.
BROKER_TIMEOUT_SECONDS = 0.25


def _database():
    # This thread's own connection (Django's are per thread), closed when done: a check
    # abandoned at the deadline must not leave one open behind it.
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    finally:
        connection.close()


def _cache():
    # The Redis cache ignores its errors (a miss, not a failure): a value that does not come
    # back is how an unreachable cache shows.
    cache.set("healthz", "1", 10)
    return "ok" if cache.get("healthz") == "1" else "error: no round trip"


def _broker():
    with current_app.connection_for_write(
        url=settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options={
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
            "socket_timeout": BROKER_TIMEOUT_SECONDS,
        },
    ) as conn:
        conn.ensure_connection(max_retries=0)  # one attempt, no sleeping between retries
    return "ok"


def prepare():
    """Load, once, what the checks use, before the first probe (the middleware calls this as
    the server starts): a first probe whose threads imported the Redis client and the
    broker's transport overran its deadline on a busy machine. Nothing connects here."""
    try:
        getattr(cache, "client", None)  # django-redis builds its client (importing redis) lazily
        with current_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.transport  # noqa: B018  # the transport class, imported; not connected
    except Exception:  # the server starts anyway: the checks will report what is wrong
        logger.exception("The health checks could not load what they use")


class _Attempt:
    """One run of a check, in a daemon thread (a hung one never holds the process open)."""

    def __init__(self, name, function):
        self.done = threading.Event()
        self.result = None
        threading.Thread(
            target=self._run, args=(function,), name=f"healthz-{name}", daemon=True
        ).start()

    def _run(self, function):
        try:
            self.result = function()
        except Exception as exc:  # report, never raise: this page must answer
            self.result = f"error: {exc.__class__.__name__}"
        finally:
            self.done.set()


class _Check:
    """At most one attempt at a time for each dependency, in each process: while a server
    hangs, every probe waits on the attempt already running rather than starting another, so
    probes every second against a dead server never pile up threads."""

    def __init__(self, name, function):
        self.name = name
        self.function = function
        self._lock = threading.Lock()
        self._attempt = None

    def attempt(self):
        with self._lock:
            if self._attempt is None or self._attempt.done.is_set():
                self._attempt = _Attempt(self.name, self.function)
            return self._attempt


# Each check's function is looked up when it runs, so that one replaced in a test is the one run.
CHECKS = (
    _Check("database", lambda: _database()),
    _Check("cache", lambda: _cache()),
    _Check("broker", lambda: _broker()),
)


def run_checks(deadline=None):
    """{dependency: "ok" or "error: ..."}, within `deadline` seconds (DEADLINE_SECONDS, read
    when called)."""
    if deadline is None:
        deadline = DEADLINE_SECONDS
    started = time.monotonic()
    attempts = [(check.name, check.attempt()) for check in CHECKS]
    results = {}
    for name, attempt in attempts:
        remaining = deadline - (time.monotonic() - started)
        if attempt.done.wait(max(remaining, 0)):
            results[name] = attempt.result
        else:
            results[name] = f"error: no answer within {deadline:g} s"
    return results


@never_cache
@require_safe
@login_not_required
def healthz(request):
    checks = run_checks()
    healthy = checks["database"] == "ok"
    body = {
        "status": "ok" if healthy else "error",
        "checks": checks,
        "down": [name for name, result in checks.items() if result != "ok"],
        "broker_transport": settings.CELERY_BROKER_URL.split(":", 1)[0],
    }
    return JsonResponse(body, status=200 if healthy else 503)
