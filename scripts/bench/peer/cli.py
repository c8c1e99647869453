"""The run, in order: the peer installed, our copy, the peer's database, both servers, the
pairs in turns, the memory, the results."""

import os
import shutil
import signal
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from .. import common
from ..cli import clean_up, prepare_copy, production_env
from ..common import ROOT, Processes, django_setup, free_port, log, with_db
from ..database import copy_database
from ..machine import code_version, load_average, machine_info
from ..subjects import data_sizes
from .install import install_peer, peer_version, venv_bin
from .options import parse_args, selected_keys
from .ours import export_data, our_subjects, public_community
from .pairs import build_pairs
from .results import write_results
from .serve import PEER_COOKIE, measure, our_argv, peer_argv, peer_sign_in, start_side, worker_rss
from .setup_peer import prepare_and_fill, write_config
from .table import SIDES


def peer_environment(config_env):
    """The peer's processes see their configuration and little else of ours."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **config_env}


def empty_redis(url):
    import redis

    if (urlsplit(url).path or "/0").lstrip("/") in ("", "0"):
        sys.exit(f"{url}: give the peer a Redis database other than 0 (it is emptied)")
    redis.Redis.from_url(url).flushdb()


def prepare_peer(args, peer_dir, ours, port, fingerprint):
    """The peer configured for `port`, its database filled; the subjects on its side."""
    config = write_config(
        peer_dir,
        database_url=with_db(args.database_url, args.peer_database),
        redis_url=args.peer_redis_url,
        port=port,
    )
    env = peer_environment(config)
    filled = prepare_and_fill(args, peer_dir, env, peer_dir / "data.json", fingerprint)
    empty_redis(args.peer_redis_url)
    theirs = {
        "category": filled["categories"][str(ours["community_id"])],
        "event": filled["events"][str(ours["meeting"])],
    }
    return env, filled, theirs


def serve_both(args, env, procs, work, peer_dir, peer_env, peer_port):
    our_port = free_port()
    log(f"gunicorn: {args.workers} sync workers on each side, for the whole run")
    return {
        "ours": start_side(
            procs,
            "ours",
            argv=our_argv(args, our_port),
            port=our_port,
            env=env,
            work=work,
            ready_path="/healthz",
        ),
        "theirs": start_side(
            procs,
            "theirs",
            argv=peer_argv(args, venv_bin(peer_dir), peer_port),
            port=peer_port,
            env=peer_env,
            work=work,
            ready_path="/",
        ),
    }


def run_pairs(args, pairs, servers):
    """Every pair, round after round, ours then the peer's: the machine's speed drifts, and
    each round puts the two sides of a pair side by side in the same minute."""
    for pair in pairs:
        pair["rounds"] = []
    for number in range(1, args.rounds + 1):
        log(f"round {number} of {args.rounds}")
        for pair in pairs:
            pair["rounds"].append(
                {
                    side: measure(
                        args, servers[side], pair[side], PEER_COOKIE if side == "theirs" else None
                    )
                    for side in SIDES
                }
            )
        common.PROGRESS["rounds_done"] = number


def run_all(args, env, procs, work, peer_dir, results):
    prepare_copy(args, env)
    results["machine"] = machine_info(args.redis_url)
    results["peer"] = peer_version(peer_dir)
    django_setup(env)
    results["sizes"], results["postgresql"] = data_sizes()
    community = public_community()
    fingerprint, results["exported"] = export_data(peer_dir / "data.json", [community.pk])
    ours = our_subjects(community)
    peer_port = free_port()
    peer_env, filled, theirs = prepare_peer(args, peer_dir, ours, peer_port, fingerprint)
    results["peer"]["fill_s"] = filled.get("fill_s")
    from django.db import connections

    connections.close_all()
    servers = serve_both(args, env, procs, work, peer_dir, peer_env, peer_port)
    member = filled["member"]
    theirs["session"] = peer_sign_in(peer_port, member["username"], member["password"])
    results["subjects"] = {
        "ours": {k: v for k, v in ours.items() if k != "session"},
        "theirs": {k: v for k, v in theirs.items() if k != "session"},
    }
    log(f"subjects: {results['subjects']}")
    pairs = build_pairs(selected_keys(args.pairs), ours, theirs)
    results["pairs"] = pairs
    run_pairs(args, pairs, servers)
    results["memory"] = {side: worker_rss(server) for side, server in servers.items()}


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    var = Path(os.environ.get("VAR_DIR") or ROOT / "var")
    peer_dir, out_dir = var / "peer", var / "bench"
    work = out_dir / "work-peer"
    work.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now().astimezone()
    install_peer(peer_dir, args.python)
    source = urlsplit(args.database_url).path.lstrip("/")
    copy = f"{source}_peer"
    env = production_env(args, with_db(args.database_url, copy), free_port(), var)
    results = {
        "started": started_at.isoformat(timespec="seconds"),
        "source": source,
        "settings": {k: getattr(args, k) for k in ("rounds", "duration", "warmup", "workers")}
        | {"concurrency": args.concurrency, "factor": args.factor},
        "load_start": load_average(),
        "code": code_version(),
    }
    procs = Processes()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"copying {source} to {copy}")
    copy_database(args.database_url, copy)
    completed = False
    try:
        run_all(args, env, procs, work, peer_dir, results)
        completed = True
    finally:
        clean_up(args, procs, copy)
        if not completed:
            results["interrupted"] = {"at": datetime.now().isoformat(), **common.PROGRESS}
        write_results(results, started_at, out_dir)
