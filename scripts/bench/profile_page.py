"""Why is a page slow? One page of the benchmark, in-process, with the production settings:
its time, the functions that took it (cProfile), and its slowest queries with their plans
(EXPLAIN ANALYZE). Everything it writes (the session, "home visited") is rolled back, so it
may point at the seeded database itself.

    .venv/bin/python scripts/bench/profile_page.py --as-user 3968 /
    .venv/bin/python scripts/bench/profile_page.py --as-user 3968 "/library/search/?q=care"
    .venv/bin/python scripts/bench/profile_page.py --as-user 9750 --mfa "/dashboard/?network=..."
    .venv/bin/python scripts/bench/profile_page.py --as-user 3968 "/calendar/{feed}.ics"

Production requires two-factor authentication of programme managers and staff: --mfa gives
the person an authenticator app first (as run.py does in its copy), else the page is a
redirect. "{feed}" in the path is the person's calendar-feed token (created if they have
none), and the feed is then asked for without signing in, as a calendar program asks.

DATABASE_URL as for run.py (default postgres://postgres@127.0.0.1:5432/cop_scale). Redis is
not used: the cache is the in-process one, so the figures are of the page alone.
"""

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("path")
    parser.add_argument("--as-user", type=int, help="primary key of the person signed in")
    parser.add_argument(
        "--mfa", action="store_true", help="give that person an authenticator app first"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/cop_scale",
    )
    parser.add_argument("--repeat", type=int, default=3, help="requests before the profiled one")
    parser.add_argument("--functions", type=int, default=30)
    parser.add_argument(
        "--only",
        default="",
        help="list only the functions whose file and name match this regular expression "
        "(the project's own: --only '/(core|meetings)/')",
    )
    parser.add_argument("--save", help="write the last warm response's body to this file")
    parser.add_argument(
        "--queries", action="store_true", help="list every query of the profiled request"
    )
    parser.add_argument("--explain", type=int, default=3, help="plans of the N slowest queries")
    parser.add_argument(
        "--cold", action="store_true", help="empty the cache before the profiled request"
    )
    return parser.parse_args()


def django_setup(database_url):
    """Django in this process with the production settings and the in-process cache."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "cop_platform.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from core import heap

    heap.tune()  # as the web processes do (cop_platform/wsgi.py)


def sign_in(args, client):
    """The path to ask for, as --as-user (with --mfa, "{feed}" filled in). Returns it."""
    from accounts.models import User

    path = args.path
    if args.as_user:
        user = User.objects.get(pk=args.as_user)
        if args.mfa:
            from allauth.mfa.models import Authenticator

            Authenticator.objects.get_or_create(
                user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "bench"}}
            )
        if "{feed}" in path:
            from meetings.services import calendar_feed_get

            path = path.replace("{feed}", calendar_feed_get(user=user).token)
        else:
            client.force_login(user)
    return path


def warm_requests(args, client, path):
    """The --repeat requests before the profiled one, and their times."""
    times, cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    if args.save:
        Path(args.save).write_bytes(response.content)
    print(f"{args.path}: {response.status_code}, {len(response.content):,} bytes")
    print("warm requests (ms):", ", ".join(f"{t:.1f}" for t in times))
    if times:
        print(
            f"median of the warm requests: {statistics.median(times[1:] or times):.1f} ms, "
            f"of which {statistics.median(cpu[1:] or cpu):.1f} ms CPU in this process"
        )


def profiled_request(args, client, path):
    """One more request under cProfile: its time, its functions, its slowest queries' plans."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if args.cold:
        from django.core.cache import cache

        cache.clear()
    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        profile.enable()
        client.get(path)
        profile.disable()
        total = (time.perf_counter() - started) * 1000
    in_db = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(f"profiled request: {total:.1f} ms, {len(queries)} queries, {in_db:.1f} ms in them")
    if args.queries:
        for q in queries.captured_queries:
            print(f"{float(q['time']) * 1000:6.1f} ms  {q['sql'][:160]}")
    print()
    restrictions = [args.only, args.functions] if args.only else [args.functions]
    pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
        *restrictions
    )
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
    for q in slowest[: args.explain]:
        print(f"--- {float(q['time']) * 1000:.1f} ms\n{q['sql'][:2000]}\n")
        if q["sql"].lstrip("( ").upper().startswith("SELECT"):  # a union starts with "("
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
            print()


def main():
    args = parse_args()
    django_setup(args.database_url)
    from django.db import transaction
    from django.test import Client

    with transaction.atomic():
        client = Client(
            SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", raise_request_exception=True
        )
        path = sign_in(args, client)
        warm_requests(args, client, path)
        profiled_request(args, client, path)
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
