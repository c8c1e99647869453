"""The options of `make bench-peer` (BENCH_PEER_ARGS), with their environment defaults."""

import argparse

from ..common import env_default
from ..options import add_database_url, add_load_options, add_redis_url
from . import __doc__ as OVERVIEW
from .pairs import PAIRS


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=OVERVIEW, formatter_class=argparse.RawTextHelpFormatter)
    add_database_url(
        p,
        "our seeded PostgreSQL database, only read (env DATABASE_URL); the peer's "
        "database is made on the same server",
    )
    p.add_argument(
        "--peer-database",
        default=env_default("BENCH_PEER_DATABASE", "indico_peer"),
        help="the peer's database, kept between runs while our data is the same",
    )
    add_redis_url(p, "our cache; this Redis database is emptied first unless it is 0")
    p.add_argument(
        "--peer-redis-url",
        default=env_default("BENCH_PEER_REDIS_URL", "redis://127.0.0.1:6379/6"),
        help="the peer's cache and sessions; emptied first (so never database 0)",
    )
    p.add_argument("--rounds", type=int, default=env_default("BENCH_ROUNDS", 3, int))
    add_load_options(p)  # the same on each side
    p.add_argument(
        "--pairs",
        default="",
        help="measure only these pairs, by key, comma-separated: " + ", ".join(PAIRS),
    )
    p.add_argument(
        "--factor",
        type=float,
        default=3.0,
        help="the target: our requests per second at least this many times the peer's",
    )
    p.add_argument(
        "--refill",
        action="store_true",
        help="make the peer's database afresh and fill it again, even if our data is the same",
    )
    p.add_argument("--python", default="python3", help="the interpreter of the peer's venv")
    p.add_argument("--keep-copy", action="store_true", help="leave our copy for inspection")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    unknown = set(selected_keys(args.pairs)) - set(PAIRS)
    if unknown:
        p.error(f"no such pair: {', '.join(sorted(unknown))}")
    return args


def selected_keys(pairs):
    """The keys named in --pairs (comma-separated), in the order of PAIRS; every key if none."""
    wanted = [key.strip() for key in pairs.split(",") if key.strip()]
    if not wanted:
        return list(PAIRS)
    return [key for key in PAIRS if key in wanted] + [k for k in wanted if k not in PAIRS]
