"""The run, in order: the copy, the settings, the pages, the e-mail jobs, the results."""

import os
import secrets
import shutil
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from . import common
from .alone import measure_in_process
from .common import CORES, ROOT, Processes, django_setup, free_port, log, with_db
from .database import copy_database, drop_database
from .digest import run_digest
from .judge import judge_pages
from .machine import code_version, load_average, machine_info
from .mail import start_workers
from .options import parse_args
from .pages import build_pages, only_pages
from .reminders import run_reminders
from .report import write_results
from .server import load_pages
from .subjects import data_sizes, pick_subjects, sign_in


def production_env(args, copy_url, sink_port, var):
    """The environment of every process of the run: production settings on the copy."""
    return {
        **{k: v for k, v in os.environ.items() if k != "CELERY_TASK_ALWAYS_EAGER"},
        "DJANGO_SETTINGS_MODULE": "cop_platform.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "DATABASE_URL": copy_url,
        "REDIS_URL": args.redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}",
        "VAR_DIR": str(var),
        "BENCHMARK_FLOOR": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def results_head(args, started_at, source):
    return {
        "started": started_at.isoformat(timespec="seconds"),
        "source": source,
        "settings": {
            "concurrency": args.concurrency,
            "threads": args.threads or max(1, min(CORES, args.concurrency)),
            "duration": args.duration,
            "warmup": args.warmup,
            "workers": args.workers,
            "celery_concurrency": args.celery_concurrency,
            "digest_limit": args.digest_limit,
        },
        "load_start": load_average(),
        "code": code_version(),
    }


def prepare_copy(args, env):
    """Migrate the copy, collect the static files, empty the run's Redis database."""
    manage = [sys.executable, "manage.py"]
    for command in ("migrate", "collectstatic"):
        subprocess.run(  # noqa: S603  # nosec B603
            [*manage, command, "--no-input"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    parts = urlsplit(args.redis_url)
    redis_db = (parts.path or "/0").lstrip("/") or "0"
    import redis

    if redis_db != "0":
        redis.Redis.from_url(args.redis_url).flushdb()
    else:
        log("Redis database 0: not emptied (use another one: --redis-url .../5)")


def run_pages(args, env, procs, work, copy_url, results):
    subjects = pick_subjects(args)
    cookies = {
        "member": sign_in(subjects["member"]),
        "manager": sign_in(subjects["manager"]),
        "notified": sign_in(subjects["notified"]["user"]),
        "searchers": [sign_in(user) for user in subjects["searchers"]],
    }
    results["subjects"] = {
        "community": subjects["community"].slug,
        "member": f"user {subjects['member'].pk}",
        "network": subjects["network"].slug,
        "manager": f"user {subjects['manager'].pk}",
        "meeting": subjects["meeting"].pk,
        "discussion": subjects["discussion"].pk,
        "survey": subjects["survey"].pk,
        "notified": f"user {subjects['notified']['user'].pk}",
        **{f"word_{k}": v for k, v in subjects["words"].items()},
    }
    log(f"subjects: {results['subjects']}")
    pages = only_pages(build_pages(subjects, cookies), args.pages)
    log("in-process: queries and the time of one request alone")
    measure_in_process(pages, args.inprocess_requests, args.inprocess_seconds)
    from django.db import connections

    connections.close_all()
    log("under load")
    pages = load_pages(args, env, procs, pages, work, copy_url)
    results["floor_p50_ms"] = judge_pages(pages)
    results["pages"] = [
        {k: v for k, v in p.items() if k != "as"} | {"signed_in": bool(p["as"])} for p in pages
    ]


def run_all(args, env, procs, work, copy_url, sink_port, results):
    """Everything measured, in the copy, in this process and the ones it starts."""
    prepare_copy(args, env)
    results["machine"] = machine_info(args.redis_url)
    django_setup(env)
    from django.conf import settings

    results["session_engine"] = settings.SESSION_ENGINE
    results["sizes"], results["postgresql"] = data_sizes()
    log(f"data: {results['sizes']}")
    if not args.skip_pages:
        run_pages(args, env, procs, work, copy_url, results)
    if not (args.skip_digest and args.skip_reminders):
        start_workers(args, env, procs, work)
        if not args.skip_digest:
            results["digest"] = run_digest(args, env, procs, sink_port, work)
        if not args.skip_reminders:
            results["reminders"] = run_reminders(args, env, procs, sink_port, work)


def clean_up(args, procs, copy):
    """Stop what the run started, close this process's connections, drop the copy (unless
    it is to be kept)."""
    procs.stop_all()
    if common.DJANGO_READY:
        from django.db import connections

        connections.close_all()
    if args.keep_copy:
        log(f"kept the copy: {with_db(args.database_url, copy)}")
    else:
        drop_database(args.database_url, copy)


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    var = Path(os.environ.get("VAR_DIR") or ROOT / "var")
    out_dir = var / "bench"
    work = out_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now().astimezone()
    source = urlsplit(args.database_url).path.lstrip("/")
    copy = args.copy_name or f"{source}_bench"
    copy_url = with_db(args.database_url, copy)
    sink_port = free_port()
    env = production_env(args, copy_url, sink_port, var)
    results = results_head(args, started_at, source)
    procs = Processes()
    # Stopped (SIGTERM, Ctrl+C): stop what this run started, drop the copy, write what was
    # measured so far.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"copying {source} to {copy}")
    results["copy_s"] = round(copy_database(args.database_url, copy), 1)
    log(f"copied in {results['copy_s']} s")
    completed = False
    try:
        run_all(args, env, procs, work, copy_url, sink_port, results)
        completed = True
    finally:
        clean_up(args, procs, copy)
        if not completed:
            results["interrupted"] = {
                "at": datetime.now().astimezone().isoformat(),
                **common.PROGRESS,
            }
            write_results(results, started_at, out_dir)
    write_results(results, started_at, out_dir)
