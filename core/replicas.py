"""Read replicas: which database answers each query when DATABASE_REPLICA_URLS names some.

Everything reads from the primary ("default") except what runs inside `replica_reads()`,
which the heavy reads use: the programme dashboard's figures and downloads, the library and
discussion searches, the digest's reading of updates. Inside it one replica answers the whole
scope (the same one, so that a page's figures agree with each other), except where that could
show someone data older than what they know is there:

- A person who has just written reads from the primary: for the rest of that request (every
  POST, and any request that wrote), then for REPLICA_LAG_SECONDS afterwards, through a
  signed cookie that ReplicaLagMiddleware sets on the answer to a request that wrote.
- A Celery task that has written reads from the primary for the rest of the task.
- `replica_reads(caught_up=True)`, for background jobs whose reads must include everything
  committed before they began (the digest: an update missed by one digest would never be in
  the next), first waits, at most REPLICA_WAIT_SECONDS, for the replica to replay the
  primary's log up to where it stands now; it reads from the primary if the replica stays
  behind, or while the job's own transaction holds a write not yet committed.

A replica that cannot be reached is left out for REPLICA_RETRY_SECONDS and the primary
answers instead. Writes and migrations always go to the primary. Without replicas the router
and the middleware are not installed (settings) and a scope is a context variable, no more.
"""

import itertools
import logging
import time
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
COOKIE_SALT = "core.replicas.recent-write"


@dataclass
class _Scope:
    caught_up: bool
    alias: str | None = None  # chosen at the scope's first read


# The innermost replica_reads() scope of this request or task, if any.
_scope: ContextVar[_Scope | None] = ContextVar("replica_scope", default=None)
# This request or task has written (a POST counts from its start): it reads from the primary.
_wrote: ContextVar[bool] = ContextVar("replica_wrote", default=False)
# The person behind this request wrote within REPLICA_LAG_SECONDS (the signed cookie).
_recent: ContextVar[bool] = ContextVar("replica_recent", default=False)
# A write inside a transaction that has not committed yet: no replica can have it.
_uncommitted: ContextVar[bool] = ContextVar("replica_uncommitted", default=False)

# Per process: replica alias -> time.monotonic() until which it is left out.
_down_until: dict[str, float] = {}
_turn = itertools.count()


@contextmanager
def replica_reads(*, caught_up=False):
    """Reads inside may come from a replica (see the module's rules). Also a decorator.
    A scope inside another keeps the outer one's replica, unless it asks to be caught up and
    the outer one did not."""
    outer = _scope.get()
    keep = outer is not None and (outer.caught_up or not caught_up)
    token = _scope.set(outer if keep else _Scope(caught_up=caught_up))
    try:
        yield
    finally:
        _scope.reset(token)


def _begin(*, wrote, recent):
    return [
        (_scope, _scope.set(None)),
        (_wrote, _wrote.set(wrote)),
        (_recent, _recent.set(recent)),
        (_uncommitted, _uncommitted.set(False)),
    ]


def _end(tokens):
    for var, token in reversed(tokens):
        with suppress(ValueError):  # a token of another context: nothing of ours to undo
            var.reset(token)


@contextmanager
def unit_of_work(*, wrote=False, recent=False):
    """A request's or a task's own record of its writes, starting with `wrote` (a POST) and
    `recent` (a write of the person's within REPLICA_LAG_SECONDS), and put back as it was
    after. Yields a function that tells whether it wrote."""
    tokens = _begin(wrote=wrote, recent=recent)
    try:
        yield _wrote.get
    finally:
        _end(tokens)


def _committed():
    _uncommitted.set(False)


class ReplicaRouter:
    """DATABASE_ROUTERS entry, installed when DATABASE_REPLICA_URLS names replicas."""

    def replicas(self):
        return list(settings.DATABASE_REPLICAS)

    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None:
            return PRIMARY
        if scope.caught_up:
            if _uncommitted.get():
                return PRIMARY
        elif _wrote.get() or _recent.get():
            return PRIMARY
        if scope.alias is None:
            scope.alias = self._choose(caught_up=scope.caught_up)
        return scope.alias

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        if connections[PRIMARY].in_atomic_block and not _uncommitted.get():
            _uncommitted.set(True)
            transaction.on_commit(_committed, using=PRIMARY)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        ours = {PRIMARY, *settings.DATABASE_REPLICAS}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db in settings.DATABASE_REPLICAS else None

    # --- choosing a replica ----------------------------------------------------------------

    def _choose(self, *, caught_up):
        """A replica that answers (taken in turn), caught up with the primary if asked;
        the primary if there is none."""
        now = time.monotonic()
        up = [alias for alias in self.replicas() if _down_until.get(alias, 0) <= now]
        if not up:
            return PRIMARY
        start = next(_turn) % len(up)
        for alias in up[start:] + up[:start]:
            if not self._reachable(alias):
                continue
            if caught_up and not self._caught_up(alias):
                return PRIMARY
            return alias
        return PRIMARY

    def _reachable(self, alias):
        try:
            self._connect(alias)
        except DatabaseError as exc:
            _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
            logger.warning(
                "Replica %s cannot be reached (%s): the primary answers for %s s",
                alias,
                exc.__class__.__name__,
                settings.REPLICA_RETRY_SECONDS,
            )
            return False
        return True

    def _caught_up(self, alias):
        """Wait, at most REPLICA_WAIT_SECONDS, for the replica to replay the primary's log
        up to where it stands now: then it holds every transaction committed so far."""
        target = self._primary_position()
        deadline = time.monotonic() + settings.REPLICA_WAIT_SECONDS
        while not self._replayed(alias, target):
            if time.monotonic() >= deadline:
                logger.info("Replica %s is behind the primary: the primary answers", alias)
                return False
            time.sleep(0.05)
        return True

    # --- what the three methods above ask of the servers -----------------------------------

    def _connect(self, alias):
        connection = connections[alias]
        connection.close_if_health_check_failed()
        connection.ensure_connection()

    def _primary_position(self):
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            return cursor.fetchone()[0]

    def _replayed(self, alias, position):
        with connections[alias].cursor() as cursor:
            # A server that is not in recovery is a primary: it has everything.
            cursor.execute(
                "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn",
                [position],
            )
            return bool(cursor.fetchone()[0])


# --- requests -------------------------------------------------------------------------------


def cookie_name():
    """Named like the session cookie: with its __Host- prefix in production."""
    prefix = "__Host-" if settings.SESSION_COOKIE_NAME.startswith("__Host-") else ""
    return f"{prefix}recent_write"


class ReplicaLagMiddleware:
    """Keeps a person who has just written on the primary: for the rest of the request,
    then for REPLICA_LAG_SECONDS, by a signed cookie on the answer to a request that wrote
    and succeeded (a POST, or a GET whose view wrote). Not installed without replicas."""

    def __init__(self, get_response):
        if not settings.DATABASE_REPLICAS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.REPLICA_LAG_SECONDS
        recent = request.get_signed_cookie(
            cookie_name(), default=None, salt=COOKIE_SALT, max_age=seconds
        )
        writing = request.method not in SAFE_METHODS
        with unit_of_work(wrote=writing, recent=recent is not None) as wrote:
            response = self.get_response(request)
            written = wrote()
        if written and response.status_code < 400:
            response.set_signed_cookie(
                cookie_name(),
                "1",
                salt=COOKIE_SALT,
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


# --- Celery tasks ---------------------------------------------------------------------------

_task_tokens: dict[str, list] = {}


def _eager(sender):
    request = getattr(sender, "request", None)
    return request is None or getattr(request, "is_eager", False)


def task_started(sender=None, task_id=None, **kwargs):
    """Each task starts with no writes of its own (a worker runs many, one after another).
    A task run in-process (eager) is part of its caller's work: left alone."""
    if not _eager(sender):
        _task_tokens[task_id] = _begin(wrote=False, recent=False)


def task_finished(sender=None, task_id=None, **kwargs):
    tokens = _task_tokens.pop(task_id, None)
    if tokens:
        _end(tokens)


def connect_task_signals():
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(task_started, dispatch_uid="core.replicas.task_started")
    task_postrun.connect(task_finished, dispatch_uid="core.replicas.task_finished")
