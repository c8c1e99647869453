"""/healthz, as a load balancer uses it: JSON, within half a second whatever is broken, 200
while pages can be served and 503 only when they cannot (the database is unreachable),
naming what is down; over plain HTTP, called by the instance's address, in production.

The dependencies fail for real: pointed at a port where nothing listens (refused at once)
and at one that accepts the connection and never says a word (the hard case: only a time-out
ends it). The 0.5 s bound is measured around each request."""

import json
import os
import socket
import threading
import time

import pytest
from django.test import Client, override_settings

from core import health
from tests.conftest import run_python

# Read as the module is collected, before any test's fixture changes it.
PRODUCTION_DEADLINE = health.DEADLINE_SECONDS

PROBE_SECONDS = 0.5
# The probe calls an instance by its own address, which is in no ALLOWED_HOSTS.
INSTANCE = "10.0.3.7:8000"


@pytest.fixture(autouse=True)
def _production_deadline(_test_settings, monkeypatch):
    """The suite gives every other test a generous deadline (tests/conftest.py); these
    measure the one production has."""
    monkeypatch.setattr(health, "DEADLINE_SECONDS", PRODUCTION_DEADLINE)


@pytest.fixture(autouse=True)
def _checks_settled():
    """A check still running when a test ends (a silent server's) would be waited on by the
    next probe, which may be another test's: each test leaves none behind."""
    yield
    for check in health.CHECKS:
        if check._attempt is not None:
            assert check._attempt.done.wait(10), f"the {check.name} check never ended"


@pytest.fixture
def closed_port():
    """A port where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port that accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


@pytest.fixture(params=["refusing", "silent"])
def down_port(request):
    return request.getfixturevalue("closed_port" if request.param == "refusing" else "silent_port")


def redis_at(port):
    """The cache and the broker as production configures them from REDIS_URL, at `port`."""
    url = f"redis://127.0.0.1:{port}/0"
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": url,
                "OPTIONS": {
                    "SOCKET_CONNECT_TIMEOUT": 0.5,
                    "SOCKET_TIMEOUT": 0.5,
                    "IGNORE_EXCEPTIONS": True,
                },
            }
        },
        CELERY_BROKER_URL=url,
        CELERY_BROKER_TRANSPORT_OPTIONS={"socket_connect_timeout": 2, "socket_timeout": 5},
    )


def started():
    """A client whose middleware is loaded, as a server's is before its first request (the
    health middleware then loads what the checks use); the TRACE is refused, no view runs."""
    client = Client()
    client.generic("TRACE", "/")
    return client


def timed_probe(client, method="get"):
    started = time.monotonic()
    response = getattr(client, method)("/healthz", HTTP_HOST=INSTANCE)
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_healthz_is_json_naming_each_dependency():
    client = started()
    response, seconds = timed_probe(client)
    assert response.status_code == 200 and seconds < PROBE_SECONDS
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    response, _ = timed_probe(client, "head")
    assert response.status_code == 200
    # Only the probe is answered whatever the Host: pages still check it.
    assert client.get("/", HTTP_HOST=INSTANCE).status_code == 400


@pytest.mark.django_db
def test_cache_and_broker_down_answer_200_in_time_naming_them(down_port):
    with redis_at(down_port):
        client = started()
        for _ in range(3):  # again while the last probe's checks may still be running
            response, seconds = timed_probe(client)
            assert seconds < PROBE_SECONDS
            assert response.status_code == 200  # pages are still served
            assert response["Content-Type"] == "application/json"
            body = response.json()
            assert body["status"] == "ok" and body["down"] == ["cache", "broker"]
            assert body["checks"]["database"] == "ok"
            assert body["checks"]["cache"].startswith("error")
            assert body["checks"]["broker"].startswith("error")


@pytest.mark.django_db
def test_a_silent_server_does_not_pile_up_threads(silent_port):
    def checking():
        return [t for t in threading.enumerate() if t.name.startswith("healthz-")]

    with redis_at(silent_port):
        client = started()
        for _ in range(8):
            timed_probe(client)
            # One attempt at a time per dependency, however often the probe asks.
            assert len(checking()) <= 3


# --- through the settings, as deployed: each case in a process of its own ------------------------

PROBE_SCRIPT = """
import json, time
import django
django.setup()
from django.test import Client

client = Client()
# Loads the middleware, as a server does before its first request (refused: no view runs).
client.generic("TRACE", "/", HTTP_HOST="cop.example.org", HTTP_X_FORWARDED_PROTO="https")
out = []
for method, path, host, extra in json.loads(REQUESTS):
    started = time.monotonic()
    response = client.generic(method, path, HTTP_HOST=host, **extra)
    seconds = time.monotonic() - started
    out.append({
        "status": response.status_code,
        "type": response.get("Content-Type", ""),
        "location": response.get("Location", ""),
        "body": response.content.decode() if path == "/healthz" else "",
        "seconds": seconds,
    })
print("RESULT " + json.dumps(out))
"""


def served(tmp_path, requests, **env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "SITE_URL", "ALLOWED_HOSTS")
    }
    env.update(DJANGO_SETTINGS_MODULE="cop_platform.settings", VAR_DIR=str(tmp_path), **env_extra)
    script = f"REQUESTS = {json.dumps(json.dumps(requests))}\n{PROBE_SCRIPT}"
    result = run_python(script, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line.removeprefix("RESULT "))


def test_database_unreachable_answers_503_in_time(tmp_path, down_port):
    probes = [["GET", "/healthz", INSTANCE, {}]] * 3
    answers = served(tmp_path, probes, DATABASE_URL=f"postgres://probe@127.0.0.1:{down_port}/cop")
    for answer in answers:
        assert answer["seconds"] < PROBE_SECONDS, answers
        assert answer["status"] == 503 and answer["type"] == "application/json"
        body = json.loads(answer["body"])
        assert body["status"] == "error" and body["down"] == ["database"]
        assert body["checks"]["database"].startswith("error")


def test_production_answers_the_probe_over_plain_http_and_redirects_the_rest(tmp_path):
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 20 + "-Zq8!rT3#vW6&yB1^nM4*pL7(sD0)fG2_hJ5+kX9",
        "ALLOWED_HOSTS": "cop.example.org",
    }
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    probe, by_name, by_name_https, head, home, page = served(
        tmp_path,
        [
            ["GET", "/healthz", INSTANCE, {}],
            ["GET", "/healthz", "cop.example.org", {}],
            ["GET", "/healthz", "cop.example.org", https],
            ["HEAD", "/healthz", INSTANCE, {}],
            ["GET", "/", "cop.example.org", {}],
            ["GET", "/communities/", "cop.example.org", {}],
        ],
        **production,
    )
    for answer in (probe, by_name, by_name_https):
        assert answer["status"] == 200, answer
        assert answer["type"] == "application/json"
        assert json.loads(answer["body"])["checks"]["database"] == "ok"
        assert answer["seconds"] < PROBE_SECONDS
    assert head["status"] == 200
    # Every other page still goes to https.
    assert (home["status"], home["location"]) == (301, "https://cop.example.org/")
    assert (page["status"], page["location"]) == (301, "https://cop.example.org/communities/")
