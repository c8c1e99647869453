"""The options of `make bench` (BENCH_ARGS), with their environment defaults."""

import argparse

from . import __doc__ as OVERVIEW
from .common import CORES, env_default


def add_load_options(p):
    """wrk's load on each page and gunicorn's workers (`make bench-peer` takes them too)."""
    p.add_argument("--duration", type=int, default=env_default("BENCH_DURATION", 10, int))
    p.add_argument("--warmup", type=int, default=env_default("BENCH_WARMUP", 3, int))
    p.add_argument("--concurrency", type=int, default=env_default("BENCH_CONCURRENCY", 8, int))
    p.add_argument("--threads", type=int, default=0, help="wrk threads (default: min(cores, c))")
    p.add_argument(
        "--workers",
        type=int,
        default=env_default("BENCH_WORKERS", 2 * CORES + 1, int),
        help="gunicorn sync workers (default 2 x cores + 1)",
    )


def add_database_url(p, help):
    """--database-url: the seeded database (`make bench-peer` reads the same one)."""
    p.add_argument(
        "--database-url",
        default=env_default("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cop_scale"),
        help=help,
    )


def add_redis_url(p, help):
    """--redis-url: our Redis database (`make bench-peer` uses the same one)."""
    p.add_argument(
        "--redis-url", default=env_default("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"), help=help
    )


def parse_args():
    p = argparse.ArgumentParser(description=OVERVIEW, formatter_class=argparse.RawTextHelpFormatter)
    add_database_url(p, "the seeded PostgreSQL database, only read (env DATABASE_URL)")
    add_redis_url(
        p,
        "cache and broker; this Redis database is emptied first unless it is 0 "
        "(env BENCH_REDIS_URL)",
    )
    p.add_argument("--copy-name", default=env_default("BENCH_COPY_NAME", ""))
    p.add_argument("--keep-copy", action="store_true", help="leave the copy for inspection")
    add_load_options(p)
    p.add_argument(
        "--celery-concurrency",
        type=int,
        default=env_default("BENCH_CELERY_CONCURRENCY", CORES, int),
    )
    p.add_argument("--inprocess-requests", type=int, default=50)
    p.add_argument(
        "--inprocess-seconds",
        type=int,
        default=60,
        help="stop timing a page in-process after this long (at least 5 requests)",
    )
    p.add_argument(
        "--searchers",
        type=int,
        default=500,
        help="members who search in turn (the search is rate-limited per person)",
    )
    p.add_argument(
        "--digest-limit",
        type=int,
        default=env_default("BENCH_DIGEST_LIMIT", 0, int),
        help="digest only this many members (spread over the membership); 0 = every member",
    )
    p.add_argument("--digest-timeout", type=int, default=4 * 3600)
    p.add_argument("--reminder-meetings", type=int, default=1000)
    p.add_argument("--common-word", default="")
    p.add_argument("--rare-word", default="")
    p.add_argument("--skip-pages", action="store_true")
    p.add_argument(
        "--pages",
        default="",
        help="measure only these pages, by key, comma-separated (the floor is always measured, "
        "first, between and last): floor_signed_in, layout, directory, community, members, "
        "search_common, search_rare, meeting, home, dashboard, discussion_list, discussion, "
        "notifications, survey_results, network_map, calendar",
    )
    p.add_argument("--skip-digest", action="store_true")
    p.add_argument("--skip-reminders", action="store_true")
    return p.parse_args()
