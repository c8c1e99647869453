"""Where each read goes with read replicas (core/replicas.py), rule by rule, with the router
alone: no replica is needed. `Servers` is the router with two replicas that exist only here,
its three questions to the servers (can it connect, where is the primary's log, has the
replica replayed that far) answered by the test; every rule is the router's own.
tests/integration/test_read_replicas.py runs the real thing against a streaming replica."""

import json
import os
import time
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import MiddlewareNotUsed
from django.db import transaction
from django.db.utils import OperationalError
from django.http import HttpResponse

from communities.models import Community
from core import replicas
from core.replicas import (
    ReplicaLagMiddleware,
    ReplicaRouter,
    replica_reads,
    unit_of_work,
)
from tests.conftest import run_python


class Servers(ReplicaRouter):
    """The router, with two replicas: those in `down` refuse connections, those in `behind`
    never replay as far as the primary has written."""

    def __init__(self):
        self.down, self.behind, self.connects = set(), set(), []

    def replicas(self):
        return ["replica_0", "replica_1"]

    def _connect(self, alias):
        self.connects.append(alias)
        if alias in self.down:
            raise OperationalError("connection refused")

    def _primary_position(self):
        return "0/3000148"

    def _replayed(self, alias, position):
        return alias not in self.behind


@pytest.fixture
def router():
    return Servers()


@pytest.fixture(autouse=True)
def _own_work(settings, monkeypatch):
    """Each test is a unit of work of its own, and every replica answers at its start."""
    settings.DATABASE_REPLICAS = ["replica_0", "replica_1"]
    settings.REPLICA_WAIT_SECONDS = 0.2
    monkeypatch.setattr(replicas, "_down_until", {})
    with unit_of_work():
        yield


def read(router):
    return router.db_for_read(Community)


# --- scopes -------------------------------------------------------------------------------------


def test_reads_go_to_the_primary_outside_a_scope(router):
    assert read(router) == "default"
    assert router.connects == []


def test_a_scope_reads_from_one_replica_throughout_and_the_next_from_the_other(router):
    with replica_reads():
        first = read(router)
        assert first in ("replica_0", "replica_1")
        assert read(router) == first
        with replica_reads():  # a scope inside another keeps its replica
            assert read(router) == first
    assert read(router) == "default"
    with replica_reads():
        assert read(router) not in (first, "default")


def test_a_decorated_function_reads_from_a_replica_each_time_it_is_called(router):
    @replica_reads()
    def heavy():
        return read(router)

    assert {heavy(), heavy()} == {"replica_0", "replica_1"}
    assert read(router) == "default"


def test_writes_go_to_the_primary_even_inside_a_scope(router):
    with replica_reads():
        assert router.db_for_write(Community) == "default"


def test_after_a_write_the_rest_of_the_work_reads_from_the_primary(router):
    with replica_reads():
        assert read(router) != "default"
        router.db_for_write(Community)
        assert read(router) == "default"
    with replica_reads():
        assert read(router) == "default"


def test_a_replica_that_cannot_be_reached_is_left_out_for_a_while(router, settings):
    settings.REPLICA_RETRY_SECONDS = 30
    router.down = {"replica_0"}
    for _ in range(3):
        with replica_reads():
            assert read(router) == "replica_1"
    assert router.connects.count("replica_0") == 1  # tried once, then left out


def test_when_no_replica_answers_the_primary_does_and_they_are_tried_again_later(router, settings):
    settings.REPLICA_RETRY_SECONDS = 0  # left out for no time at all
    router.down = {"replica_0", "replica_1"}
    with replica_reads():
        assert read(router) == "default"
    router.down = set()
    with replica_reads():
        assert read(router) in ("replica_0", "replica_1")


def test_without_replicas_a_scope_reads_from_the_primary(settings):
    """As in the rest of the suite (tests/conftest.py), whatever DATABASE_REPLICA_URLS says."""
    settings.DATABASE_REPLICAS = []
    with replica_reads():
        assert ReplicaRouter().db_for_read(Community) == "default"


def test_relations_across_the_databases_are_allowed_and_migrations_run_on_the_primary(router):
    on_primary = SimpleNamespace(_state=SimpleNamespace(db="default"))
    on_replica = SimpleNamespace(_state=SimpleNamespace(db="replica_1"))
    elsewhere = SimpleNamespace(_state=SimpleNamespace(db="archive"))
    assert router.allow_relation(on_primary, on_replica) is True
    assert router.allow_relation(on_primary, elsewhere) is None
    assert router.allow_migrate("replica_0", "communities") is False
    assert router.allow_migrate("default", "communities") is None


# --- background jobs that must see everything committed before they began (the digest) ---------


def test_a_caught_up_scope_reads_from_a_replica_that_has_replayed_the_primary(router):
    router.db_for_write(Community)  # committed (no transaction): the replica has it once caught up
    with replica_reads(caught_up=True):
        assert read(router) in ("replica_0", "replica_1")


def test_a_caught_up_scope_waits_then_reads_from_the_primary_if_the_replica_stays_behind(
    router, settings
):
    router.behind = {"replica_0", "replica_1"}
    started = time.monotonic()
    with replica_reads(caught_up=True):
        assert read(router) == "default"
    assert time.monotonic() - started >= settings.REPLICA_WAIT_SECONDS
    with replica_reads():  # a page does not wait
        assert read(router) in ("replica_0", "replica_1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_caught_up_scope_reads_from_the_primary_while_its_transaction_holds_a_write(router):
    with transaction.atomic():
        with replica_reads(caught_up=True):
            assert read(router) != "default"
        router.db_for_write(Community)
        with replica_reads(caught_up=True):
            assert read(router) == "default"
    with replica_reads(caught_up=True):  # committed: a caught-up replica has it
        assert read(router) != "default"


# --- requests: a person who has just written ------------------------------------------------------


def answer(router, *, seen, writes=False, status=200):
    """A view that reads in a scope (and writes before reading again, if asked), recording
    where each read went."""

    def view(request):
        with replica_reads():
            seen.append(read(router))
            if writes:
                router.db_for_write(Community)
                seen.append(read(router))
        return HttpResponse(status=status)

    return ReplicaLagMiddleware(view)


def send(rf, middleware, method="get", cookies=None):
    request = getattr(rf, method)("/dashboard/")
    request.COOKIES.update(cookies or {})
    return middleware(request)


def test_a_request_that_only_reads_reads_from_a_replica_and_leaves_no_cookie(rf, router):
    seen = []
    response = send(rf, answer(router, seen=seen))
    assert seen[0] in ("replica_0", "replica_1")
    assert "recent_write" not in response.cookies


def test_a_post_reads_from_the_primary_and_the_next_requests_too_for_a_while(rf, router, settings):
    settings.REPLICA_LAG_SECONDS = 10
    seen = []
    response = send(rf, answer(router, seen=seen), method="post")
    assert seen == ["default"]
    cookie = response.cookies["recent_write"]
    assert cookie["max-age"] == 10 and cookie["httponly"] and cookie["samesite"] == "Lax"

    later = {"recent_write": cookie.value}
    with time_machine.travel(time.time() + 9):
        send(rf, answer(router, seen=seen), cookies=later)
    with time_machine.travel(time.time() + 11):
        send(rf, answer(router, seen=seen), cookies=later)
    assert seen[1] == "default"  # 9 s after writing: the primary
    assert seen[2] in ("replica_0", "replica_1")  # 11 s after: a replica again


def test_a_get_whose_view_wrote_keeps_the_person_on_the_primary(rf, router):
    seen = []
    response = send(rf, answer(router, writes=True, seen=seen))
    assert seen[0] != "default" and seen[1] == "default"  # from the write on
    assert "recent_write" in response.cookies


def test_a_refused_post_leaves_no_cookie(rf, router):
    response = send(rf, answer(router, status=403, seen=[]), method="post")
    assert "recent_write" not in response.cookies


def test_a_cookie_that_was_not_signed_here_is_ignored(rf, router):
    seen = []
    send(rf, answer(router, seen=seen), cookies={"recent_write": "1"})
    assert seen[0] in ("replica_0", "replica_1")


def test_a_request_leaves_the_work_around_it_as_it_was(rf, router):
    send(rf, answer(router, writes=True, seen=[]), method="post")
    with replica_reads():
        assert read(router) != "default"


def test_the_cookie_is_a_secure_host_cookie_in_production(rf, router, settings):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.SESSION_COOKIE_SECURE = True
    response = send(rf, answer(router, seen=[]), method="post")
    assert response.cookies["__Host-recent_write"]["secure"]


def test_without_replicas_the_middleware_is_not_installed(settings):
    settings.DATABASE_REPLICAS = []
    with pytest.raises(MiddlewareNotUsed):
        ReplicaLagMiddleware(lambda request: HttpResponse())


# --- Celery tasks ---------------------------------------------------------------------------------


def worker_task(task_id, *, eager=False):
    sender = SimpleNamespace(request=SimpleNamespace(is_eager=eager))
    return {"sender": sender, "task_id": task_id}


def test_a_task_that_wrote_reads_from_the_primary_and_the_next_task_starts_afresh(router):
    router.db_for_write(Community)  # before the worker's first task: not the tasks' writes
    replicas.task_started(**worker_task("a"))
    with replica_reads():
        assert read(router) != "default"
        router.db_for_write(Community)
        assert read(router) == "default"
    replicas.task_finished(**worker_task("a"))

    replicas.task_started(**worker_task("b"))
    with replica_reads():
        assert read(router) != "default"
    replicas.task_finished(**worker_task("b"))


def test_a_task_run_in_process_is_part_of_its_callers_work(router):
    router.db_for_write(Community)  # the caller wrote
    replicas.task_started(**worker_task("c", eager=True))
    with replica_reads():
        assert read(router) == "default"
    replicas.task_finished(**worker_task("c", eager=True))


# --- settings -------------------------------------------------------------------------------------

SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'replicas': s.DATABASE_REPLICAS, 'routers': s.DATABASE_ROUTERS, "
    "'databases': {k: {f: v.get(f) for f in ('HOST', 'PORT', 'NAME', 'TEST', 'CONN_HEALTH_CHECKS', 'OPTIONS')} "
    "for k, v in s.DATABASES.items()}}))"
)


def settings_with(**environment):
    """The settings a new process reads from this environment (and the machine's, less
    the database's)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "DATABASE_REPLICA_URLS",
            "DATABASE_PARALLEL_WORKERS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    env.update(DJANGO_SETTINGS_MODULE="cop_platform.settings", **environment)
    return run_python(SHOW, env=env, timeout=60)


def test_replica_urls_become_replica_databases_that_mirror_the_primary_under_the_tests():
    result = settings_with(
        DATABASE_URL="postgres://cop@db.example.org:5432/cop",
        DATABASE_REPLICA_URLS="postgres://cop@replica1.example.org:5432/cop, "
        "postgresql://cop@replica2.example.org/cop",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["replicas"] == ["replica_0", "replica_1"]
    assert shown["routers"] == ["core.replicas.ReplicaRouter"]
    assert shown["databases"]["replica_1"]["HOST"] == "replica2.example.org"
    assert shown["databases"]["replica_0"]["TEST"]["MIRROR"] == "default"
    assert shown["databases"]["replica_0"]["CONN_HEALTH_CHECKS"] is True


def test_no_replica_urls_change_nothing():
    result = settings_with(
        DATABASE_URL="postgres://cop@db.example.org:5432/cop", DATABASE_REPLICA_URLS=""
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["replicas"] == [] and shown["routers"] == []
    assert list(shown["databases"]) == ["default"]


def test_a_replica_of_a_sqlite_database_is_refused():
    result = settings_with(DATABASE_REPLICA_URLS="sqlite:////tmp/copy.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS names PostgreSQL replicas" in result.stderr


def test_each_connection_starts_no_parallel_workers_unless_told():
    """DATABASE_PARALLEL_WORKERS (0 by default) is set on the primary's and each replica's
    connections; empty leaves the server's own."""
    urls = {
        "DATABASE_URL": "postgres://cop@db.example.org:5432/cop",
        "DATABASE_REPLICA_URLS": "postgres://cop@replica1.example.org:5432/cop",
    }
    shown = json.loads(settings_with(**urls).stdout)["databases"]
    for alias in ("default", "replica_0"):
        assert shown[alias]["OPTIONS"]["options"] == "-c max_parallel_workers_per_gather=0"
    two = json.loads(settings_with(DATABASE_PARALLEL_WORKERS="2", **urls).stdout)["databases"]
    assert two["default"]["OPTIONS"]["options"] == "-c max_parallel_workers_per_gather=2"
    server = json.loads(settings_with(DATABASE_PARALLEL_WORKERS="", **urls).stdout)["databases"]
    assert "options" not in server["default"]["OPTIONS"]
    sqlite = json.loads(settings_with(DATABASE_URL="sqlite:////tmp/x.sqlite3").stdout)
    assert "options" not in sqlite["databases"]["default"]["OPTIONS"]


def test_the_connection_of_this_run_has_the_setting(db):
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
    else:
        assert "options" not in connection.settings_dict["OPTIONS"]
