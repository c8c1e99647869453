"""Both sides served for the whole run, each by its own gunicorn with the same number of sync
workers; signing in to the peer through its login form; one page of either side under wrk;
the resident memory of the workers after the run."""

import contextlib
import http.client
import re
import subprocess
import time
import urllib.parse
from http.cookies import SimpleCookie

from ..common import BIN, FORWARDED, http_get, log, percentile, rnd
from ..server import access_log_times, run_wrk, wait_http, wait_quiet

PEER_COOKIE = "indico_session"
ACCESS_FORMAT = "BENCH %(s)s %(D)s %(m)s %(U)s"  # as `make bench`: server.access_log_times reads it


def gunicorn_argv(gunicorn, app, port, workers, access):
    return [
        str(gunicorn),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        str(access),
        "--access-logformat",
        ACCESS_FORMAT,
        "--log-level",
        "warning",
    ]


def start_side(procs, side, *, argv, port, env, work, ready_path):
    """One side's gunicorn on `port`, until it answers `ready_path` (the peer starts slowly)."""
    access = work / f"access-{side}.log"
    access.write_bytes(b"")
    proc = procs.start(f"gunicorn-{side}", argv(access), env, work / f"gunicorn-{side}.log")
    wait_http(port, ready_path, deadline=180)
    return {"side": side, "proc": proc, "port": port, "access": access}


def our_argv(args, port):
    return lambda access: gunicorn_argv(
        BIN / "gunicorn", "cop_platform.wsgi", port, args.workers, access
    )


def peer_argv(args, peer_bin, port):
    app = "indico.web.flask.app:make_app()"
    return lambda access: gunicorn_argv(peer_bin / "gunicorn", app, port, args.workers, access)


def peer_request(port, method, path, cookie=None, form=None):
    """One request to the peer as the HTTPS proxy in front of it passes it on; the answer's
    status, body and the session cookie it sets, if any."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {**FORWARDED, **({"Cookie": f"{PEER_COOKIE}={cookie}"} if cookie else {})}
    body = urllib.parse.urlencode(form).encode() if form else None
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        sets = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            sets.load(header)
        given = sets[PEER_COOKIE].value if PEER_COOKIE in sets else None
        return response.status, response.read().decode(errors="replace"), given
    finally:
        conn.close()


def peer_sign_in(port, username, password):
    """The peer's session after signing in through its login form with a local identity,
    as a person does: the form (and its CSRF token), the POST, then a page that only a
    signed-in person sees."""
    _, form, cookie = peer_request(port, "GET", "/login/")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    if token is None or cookie is None:
        raise RuntimeError("the peer's login page gave no CSRF token or no session")
    fields = {"csrf_token": token.group(1), "_provider": "indico"}
    fields |= {"identifier": username, "password": password}
    status, _, given = peer_request(port, "POST", "/login/", cookie, fields)
    cookie = given or cookie
    checked, _, _ = peer_request(port, "GET", "/user/dashboard/", cookie)
    if status != 302 or checked != 200:
        raise RuntimeError(f"signing in to the peer failed: {status}, then {checked}")
    return cookie


@contextlib.contextmanager
def cookie_name(name):
    """run_wrk sends a session as settings.SESSION_COOKIE_NAME: the peer's is another."""
    if name is None:
        yield
        return
    from django.test.utils import override_settings

    with override_settings(SESSION_COOKIE_NAME=name):
        yield


def measure(args, server, page, cookie=None):
    """One page of one side under wrk after a warm-up (until every worker has served it
    twice, within a minute); its rate, latency and the server time of the same requests."""
    from django.conf import settings

    access = server["access"]
    name = cookie or settings.SESSION_COOKIE_NAME
    headers = {"Cookie": f"{name}={page['as'][0]}"} if page["as"] else {}
    status, location = http_get(server["port"], page["path"], headers, timeout=120)
    if status != 200:
        log(f"  {page['name']}: answered {status} {location or ''}; not measured")
        return {"preflight": f"{status} {location or ''}".strip()}
    with cookie_name(cookie):
        warm_from, warm_end = access.stat().st_size, time.monotonic() + 60
        while True:
            run_wrk(args, server["port"], page, args.warmup)
            warmed, _ = access_log_times(access, warm_from, access.stat().st_size)
            if len(warmed) >= 2 * args.workers or time.monotonic() > warm_end:
                break
        wait_quiet(access, max(0.5, 1.5 * max(warmed, default=0) / 1000))
        start = access.stat().st_size
        wrk = run_wrk(args, server["port"], page, args.duration)
    wait_quiet(access, max(0.5, 1.5 * wrk["latency_ms"]["p95"] / 1000))
    times, _ = access_log_times(access, start, access.stat().st_size)
    run = {
        "rps": wrk["rps"],
        "p50": wrk["latency_ms"]["p50"],
        "p95": wrk["latency_ms"]["p95"],
        "requests": wrk["requests"],
        "statuses": wrk["statuses"],
        "errors": wrk["errors"],
        "server_p50": rnd(percentile(times, 50), 2),
    }
    log(
        f"  {page['name']}: {run['rps']:.1f} req/s, p50 {run['p50']:.1f} ms, "
        f"p95 {run['p95']:.1f} ms, statuses {run['statuses']}"
    )
    return run


def worker_rss(server):
    """The resident memory (KiB) of each worker of a gunicorn: its master's children."""
    out = subprocess.run(  # noqa: S603  # nosec B603
        ["ps", "-o", "rss=", "--ppid", str(server["proc"].pid)],  # noqa: S607
        capture_output=True,
        text=True,
    )
    return sorted(int(line) for line in out.stdout.split())
