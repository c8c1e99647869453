"""Redis stops and comes back, around real requests to a real web server and a real worker.

A private redis-server on a port of its own (never the machine's shared one on 6379) is the
cache and the broker of a gunicorn server and of a Celery worker with its embedded beat.
With Redis stopped every page still answers, quickly, and people stay signed in (sessions
live in the database); pages that send e-mail answer too, and leave the message in the
outbox. Once Redis is back the sweep sends each of those messages, exactly once.
"""

import re
import signal
import time
from datetime import timedelta

import pytest
import requests
from bs4 import BeautifulSoup
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import EmailDelivery
from communities.models import Community, Membership
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory
from tests.integration.conftest import (
    PrivateRedis,
    celery_worker,
    child_env,
    free_port,
    gunicorn,
    read_log,
    redis_binary,
    start_logged,
    stop_group,
    wait_for,
    web_ready,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Every page must answer within this many seconds while Redis is down.
PAGE_SECONDS = 10
# The outbox must be empty within this many seconds of Redis coming back.
DRAIN_SECONDS = 150
# The worker's beat runs the e-mail sweep this often (60 s in production).
SWEEP_SECONDS = 2


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(redis_binary(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def services(redis_server, smtp_sink, tmp_path):
    """gunicorn and a Celery worker with its beat, both on the private Redis, e-mailing
    through the SMTP sink. Yields the site's base URL and the two processes."""
    _, smtp_port = smtp_sink
    web_port = free_port()
    base_url = f"http://127.0.0.1:{web_port}"
    env = child_env(
        REDIS_URL=redis_server.url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        EMAIL_SWEEP_SECONDS=str(SWEEP_SECONDS),
        SITE_URL=base_url,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="cop_platform.settings",
    )
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    procs = []  # (process, the signal that stops it)
    try:
        # gunicorn stops at once on SIGINT; Celery shuts down warm on SIGTERM.
        procs.append((start_logged(gunicorn(web_port, workers=2), web_log, env), signal.SIGINT))
        procs.append((start_logged(_worker(tmp_path), worker_log, env), signal.SIGTERM))
        _wait_until_ready(base_url, web_log, worker_log)
        yield {"url": base_url, "web": procs[0][0], "worker": procs[1][0]}
    finally:
        for proc, stop_signal in reversed(procs):
            stop_group(proc, stop_signal)
        print("--- gunicorn\n" + read_log(web_log))
        print("--- celery worker\n" + read_log(worker_log))


def _worker(tmp_path):
    return celery_worker("--beat", "--schedule", str(tmp_path / "beat-schedule"), "--pool=solo")


def _wait_until_ready(base_url, web_log, worker_log):
    assert wait_for(lambda: web_ready(base_url), 60), (
        f"gunicorn did not start:\n{read_log(web_log)}"
    )
    assert wait_for(lambda: "ready." in read_log(worker_log), 60), (
        f"the worker did not start:\n{read_log(worker_log)}"
    )


def _form_data(html, form_action=None):
    """The hidden fields (CSRF token and the like) of the page's form that posts."""
    soup = BeautifulSoup(html, "html.parser")
    forms = [
        f
        for f in soup.find_all("form", method=re.compile("post", re.I))
        if form_action is None or f.get("action", "") in ("", form_action)
    ]
    assert forms, "no form on the page"
    form = forms[-1]
    return {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}


def _timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, timeout=PAGE_SECONDS + 20, allow_redirects=False, **kwargs)
    return response, time.monotonic() - started


def _sign_in(base_url, email):
    session = requests.Session()
    page, _ = _timed(session.get, f"{base_url}/accounts/login/")
    assert page.status_code == 200
    data = _form_data(page.text, "/accounts/login/")
    data.update(login=email, password=PASSWORD)
    response, elapsed = _timed(session.post, f"{base_url}/accounts/login/", data=data)
    assert response.status_code == 302, response.text[:2000]
    assert "/accounts/login" not in response.headers["Location"]
    return session, elapsed


def _post_form(session, url, **fields):
    """Open the page, then post its form with `fields`; returns (response, seconds)."""
    page, _ = _timed(session.get, url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    path = url.split("://", 1)[1].split("/", 1)[1]
    data = {**_form_data(page.text, "/" + path), **fields}
    return _timed(session.post, url, data=data)


def _check_pages(session, base_url, paths, *, signed_in_as):
    """Every page answers 200 within PAGE_SECONDS, to the person signed in."""
    timings = {}
    for path in paths:
        response, elapsed = _timed(session.get, base_url + path)
        timings[path] = round(elapsed, 2)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        assert elapsed < PAGE_SECONDS, f"{path} took {elapsed:.1f}s"
        assert "Sign out" in response.text and signed_in_as.name in response.text, (
            f"{path}: {signed_in_as.name} is no longer signed in"
        )
    return timings


def _deliveries():
    return list(EmailDelivery.objects.values("to_address", "subject", "status", "attempts"))


def test_pages_answer_with_redis_stopped_and_the_outbox_drains_once_it_returns(
    redis_server, services, smtp_sink
):
    sink, _ = smtp_sink
    base_url = services["url"]
    convener, member, forgetful, (before, during, after) = _people_and_communities()
    paths = [
        "/",
        "/communities/",
        f"/communities/{before.slug}/",
        f"/communities/{during.slug}/",
        "/accounts/settings/",
    ]

    # Redis up: sign in, browse, ask to join; the convener hears at once.
    session, _ = _sign_in(base_url, member.email)
    _check_pages(session, base_url, paths, signed_in_as=member)
    response, _ = _post_form(
        session, f"{base_url}/communities/{before.slug}/join/", note="Before the outage"
    )
    assert response.status_code == 302
    assert wait_for(lambda: len(sink.messages) == 1, 30), "nothing delivered with Redis up"
    assert wait_for(lambda: EmailDelivery.objects.get().status == EmailDelivery.Status.SENT, 10)

    # Redis stops.
    redis_server.stop()
    down_at = time.monotonic()
    second = _redis_down(
        session, base_url, paths, sink, during=during, people=(convener, member, forgetful)
    )
    outage = time.monotonic() - down_at
    print(f"Redis down for {outage:.1f}s")

    # Redis returns, empty: the sweep sends what waited, once each.
    redis_server.start()
    _the_outbox_drains_once(sink, member)

    # Both sessions survived, and the site is whole again.
    _check_pages(session, base_url, paths, signed_in_as=member)
    _check_pages(second, base_url, ["/"], signed_in_as=forgetful)
    health = requests.get(f"{base_url}/healthz", timeout=PAGE_SECONDS).json()
    assert health["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}, health
    # The web server publishes again: the message's own task sends it, not the sweep (which
    # would wait a minute, and the row would have been made due at once had publishing failed).
    response, _ = _post_form(
        session, f"{base_url}/communities/{after.slug}/join/", note="After the outage"
    )
    assert response.status_code == 302
    assert wait_for(lambda: len(sink.messages) == 4, 30), "nothing published after the outage"
    latest = EmailDelivery.objects.latest("created_at")
    assert latest.subject == f"{member.name} asks to join {after.name}"
    assert latest.next_attempt_at - latest.created_at > timedelta(seconds=30), (
        "the web server could not publish after Redis returned"
    )
    assert wait_for(
        lambda: EmailDelivery.objects.filter(status=EmailDelivery.Status.SENT).count() == 4, 10
    )
    assert services["web"].poll() is None, "gunicorn died"
    assert services["worker"].poll() is None, "the worker died"


def _people_and_communities():
    """A convener of three communities that ask for approval (joined before, during and
    after the outage), a member and a person who forgot their password."""
    hasher = PBKDF2PasswordHasher()  # the server's hasher (the tests' own is faster)
    convener = UserFactory(email="convener@example.org", name="Cara Convener")
    member = UserFactory(email="member@example.org", name="Mo Member")
    forgetful = UserFactory(email="forgetful@example.org", name="Fran Forgetful")
    for person in (convener, member, forgetful):
        person.password = hasher.encode(PASSWORD, hasher.salt())
        person.save(update_fields=["password"])
    before, during, after = (
        CommunityFactory(join_policy=Community.JoinPolicy.APPROVAL) for _ in range(3)
    )
    for community in (before, during, after):
        MembershipFactory(community=community, user=convener, role=Membership.Role.CONVENER)
    return convener, member, forgetful, (before, during, after)


def _redis_down(session, base_url, paths, sink, *, during, people):
    """Every page answers in time to the member signed in; asking to join, a password reset
    and signing in answer too, and their messages wait in the outbox. The second session."""
    convener, member, forgetful = people
    timings = _check_pages(session, base_url, paths, signed_in_as=member)
    health = requests.get(f"{base_url}/healthz", timeout=PAGE_SECONDS).json()
    assert health["status"] == "ok" and health["checks"]["database"] == "ok"
    assert health["checks"]["broker"] != "ok", health

    # Pages that send e-mail answer, and keep the message in the outbox.
    response, elapsed = _post_form(
        session, f"{base_url}/communities/{during.slug}/join/", note="During the outage"
    )
    assert response.status_code == 302 and elapsed < PAGE_SECONDS, (response, elapsed)
    timings["join (POST)"] = round(elapsed, 2)
    anonymous = requests.Session()
    response, elapsed = _post_form(
        anonymous, f"{base_url}/accounts/password/reset/", email=forgetful.email
    )
    assert response.status_code == 302 and elapsed < PAGE_SECONDS, (response, elapsed)
    timings["password reset (POST)"] = round(elapsed, 2)
    # Signing in writes a session: it goes to the database, not to the missing cache.
    second, elapsed = _sign_in(base_url, forgetful.email)
    assert elapsed < PAGE_SECONDS
    timings["sign in (POST)"] = round(elapsed, 2)
    _check_pages(second, base_url, ["/"], signed_in_as=forgetful)

    pending = EmailDelivery.objects.filter(status=EmailDelivery.Status.PENDING)
    assert sorted(pending.values_list("to_address", flat=True)) == [
        convener.email,
        forgetful.email,
    ], _deliveries()
    assert len(sink.messages) == 1
    print(f"timings with Redis down: {timings}")
    return second


def _the_outbox_drains_once(sink, member):
    """What waited is sent once Redis is back, each row of the outbox once and nothing else."""
    back_at = time.monotonic()

    def drained():
        statuses = EmailDelivery.objects.values_list("status", flat=True)
        return len(sink.messages) >= 3 and all(s == EmailDelivery.Status.SENT for s in statuses)

    assert wait_for(drained, DRAIN_SECONDS), (
        f"outbox not drained {DRAIN_SECONDS}s after Redis returned: "
        f"{_deliveries()}, {len(sink.messages)} message(s) received"
    )
    drain = time.monotonic() - back_at
    print(f"Outbox drained {drain:.1f}s after Redis returned")
    time.sleep(3 * SWEEP_SECONDS + 2)  # anything sent twice would have arrived by now

    # Each row of the outbox arrived once, and nothing else did.
    received = sorted((m["To"], m["Subject"]) for m in sink.messages)
    assert received == sorted(EmailDelivery.objects.values_list("to_address", "subject")), received
    assert len(received) == 3 and len(set(received)) == 3, f"sent twice: {received}"
    for delivery in EmailDelivery.objects.all():
        assert delivery.status == EmailDelivery.Status.SENT
        assert delivery.attempts == 1, (delivery.to_address, delivery.attempts)
    assert Membership.objects.filter(user=member, status=Membership.Status.REQUESTED).count() == 2
