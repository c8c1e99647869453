"""Each page under load: a gunicorn of its own, wrk at a fixed concurrency, and the server
time of the same requests from gunicorn's access log."""

import json
import os
import subprocess
import time
from pathlib import Path

from .common import BIN, CORES, FORWARDED, HERE, free_port, http_get, log, percentile, rnd
from .database import end_queries


def wait_http(port, path, deadline=60):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            status, _ = http_get(port, path, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no answer on {path} after {deadline} s")


def run_wrk(args, port, page, seconds):
    from django.conf import settings

    threads = args.threads or max(1, min(CORES, args.concurrency))
    argv = ["wrk", "-t", str(threads), "-c", str(args.concurrency), "-d", f"{seconds}s"]
    argv += ["--timeout", "30s", "-s", str(HERE / "report.lua")]
    for name, value in FORWARDED.items():
        argv += ["-H", f"{name}: {value}"]
    env = {k: v for k, v in os.environ.items() if k != "BENCH_COOKIES"}
    sessions = page["as"] or []
    if len(sessions) == 1:
        argv += ["-H", f"Cookie: {settings.SESSION_COOKIE_NAME}={sessions[0]}"]
    elif sessions:
        cookies = Path(os.environ["VAR_DIR"]) / "bench" / "work" / f"cookies-{page['key']}.txt"
        cookies.write_text("".join(f"{settings.SESSION_COOKIE_NAME}={k}\n" for k in sessions))
        env["BENCH_COOKIES"] = str(cookies)
    argv.append(f"http://127.0.0.1:{port}{page['path']}")
    out = subprocess.run(  # noqa: S603  # nosec B603  # argv built here
        argv, capture_output=True, text=True, timeout=seconds + 120, env=env
    )
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise RuntimeError(f"wrk printed no result: {out.stdout}\n{out.stderr}")


def access_log_times(path, start, end):
    """Server times (ms) of the requests gunicorn logged between two offsets of its log."""
    with open(path, "rb") as f:
        f.seek(start)
        chunk = f.read(end - start).decode(errors="replace")
    times, statuses = [], {}
    for line in chunk.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "BENCH":
            statuses[parts[1]] = statuses.get(parts[1], 0) + 1
            times.append(int(parts[2]) / 1000)
    return times, statuses


def wait_quiet(access, quiet_s, deadline=120):
    """Wait until gunicorn has logged no request for quiet_s seconds (within deadline): a
    wrk run that stops leaves its requests in gunicorn's queue, and a slow page's backlog
    would otherwise be served during the next run, which would see none of its own."""
    end = time.monotonic() + deadline
    size, changed = access.stat().st_size, time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.2)
        now = access.stat().st_size
        if now != size:
            size, changed = now, time.monotonic()
        elif time.monotonic() - changed >= quiet_s:
            return


def floor_order(pages):
    """The floor first, between every two pages and last."""
    floor = pages[0]
    order = [floor]
    for number, page in enumerate(pages[1:], start=1):
        order += [
            page,
            {**floor, "key": f"floor_{number}", "name": "floor (between pages)", "between": True},
        ]
    order[-1] = {**floor, "key": "floor_end", "name": "floor (again, at the end)", "between": False}
    return order


def gunicorn_argv(args, port, access):
    return [
        str(BIN / "gunicorn"),
        "cop_platform.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        str(access),
        "--access-logformat",
        "BENCH %(s)s %(D)s %(m)s %(U)s",
        "--log-level",
        "warning",
    ]


def load_page(args, env, procs, page, var, copy_url):
    """One page under wrk against a freshly started gunicorn, after a warm-up; its latency
    (page["wrk"]) and the server time of the same requests (page["server_ms"])."""
    from django.conf import settings

    access = var / "gunicorn-access.log"
    port = free_port()
    server = procs.start("gunicorn", gunicorn_argv(args, port, access), env, var / "gunicorn.log")
    try:
        wait_http(port, "/healthz")
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={page['as'][0]}"} if page["as"] else {}
        status, location = http_get(port, page["path"], cookie, timeout=120)
        page["preflight"] = {"status": status, "location": location}
        if status != 200:
            log(f"  {page['name']}: answered {status} {location or ''}; not measured")
            return
        # Warm up until every worker has served the page a couple of times (its first
        # request opens a connection and compiles templates), within a minute.
        warm_from, warm_end = access.stat().st_size, time.monotonic() + 60
        while True:
            run_wrk(args, port, page, args.warmup)
            warmed, _ = access_log_times(access, warm_from, access.stat().st_size)
            if len(warmed) >= 2 * args.workers or time.monotonic() > warm_end:
                break
        # The gaps between a slow page's responses are up to one request's server time.
        wait_quiet(access, max(0.5, 1.5 * max(warmed, default=0) / 1000))
        start = access.stat().st_size
        page["wrk"] = run_wrk(args, port, page, args.duration)
        time.sleep(0.5)
        times, statuses = access_log_times(access, start, access.stat().st_size)
    finally:
        procs.stop(server, timeout=0)
        end_queries(copy_url)
    page["server_ms"] = {
        "p50": rnd(percentile(times, 50), 2),
        "p95": rnd(percentile(times, 95), 2),
        "n": len(times),
        "statuses": statuses,
    }
    w = page["wrk"]
    log(
        f"  {page['name']}: p50 {w['latency_ms']['p50']:.1f} ms, "
        f"p95 {w['latency_ms']['p95']:.1f} ms, {w['rps']:.1f} req/s, "
        f"server p95 {page['server_ms']['p95']} ms, statuses {w['statuses']}"
    )


def load_pages(args, env, procs, pages, var, copy_url):
    """Each page against a gunicorn of its own: a slow page's requests still running when
    its wrk run ends (and their queries) must not eat into the next page's run."""
    (var / "gunicorn-access.log").write_bytes(b"")
    log(f"gunicorn: {args.workers} sync workers, started afresh for each page")
    # The floor between every two pages, so that each page is compared with the floor
    # measured just before and just after it: the machine's speed drifts during a run
    # (seen here: 7.9 ms at the start, 6.0 ms at the end), and a page measured in a slow
    # minute must not be judged against a fast one.
    order = floor_order(pages)
    for page in order:
        load_page(args, env, procs, page, var, copy_url)
    for index in range(1, len(order) - 1):
        around = [order[index - 1].get("wrk"), order[index + 1].get("wrk")]
        if order[index].get("between") or not all(around):
            continue
        order[index]["floors_around_ms"] = [w["latency_ms"]["p50"] for w in around]
    between = [p for p in order if p.get("between")]
    shown = [p for p in order if not p.get("between")]
    if shown and between:
        shown[0]["floors_between_ms"] = [
            p["wrk"]["latency_ms"]["p50"] for p in between if p.get("wrk")
        ]
    return shown
