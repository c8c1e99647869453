"""`make bench`: the platform's key pages, the digest and the reminder job, measured in one run
on PostgreSQL with the production settings, under gunicorn, with the Redis cache.

What it does, in order (BENCHMARKS.md explains the method and the targets):

1. Copies the database (CREATE DATABASE <name>_bench TEMPLATE <name>): everything the run
   writes (sessions, a calendar feed, digest and reminder rows) goes to the copy, which is
   dropped at the end. The source database is only read, as a template.
2. Migrates the copy, collects the static files (the production manifest) under VAR_DIR.
3. Picks the subjects from the data: the largest community by active members, one of its
   members (the one in most communities), the next meeting of that community, the largest
   network and one of its programme managers, the member's personal calendar feed, a common
   and a rare word of the library. Signs the member and the manager in by writing sessions
   with the configured session engine.
4. Runs every page in-process once through django.test.Client to count its queries, then a
   few dozen times to time it alone (no concurrency: the "server time" of one request).
5. Starts gunicorn (DJANGO_ENV=production, BENCHMARK_FLOOR=1, 2 x cores + 1 sync workers) and
   loads every page with wrk at a fixed concurrency after a warm-up: p50/p95 latency, requests
   per second, status codes, and the server time of each request from gunicorn's access log.
   The floor page (dashboard/bench.py) runs first, between every two pages and last;
   each page is reported as a multiple of the mean of the floor runs just before and just
   after it, in the same run.
6. Digest: an SMTP sink, real Celery workers on the Redis broker, send_digests_task for every
   member (or --digest-limit of them); messages per second at the sink, against the floor of
   sending as many copies of one real digest, pre-rendered, over Django's SMTP backend through
   the same sink with as many processes as the workers have.
7. Reminders: 1,000 meetings moved to start tomorrow (all reminders due now), then
   send_due_reminders_task timed in-process and its messages delivered by the workers.
8. Writes VAR_DIR/bench/results-<timestamp>.md and .json and prints the table.

Run with the project's virtual environment:  .venv/bin/python scripts/bench/run.py --help
"""

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CORES = os.cpu_count() or 1
FORWARDED = {"X-Forwarded-Proto": "https"}  # what the HTTPS proxy in front of gunicorn sends


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env_default(name, default, cast=str):
    value = os.environ.get(name)
    return cast(value) if value not in (None, "") else default


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--database-url",
        default=env_default("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cop_scale"),
        help="the seeded PostgreSQL database, only read (env DATABASE_URL)",
    )
    p.add_argument(
        "--redis-url",
        default=env_default("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        help="cache and broker; this Redis database is emptied first unless it is 0 "
        "(env BENCH_REDIS_URL)",
    )
    p.add_argument("--copy-name", default=env_default("BENCH_COPY_NAME", ""))
    p.add_argument("--keep-copy", action="store_true", help="leave the copy for inspection")
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
        "search_common, search_rare, meeting, home, dashboard, calendar",
    )
    p.add_argument("--skip-digest", action="store_true")
    p.add_argument("--skip-reminders", action="store_true")
    return p.parse_args()


# --- small helpers ---------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, pct):
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def rnd(value, digits=1):
    return None if value is None else round(value, digits)


def with_db(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Processes:
    """The processes this run started, each in its own session so that stopping one stops
    its children (gunicorn's and Celery's workers) and nothing else."""

    def __init__(self):
        self.running = []

    def start(self, name, argv, env, logfile):
        out = open(logfile, "ab")  # noqa: SIM115  # kept open for the process's life
        proc = subprocess.Popen(  # noqa: S603  # nosec B603  # argv built here
            argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.bench_name = name
        self.running.append(proc)
        return proc

    def stop(self, proc, timeout=30):
        """SIGTERM to the process's group, SIGKILL after `timeout` seconds (0: at once)."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM if timeout else signal.SIGKILL)
            try:
                proc.wait(timeout or 10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if timeout == 0:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the workers, if the master went first
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self):
        for proc in list(reversed(self.running)):
            self.stop(proc)


def http_get(port, path, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={**FORWARDED, **(headers or {})})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


# --- the database copy -------------------------------------------------------------------------


def admin_connection(url):
    import psycopg

    parts = urlsplit(url)
    conn = psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    return conn


def copy_database(url, copy):
    source = urlsplit(url).path.lstrip("/")
    if copy == source:
        sys.exit("The copy must not have the source's name.")
    with admin_connection(url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
            sys.exit(
                f"Database {source!r} does not exist. Create and seed it first (BENCHMARKS.md):\n"
                f"  createdb -h 127.0.0.1 -U postgres {source}\n"
                f"  DATABASE_URL={url} .venv/bin/python manage.py migrate\n"
                f"  DATABASE_URL={url} .venv/bin/python manage.py seed_scale"
            )
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        started = time.monotonic()
        try:
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
        except Exception as exc:
            others = conn.execute(
                "SELECT pid, usename, application_name, client_addr, state FROM pg_stat_activity "
                "WHERE datname = %s",
                [source],
            ).fetchall()
            sys.exit(
                f"Could not copy {source!r} ({exc}).\nPostgreSQL copies a database only while "
                f"nobody is connected to it; connected now: {others}"
            )
        return time.monotonic() - started


def drop_database(url, name):
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the machine ---------------------------------------------------------------------------------


def machine_info(redis_url):
    info = {"cores": CORES, "python": platform.python_version(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S603, S607  # nosec
    info["wrk"] = (wrk.stdout or wrk.stderr).splitlines()[0].split(" Copyright")[0]
    import celery
    import django
    import gunicorn
    import redis

    info["django"] = django.get_version()
    info["gunicorn"] = gunicorn.__version__
    info["celery"] = celery.__version__
    try:
        info["redis"] = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    except Exception as exc:
        info["redis"] = f"unreachable: {exc}"
    return info


def code_version():
    """The commit measured, and whether the work tree had changes on top of it."""
    try:
        commit = subprocess.run(  # noqa: S603  # nosec B603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603  # nosec B603
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit}{' with uncommitted changes' if dirty else ''}" if commit else "unknown"


def load_average():
    try:
        return Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return None


# --- Django in this process ----------------------------------------------------------------------


DJANGO_READY = False
PROGRESS = {}  # the e-mail job under way, for the report of an interrupted run


def django_setup(env):
    global DJANGO_READY
    os.environ.update(env)
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    DJANGO_READY = True


def data_sizes():
    from django.db import connection

    tables = {
        "users": "accounts_user",
        "networks": "communities_network",
        "communities": "communities_community",
        "memberships": "communities_membership",
        "meetings": "meetings_meeting",
        "registrations": "meetings_registration",
        "resources": "knowledge_resource",
    }
    sizes = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608  # fixed names
            sizes[label] = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["database_size"] = cursor.fetchone()[0]
    return sizes, version


def library_words(common, rare):
    """A common and a rare word of the library, as people type them: the most frequent word
    of the titles and summaries that is not a stop word, and a word behind one of the rarest
    lexemes of the search vectors. Both counted with the real search query."""
    from django.db import connection

    def hits(word):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM knowledge_resource "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                [word],
            )
            return cursor.fetchone()[0]

    stat = (
        "SELECT word, ndoc FROM ts_stat('SELECT to_tsvector(''simple'', title || '' '' || "
        "summary) FROM knowledge_resource') WHERE word ~ '^[a-z]{%s,}$' "
        "AND to_tsvector('english', word) <> ''::tsvector "
    )
    with connection.cursor() as cursor:
        if not common:
            cursor.execute(stat % 4 + "ORDER BY ndoc DESC, word LIMIT 1")
            row = cursor.fetchone()
            if row is None:
                sys.exit("The library has no resources to search.")
            common = row[0]
        if not rare:
            # The rarest lexemes of the search vectors, each turned back into a word that a
            # resource holding it really contains (a lexeme is a stem: "sarcoidosi").
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT search_vector FROM knowledge_resource') "
                "WHERE word ~ '^[a-z]{5,}$' ORDER BY ndoc, word LIMIT 20"
            )
            for (lexeme,) in cursor.fetchall():
                cursor.execute(
                    "SELECT w FROM knowledge_resource r, unnest(tsvector_to_array(to_tsvector("
                    "'simple', r.title || ' ' || r.summary || ' ' || r.body))) w "
                    "WHERE r.search_vector @@ to_tsquery('simple', %s) AND w ~ '^[a-z]{5,}$' "
                    "AND (ts_lexize('english_stem', w))[1] = %s LIMIT 1",
                    [lexeme, lexeme],
                )
                row = cursor.fetchone()
                if row and hits(row[0]):
                    rare = row[0]
                    break
            else:
                sys.exit("No rare word found in the library: name one with --rare-word.")
    found = {"common": common, "common_hits": hits(common), "rare": rare, "rare_hits": hits(rare)}
    if not found["common_hits"]:
        sys.exit(f"The search finds nothing for {common!r}: are the search vectors filled?")
    return found


def pick_subjects(args):
    from allauth.mfa.models import Authenticator
    from django.db.models import Count, Q

    from accounts.models import User
    from communities.models import Community, Membership, Network
    from meetings.models import Meeting
    from meetings.services import calendar_feed_get

    active = Membership.Status.ACTIVE
    community = (
        Community.objects.filter(status=Community.Status.ACTIVE)
        .annotate(n=Count("memberships", filter=Q(memberships__status=active)))
        .order_by("-n", "pk")
        .first()
    )
    if community is None:
        sys.exit("No community in the database.")
    # A typical member of it: the median number of communities among its plain members.
    member_ms = list(
        Membership.objects.filter(community=community, status=active, role=Membership.Role.MEMBER)
        .annotate(
            n=Count("user__memberships", filter=Q(user__memberships__status=active)),
        )
        .filter(user__is_active=True, user__is_staff=False, user__managed_networks=None)
        .select_related("user")
        .order_by("n", "user_id")
    )
    if not member_ms:
        sys.exit(f"{community} has no plain active member to sign in as.")
    member_ms = member_ms[len(member_ms) // 2]
    member = member_ms.user
    network = (
        Network.objects.annotate(
            n=Count("communities", filter=Q(communities__status=Community.Status.ACTIVE))
        )
        .filter(managers__isnull=False)
        .order_by("-n", "pk")
        .first()
    )
    if network is None:
        sys.exit("No network with a programme manager in the database.")
    manager = network.managers.filter(is_active=True).order_by("pk").first()
    now = datetime.now().astimezone()
    meeting = None
    # A meeting of the largest community (the next one, or else the latest); failing that,
    # of another of the member's communities.
    for place in (Q(community=community), Q(community__memberships__user=member)):
        meetings = Meeting.objects.filter(place, community__memberships__status=active)
        meeting = (
            meetings.filter(status=Meeting.Status.SCHEDULED, starts_at__gte=now)
            .order_by("starts_at", "pk")
            .first()
            or meetings.order_by("-starts_at", "pk").first()
        )
        if meeting is not None:
            break
    if meeting is None:
        sys.exit(f"No meeting in {community} nor in its member's other communities.")
    # Required of programme managers in production (MFA_REQUIRED_FOR_PRIVILEGED): the
    # manager has an authenticator app, in the copy.
    Authenticator.objects.get_or_create(
        user=manager, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "bench"}}
    )
    feed = calendar_feed_get(user=member)
    others = (
        User.objects.filter(
            is_active=True, memberships__community=community, memberships__status=active
        )
        .exclude(pk=member.pk)
        .order_by("pk")[: max(args.searchers - 1, 0)]
    )
    words = library_words(args.common_word, args.rare_word)
    return {
        "community": community,
        "community_members": community.n,
        "member": member,
        "member_communities": member_ms.n,
        "network": network,
        "network_communities": network.n,
        "manager": manager,
        "meeting": meeting,
        "feed_token": feed.token,
        "searchers": [member, *others],
        "words": words,
    }


def sign_in(user):
    """A session for `user`, as django.contrib.auth.login and accounts.signals would write it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    now = int(time.time())
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SIGNED_IN_AT] = now
    store[LAST_SEEN_AT] = now
    store.save()
    return store.session_key


def build_pages(subjects, cookies):
    s = subjects
    community, words = s["community"], s["words"]
    # Each page is requested as one person (a list of one session), or anonymously (None); the
    # library search, limited to RATE_LIMITS["search"] per person, as many members in turn.
    member, manager, searchers = [cookies["member"]], [cookies["manager"]], cookies["searchers"]
    three, five, search = (
        "p50 <= 3x floor",
        "p50 <= 5x floor",
        "p50 <= 3x floor, p95 server < 50 ms",
    )
    return [
        {"key": "floor", "name": "floor (anonymous)", "path": "/bench/floor/", "as": None},
        {
            "key": "floor_signed_in",
            "name": "floor, signed in (for information)",
            "path": "/bench/floor/",
            "as": member,
        },
        {
            "key": "layout",
            "name": "a static page in the site's layout, signed in (for information)",
            "path": "/accessibility/",
            "as": member,
        },
        {
            "key": "directory",
            "name": "community directory",
            "path": "/communities/",
            "as": member,
            "target": three,
            "factor": 3,
        },
        {
            "key": "community",
            "name": f"largest community ({s['community_members']:,} members)",
            "path": f"/communities/{community.slug}/",
            "as": member,
            "target": three,
            "factor": 3,
        },
        {
            "key": "members",
            "name": "its member list",
            "path": f"/communities/{community.slug}/members/",
            "as": member,
            "target": three,
            "factor": 3,
        },
        {
            "key": "search_common",
            "name": f"library search, common word '{words['common']}' ({words['common_hits']:,} hits)",
            "path": f"/library/search/?q={quote(words['common'])}",
            "as": searchers,
            "target": search,
            "factor": 3,
            "server_p95_ms": 50,
        },
        {
            "key": "search_rare",
            "name": f"library search, rare word '{words['rare']}' ({words['rare_hits']:,} hits)",
            "path": f"/library/search/?q={quote(words['rare'])}",
            "as": searchers,
            "target": search,
            "factor": 3,
            "server_p95_ms": 50,
        },
        {
            "key": "meeting",
            "name": "a meeting of that community",
            "path": f"/meetings/{s['meeting'].pk}/",
            "as": member,
            "target": three,
            "factor": 3,
        },
        {
            "key": "home",
            "name": f"member's home ({s['member_communities']} communities)",
            "path": "/",
            "as": member,
            "target": three,
            "factor": 3,
        },
        {
            "key": "dashboard",
            "name": f"programme dashboard, largest network ({s['network_communities']} communities)",
            "path": f"/dashboard/?network={s['network'].slug}",
            "as": manager,
            "target": five,
            "factor": 5,
        },
        {
            "key": "calendar",
            "name": "personal calendar feed (.ics)",
            "path": f"/calendar/{s['feed_token']}.ics",
            "as": None,
            "target": three,
            "factor": 3,
        },
    ]


def only_pages(pages, keys):
    """The floor and the pages named in `keys` (comma-separated), or every page."""
    wanted = {key.strip() for key in keys.split(",") if key.strip()}
    unknown = wanted - {page["key"] for page in pages}
    if unknown:
        sys.exit(f"No such page: {', '.join(sorted(unknown))}")
    return [page for page in pages if not wanted or page["key"] in wanted | {"floor"}]


def measure_in_process(pages, requests, budget):
    """Each page through the whole middleware stack in this process: its queries (second
    request, caches warm) and the time of `requests` requests one after another."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = Client(
            SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", raise_request_exception=False
        )
        sessions = page["as"] or [None]

        def get(turn, client=client, sessions=sessions, path=page["path"]):
            session = sessions[turn % len(sessions)]
            if session:
                client.cookies[settings.SESSION_COOKIE_NAME] = session
            return client.get(path)

        first = get(0)
        with CaptureQueriesContext(connection) as queries:
            response = get(0)
        page["inprocess_status"] = response.status_code
        page["queries"] = len(queries)
        page["query_log"] = [q["sql"][:300] for q in queries.captured_queries]
        times, statuses = [], {}
        budget_end = time.monotonic() + budget
        for turn in range(1, requests + 1):
            if turn > 5 and time.monotonic() > budget_end:
                break  # a very slow page: enough requests to say so
            started = time.perf_counter()
            status = get(turn).status_code
            times.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        if set(statuses) != {200}:
            page["inprocess_status"] = next(code for code in statuses if code != 200)
        page["inprocess_ms"] = {
            "p50": rnd(percentile(times, 50), 2),
            "p95": rnd(percentile(times, 95), 2),
            "n": len(times),
        }
        log(
            f"  {page['name']}: {response.status_code} (first {first.status_code}), "
            f"{page['queries']} queries, alone p50 {page['inprocess_ms']['p50']} ms "
            f"p95 {page['inprocess_ms']['p95']} ms"
        )


# --- gunicorn and wrk ----------------------------------------------------------------------------


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


def load_pages(args, env, procs, pages, var, copy_url):
    """Each page against a gunicorn of its own: a slow page's requests still running when
    its wrk run ends (and their queries) must not eat into the next page's run."""
    from django.conf import settings

    access = var / "gunicorn-access.log"
    access.write_bytes(b"")
    log(f"gunicorn: {args.workers} sync workers, started afresh for each page")
    # The floor between every two pages, so that each page is compared with the floor
    # measured just before and just after it: the machine's speed drifts during a run
    # (seen here: 7.9 ms at the start, 6.0 ms at the end), and a page measured in a slow
    # minute must not be judged against a fast one.
    floor = pages[0]
    order = [floor]
    for number, page in enumerate(pages[1:], start=1):
        order += [
            page,
            {**floor, "key": f"floor_{number}", "name": "floor (between pages)", "between": True},
        ]
    order[-1] = {**floor, "key": "floor_end", "name": "floor (again, at the end)", "between": False}
    for page in order:
        port = free_port()
        argv = [
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
        server = procs.start("gunicorn", argv, env, var / "gunicorn.log")
        try:
            wait_http(port, "/healthz")
            cookie = (
                {"Cookie": f"{settings.SESSION_COOKIE_NAME}={page['as'][0]}"} if page["as"] else {}
            )
            status, location = http_get(port, page["path"], cookie, timeout=120)
            page["preflight"] = {"status": status, "location": location}
            if status != 200:
                log(f"  {page['name']}: answered {status} {location or ''}; not measured")
                continue
            # Warm up until every worker has served the page a couple of times (its first
            # request opens a connection and compiles templates), within a minute.
            warm_from, warm_end = access.stat().st_size, time.monotonic() + 60
            while True:
                run_wrk(args, port, page, args.warmup)
                warmed, _ = access_log_times(access, warm_from, access.stat().st_size)
                if len(warmed) >= 2 * args.workers or time.monotonic() > warm_end:
                    break
            time.sleep(0.5)
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


def end_queries(copy_url):
    """Stop the queries the killed gunicorn left running in the copy (its connections)."""
    name = urlsplit(copy_url).path.lstrip("/")
    with admin_connection(copy_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )


def judge_pages(pages):
    """Each page's verdict against the floor measured just before and just after it (the
    mean of the two), or, where those are missing, against the run's floor: the median of
    every floor run. Returns the run's floor."""
    floors = [p for p in pages if p["key"] in ("floor", "floor_end") and p.get("wrk")]
    if not floors:
        return None
    every_floor = [p["wrk"]["latency_ms"]["p50"] for p in floors]
    every_floor += pages[0].get("floors_between_ms") or []
    floor_p50 = statistics.median(every_floor)
    # For information: how far each signed-in page is above the cheapest page in the site's
    # layout (what every signed-in page costs at least: the session, the person, the layout).
    layout = next((p for p in pages if p["key"] == "layout" and p.get("wrk")), None)
    layout_p50 = (
        layout["wrk"]["latency_ms"]["p50"] if layout and layout["wrk"]["requests"] else None
    )
    for page in pages:
        wrk = page.get("wrk")
        problems = []
        if wrk and wrk["requests"] and layout_p50 and page["as"]:
            page["layout_ratio"] = round(wrk["latency_ms"]["p50"] / layout_p50, 2)
        if page.get("preflight", {}).get("status") not in (None, 200):
            pf = page["preflight"]
            problems.append(f"answered {pf['status']} {pf.get('location') or ''}".strip())
        if wrk and not wrk["requests"]:
            problems.append(f"no request completed within the {wrk['duration_s']:.0f} s run")
            page["ratio"] = None
        elif wrk:
            around = page.get("floors_around_ms")
            page["floor_p50_ms"] = statistics.mean(around) if around else floor_p50
            page["ratio"] = round(wrk["latency_ms"]["p50"] / page["floor_p50_ms"], 2)
            page["run_ratio"] = round(wrk["latency_ms"]["p50"] / floor_p50, 2)
            bad = {code: n for code, n in wrk["statuses"].items() if not code.startswith("2")}
            errors = {k: v for k, v in wrk["errors"].items() if v and k != "status"}
            if bad:
                problems.append(f"non-2xx under load: {bad}")
            if errors:
                problems.append(f"socket errors: {errors}")
        if page.get("inprocess_status") not in (None, 200):
            problems.append(f"in-process answer {page['inprocess_status']}")
        if "factor" not in page:
            reference = page["key"] in ("floor", "floor_end")
            page["result"] = "FAIL" if problems else "reference" if reference else "info"
            page["why"] = "; ".join(problems)
            continue
        if wrk and page["ratio"] and page["ratio"] > page["factor"]:
            problems.append(f"{page['ratio']}x the floor")
        limit = page.get("server_p95_ms")
        if limit:
            alone = (page.get("inprocess_ms") or {}).get("p95")
            if alone is None or alone >= limit:
                problems.append(f"server p95 {alone} ms")
        if not wrk and not problems:
            problems.append("not measured")
        page["result"] = "FAIL" if problems else "pass"
        page["why"] = "; ".join(problems)
    return floor_p50


# --- e-mail: the sink, the workers, the digest, the floor, the reminders -----------------------------


class Sink:
    def __init__(self, procs, env, port, var, name):
        self.stats_path = var / f"sink-{name}.json"
        self.stats_path.unlink(missing_ok=True)
        argv = [sys.executable, str(HERE / "smtp_sink.py"), "--port", str(port)]
        argv += ["--stats", str(self.stats_path)]
        self.procs = procs
        self.proc = procs.start(f"sink-{name}", argv, env, var / f"sink-{name}.log")
        end = time.monotonic() + 20
        while not self.stats_path.exists():
            if time.monotonic() > end or self.proc.poll() is not None:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.1)

    def stats(self):
        for _ in range(5):
            try:
                return json.loads(self.stats_path.read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
        return {"count": 0}

    def stop(self):
        self.procs.stop(self.proc)
        return self.stats()


def start_workers(args, env, procs, var):
    logfile = var / "celery.log"
    logfile.write_bytes(b"")
    argv = [
        str(BIN / "celery"),
        "-A",
        "cop_platform",
        "worker",
        "--concurrency",
        str(args.celery_concurrency),
        "--pool",
        "prefork",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        "bench@%h",
    ]
    worker = procs.start("celery", argv, env, logfile)
    end = time.monotonic() + 90
    while "ready." not in logfile.read_text(errors="replace"):
        if time.monotonic() > end or worker.poll() is not None:
            raise RuntimeError(f"the Celery worker did not start; see {logfile}")
        time.sleep(0.5)
    log(f"Celery worker ready: {args.celery_concurrency} processes")
    return worker


def sink_rate(stats):
    if stats.get("count", 0) < 2 or not stats.get("first"):
        return None
    return (stats["count"] - 1) / max(stats["last"] - stats["first"], 1e-6)


def prepare_digest(limit):
    """In the copy: every member (or `limit` of them, spread over the membership) takes the
    weekly digest, and every community with members has something new this week, so that each
    of them gets a digest. Returns the number of digests expected."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import EmailDelivery, User
    from communities.models import Community, Membership
    from dashboard.digest import period_key, recipients
    from knowledge.models import Resource

    now = timezone.now()
    everyone = list(
        User.objects.filter(is_active=True, memberships__status=Membership.Status.ACTIVE)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = everyone
    if limit and limit < len(everyone):
        step = len(everyone) / limit
        chosen = [everyone[int(i * step)] for i in range(limit)]
    User.objects.exclude(digest_frequency=User.Digest.NEVER).update(
        digest_frequency=User.Digest.NEVER
    )
    for start in range(0, len(chosen), 10000):
        User.objects.filter(pk__in=chosen[start : start + 10000]).update(
            digest_frequency=User.Digest.WEEKLY
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE knowledge_resource SET created_at = %s WHERE id IN ("
            " SELECT DISTINCT ON (community_id) id FROM knowledge_resource"
            " WHERE status = 'published' AND community_id IS NOT NULL"
            " ORDER BY community_id, created_at DESC)",
            [now - timedelta(hours=1)],
        )
    without = (
        Community.objects.filter(memberships__status=Membership.Status.ACTIVE)
        .exclude(resources__status=Resource.Status.PUBLISHED)
        .distinct()
    )
    Resource.objects.bulk_create(
        Resource(
            community=c,
            title=f"What is new in {c.name}",
            summary="A resource shared this week.",
            created_at=now - timedelta(hours=1),
        )
        for c in without
    )
    key = f"digest:{period_key(User.Digest.WEEKLY, now)}"
    EmailDelivery.objects.filter(purpose__startswith="digest:").delete()
    return recipients(User.Digest.WEEKLY).count(), key


def digest_counts(key):
    from django.db.models import Count

    from accounts.models import EmailDelivery

    return dict(
        EmailDelivery.objects.filter(purpose=key)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def wait_delivery(sink, expected, counts, timeout, label, started, stall=180):
    """Until the sink has `expected` messages, the outbox has nothing pending, or nothing
    moves for `stall` seconds."""
    last_change, last_seen, last_print = time.monotonic(), None, 0
    while True:
        stats = sink.stats()
        rows = counts()
        seen = (stats.get("count"), tuple(sorted(rows.items())))
        now = time.monotonic()
        if seen != last_seen:
            last_seen, last_change = seen, now
        waiting = rows.get("pending", 0) + rows.get("sending", 0)
        if stats.get("count", 0) >= expected and not waiting:
            return stats, rows, "complete"
        if now - last_change > stall:
            return stats, rows, f"stalled for {stall} s"
        if now - started > timeout:
            return stats, rows, f"timed out after {timeout} s"
        PROGRESS[label] = {
            "delivered": stats.get("count", 0),
            "expected": expected,
            "seconds": round(now - started, 1),
            "rate_per_s": rnd(sink_rate(stats), 1),
        }
        if now - last_print >= 15:
            rate = sink_rate(stats)
            log(
                f"  {label}: {stats.get('count', 0):,}/{expected:,} delivered"
                f" ({rate or 0:.1f}/s), outbox {rows}"
            )
            last_print = now
        time.sleep(1)


def _send_copies(message_data, count, batch):
    """`count` copies over Django's SMTP backend, a connection per `batch` messages."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    message = EmailMultiAlternatives(
        subject=message_data["subject"],
        body=message_data["text"],
        from_email=message_data["from"],
        to=[message_data["to"]],
        headers=message_data["headers"],
    )
    if message_data["html"]:
        message.attach_alternative(message_data["html"], "text/html")
    for start in range(0, count, batch):
        with get_connection() as connection:
            connection.send_messages([message] * min(batch, count - start))


def smtp_floor(args, procs, env, port, var, key, count):
    """`count` copies of one real digest, pre-rendered, over Django's SMTP backend through the
    same sink, from as many processes as the Celery worker has, a connection per
    EMAIL_BATCH_SIZE messages as accounts.mail sends them (per message before that setting)."""
    from django.conf import settings
    from django.db import connections

    from accounts.models import EmailDelivery

    row = EmailDelivery.objects.filter(purpose=key, status="sent").order_by("pk").first()
    if row is None:
        return {"error": "no digest was delivered, so there is no real message to copy"}
    data = {
        "subject": row.subject,
        "text": row.body_text,
        "html": row.body_html,
        "headers": row.headers,
        "to": row.to_address,
        "from": settings.DEFAULT_FROM_EMAIL,
    }
    connections.close_all()
    sink = Sink(procs, env, port, var, "floor")
    processes = args.celery_concurrency
    shares = [count // processes + (i < count % processes) for i in range(processes)]
    ctx = multiprocessing.get_context("fork")
    started = time.monotonic()
    batch = getattr(settings, "EMAIL_BATCH_SIZE", 1)
    children = [ctx.Process(target=_send_copies, args=(data, n, batch)) for n in shares if n]
    for child in children:
        child.start()
    for child in children:
        child.join()
    wall = time.monotonic() - started
    time.sleep(0.5)
    stats = sink.stop()
    return {
        "messages": stats.get("count", 0),
        "processes": processes,
        "batch": batch,
        "wall_s": round(wall, 2),
        "rate_per_s": rnd(sink_rate(stats), 1),
        "message_bytes": round(stats.get("bytes", 0) / max(stats.get("count", 1), 1)),
    }


def run_digest(args, env, procs, port, var):
    from dashboard.tasks import send_digests_task

    started = time.monotonic()
    expected, key = prepare_digest(args.digest_limit)
    log(f"digest: {expected:,} recipients prepared in {time.monotonic() - started:.1f} s ({key})")
    sink = Sink(procs, env, port, var, "digest")
    started = time.monotonic()
    send_digests_task.apply_async(args=("weekly",))
    stats, rows, outcome = wait_delivery(
        sink, expected, lambda: digest_counts(key), args.digest_timeout, "digest", started
    )
    total = time.monotonic() - started
    stats = sink.stop()
    result = {
        "recipients": expected,
        "delivered": stats.get("count", 0),
        "outbox": rows,
        "outcome": outcome,
        "total_s": round(total, 1),
        "rate_per_s": rnd(sink_rate(stats), 1),
        "end_to_end_per_s": rnd(stats.get("count", 0) / total if total else None, 1),
        "first_after_s": rnd(stats["first"] - (time.time() - total), 1)
        if stats.get("first")
        else None,
        "message_bytes": round(stats.get("bytes", 0) / max(stats.get("count", 1), 1)),
    }
    log(f"digest: {outcome}: {result}")
    result["floor"] = smtp_floor(args, procs, env, port, var, key, result["delivered"])
    log(f"SMTP floor: {result['floor']}")
    floor_rate = result["floor"].get("rate_per_s")
    rate = result["rate_per_s"]
    result["ratio"] = rnd(rate / floor_rate, 2) if floor_rate and rate else None
    result["target"] = "rate >= 0.5 x pre-rendered SMTP floor, every recipient delivered"
    ok = outcome == "complete" and result["ratio"] is not None and result["ratio"] >= 0.5
    result["result"] = "pass" if ok else "FAIL"
    return result


def prepare_reminders(count):
    """In the copy: `count` meetings (those with registrations first, new ones if there are
    not enough) start tomorrow, between 23 and 24 hours from now, so every reminder is due."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from communities.models import Community, Membership
    from meetings.models import Meeting, Registration

    now = timezone.now()
    registered = Registration.Status.REGISTERED
    chosen = list(
        Meeting.objects.filter(community__isnull=False)
        .annotate(n=Count("registrations", filter=Q(registrations__status=registered)))
        .filter(n__gt=0)
        .order_by("-starts_at", "pk")[:count]
    )
    for i, meeting in enumerate(chosen):
        meeting.starts_at = now + timedelta(hours=23, seconds=i * 3)
        meeting.ends_at = meeting.starts_at + timedelta(hours=1)
        meeting.status = Meeting.Status.SCHEDULED
        meeting.reminder_hours = 24
    Meeting.objects.bulk_update(
        chosen, ["starts_at", "ends_at", "status", "reminder_hours"], batch_size=500
    )
    created = 0
    if len(chosen) < count:
        communities = list(
            Community.objects.annotate(
                n=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE))
            ).filter(n__gt=0)
        )
        new = []
        for i in range(count - len(chosen)):
            community = communities[i % len(communities)]
            starts = now + timedelta(hours=23, seconds=(len(chosen) + i) * 3)
            new.append(
                Meeting(
                    community=community,
                    title=f"Meeting {i + 1} of {community.name}"[:200],
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    reminder_hours=24,
                )
            )
        Meeting.objects.bulk_create(new, batch_size=500)
        registrations = []
        for meeting in new:
            users = Membership.objects.filter(
                community_id=meeting.community_id, status=Membership.Status.ACTIVE
            ).values_list("user_id", flat=True)[:20]
            registrations += [Registration(meeting=meeting, user_id=u) for u in users]
        Registration.objects.bulk_create(registrations, batch_size=1000)
        created = len(new)
    return {"moved": len(chosen), "created": created}


def run_reminders(args, env, procs, port, var):
    from django.db import connection
    from django.db.models import Count

    from accounts.models import EmailDelivery
    from meetings.services import reminders_due
    from meetings.tasks import send_due_reminders_task

    prepared = prepare_reminders(args.reminder_meetings)
    due = reminders_due()
    EmailDelivery.objects.filter(purpose__startswith="meeting-reminder:").delete()
    log(f"reminders: {prepared}, {len(due)} meetings due now")
    sink = Sink(procs, env, port, var, "reminders")
    started = time.monotonic()
    queries = []  # counted, not kept (CaptureQueriesContext keeps at most 9,000)

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        queued = send_due_reminders_task.apply().get()
    job = time.monotonic() - started

    def counts():
        return dict(
            EmailDelivery.objects.filter(purpose__startswith="meeting-reminder:")
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )

    stats, rows, outcome = wait_delivery(
        sink, queued, counts, args.digest_timeout, "reminders", started, stall=120
    )
    total = time.monotonic() - started
    stats = sink.stop()
    result = {
        **prepared,
        "meetings_due": len(due),
        "queued": queued,
        "job_s": round(job, 2),
        "job_queries": len(queries),
        "delivered": stats.get("count", 0),
        "outbox": rows,
        "outcome": outcome,
        "delivered_all_s": round(total, 1),
        "rate_per_s": rnd(sink_rate(stats), 1),
        "target": "reported (no target set)",
        "result": "pass" if outcome == "complete" else "FAIL",
    }
    log(f"reminders: {result}")
    return result


# --- the report ------------------------------------------------------------------------------------


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def report(results):
    m, r = results["machine"], results
    lines = [f"# Benchmark results {r['started']}", ""]
    lines += [
        f"Machine: {m.get('cpu', '?')}, {m['cores']} cores, {m.get('ram_gib', '?')} GiB RAM; "
        f"load average at start {' '.join(r['load_start'] or [])}, at end "
        f"{' '.join(r.get('load_end') or [])}.",
        f"Code: {r.get('code', 'unknown')}.",
        f"Versions: Python {m['python']}, {r['postgresql']}, Redis {m['redis']}, {m['wrk']}, "
        f"Django {m['django']}, gunicorn {m['gunicorn']}, Celery {m['celery']}.",
        f"Data ({r['source']}, {r['sizes'].get('database_size')}): "
        + ", ".join(f"{v:,} {k}" for k, v in r["sizes"].items() if isinstance(v, int))
        + ".",
        f"Load: wrk, {r['settings']['concurrency']} connections, {r['settings']['threads']} "
        f"threads, {r['settings']['warmup']} s warm-up then {r['settings']['duration']} s per "
        f"page; gunicorn {r['settings']['workers']} sync workers; DJANGO_ENV=production, "
        f"Redis cache, sessions: {r.get('session_engine', '?')}.",
        "",
    ]
    pages = r.get("pages") or []
    if pages:
        floor_runs = [
            (p.get("wrk") or {}).get("latency_ms", {}).get("p50")
            for p in pages
            if p["key"] in ("floor", "floor_end")
        ]
        floor_runs[1:1] = pages[0].get("floors_between_ms") or []
        lines += [
            f"Floor median: {fmt(r.get('floor_p50_ms'), 2)} ms (the median of every floor "
            "run: first, between every two pages, last; "
            + ", ".join(fmt(v) for v in floor_runs)
            + " ms). Each page is judged against the floor measured just before and just after "
            "it (× floor p50, with that floor); × run floor is against the run's median, for "
            "information. Latency is what wrk saw, at the fixed concurrency; server time is "
            "gunicorn's %(D)s for the same requests; alone is one request at a time in-process. "
            "× layout compares a signed-in page with the static page in the layout, signed in "
            "(for information: the least any signed-in page in the layout costs).",
            "",
            "| page | p50 ms | p95 ms | req/s | floor around ms | × floor p50 | × run floor "
            "| × layout p50 | server p50 / p95 ms (under load) | alone p95 ms | queries "
            "| target | result |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
            "| --- |",
        ]
        for p in pages:
            w = p.get("wrk") or {}
            lat = w.get("latency_ms") or {}
            server = p.get("server_ms") or {}
            result = p.get("result", "")
            if p.get("why"):
                result += f" ({p['why']})"
            lines.append(
                f"| {p['name']} | {fmt(lat.get('p50'))} | {fmt(lat.get('p95'))} | "
                f"{fmt(w.get('rps'))} | {fmt(p.get('floor_p50_ms') if p.get('floors_around_ms') else None)} | "
                f"{fmt(p.get('ratio'), 2)} | "
                f"{fmt(p.get('run_ratio'), 2)} | {fmt(p.get('layout_ratio'), 2)} | "
                f"{fmt(server.get('p50'))} / {fmt(server.get('p95'))} | "
                f"{fmt((p.get('inprocess_ms') or {}).get('p95'))} | {fmt(p.get('queries'))} | "
                f"{p.get('target', '')} | {result} |"
            )
        lines.append("")
    d, rem = r.get("digest"), r.get("reminders")
    if d or rem:
        lines += [
            "| e-mail job | messages | time s | messages/s (sink, first to last) | "
            "floor messages/s | ratio | target | result |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
    if d:
        f = d.get("floor") or {}
        lines.append(
            f"| digest, {d['recipients']:,} recipients, {r['settings']['celery_concurrency']} "
            f"worker processes ({d['outcome']}) | {fmt(d['delivered'])} | {fmt(d['total_s'])} | "
            f"{fmt(d['rate_per_s'])} | {fmt(f.get('rate_per_s'))} | {fmt(d.get('ratio'), 2)} | "
            f"{d['target']} | {d['result']} |"
        )
    if rem:
        lines.append(
            f"| reminders, {rem['meetings_due']:,} meetings due ({rem['outcome']}); the job "
            f"took {rem['job_s']} s and {rem['job_queries']:,} queries to queue them | "
            f"{fmt(rem['delivered'])} | {fmt(rem['delivered_all_s'])} | "
            f"{fmt(rem['rate_per_s'])} | | | {rem['target']} | {rem['result']} |"
        )
    if d or rem:
        lines.append("")
    if r.get("interrupted"):
        lines += [f"**Interrupted** before the end: {json.dumps(r['interrupted'])}", ""]
    s = r.get("subjects")
    if s:
        lines += ["Subjects: " + "; ".join(f"{k}: {v}" for k, v in s.items()), ""]
    return "\n".join(lines)


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
    env = {
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
    results = {
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
    procs = Processes()
    # Stopped (SIGTERM, Ctrl+C): stop what this run started, drop the copy, write what was
    # measured so far.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"copying {source} to {copy}")
    results["copy_s"] = round(copy_database(args.database_url, copy), 1)
    log(f"copied in {results['copy_s']} s")
    completed = False
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run(  # noqa: S603  # nosec B603
            [*manage, "migrate", "--no-input"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(  # noqa: S603  # nosec B603
            [*manage, "collectstatic", "--no-input"],
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
        results["machine"] = machine_info(args.redis_url)
        django_setup(env)
        from django.conf import settings

        results["session_engine"] = settings.SESSION_ENGINE
        results["sizes"], results["postgresql"] = data_sizes()
        log(f"data: {results['sizes']}")
        if not args.skip_pages:
            subjects = pick_subjects(args)
            cookies = {
                "member": sign_in(subjects["member"]),
                "manager": sign_in(subjects["manager"]),
                "searchers": [sign_in(user) for user in subjects["searchers"]],
            }
            results["subjects"] = {
                "community": subjects["community"].slug,
                "member": f"user {subjects['member'].pk}",
                "network": subjects["network"].slug,
                "manager": f"user {subjects['manager'].pk}",
                "meeting": subjects["meeting"].pk,
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
                {k: v for k, v in p.items() if k != "as"} | {"signed_in": bool(p["as"])}
                for p in pages
            ]
        if not (args.skip_digest and args.skip_reminders):
            start_workers(args, env, procs, work)
            if not args.skip_digest:
                results["digest"] = run_digest(args, env, procs, sink_port, work)
            if not args.skip_reminders:
                results["reminders"] = run_reminders(args, env, procs, sink_port, work)
        completed = True
    finally:
        procs.stop_all()
        if DJANGO_READY:
            from django.db import connections

            connections.close_all()
        if args.keep_copy:
            log(f"kept the copy: {copy_url}")
        else:
            drop_database(args.database_url, copy)
        if not completed:
            results["interrupted"] = {"at": datetime.now().astimezone().isoformat(), **PROGRESS}
            write_results(results, started_at, out_dir)
    write_results(results, started_at, out_dir)


def write_results(results, started_at, out_dir):
    results["load_end"] = load_average()
    results["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    text = report(results)
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    (out_dir / f"results-{stamp}.md").write_text(text + "\n")
    (out_dir / f"results-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    print()
    print(text)
    log(f"written: {out_dir}/results-{stamp}.md and .json")
    failed = [p["name"] for p in results.get("pages", []) if p.get("result") == "FAIL"]
    failed += [k for k in ("digest", "reminders") if results.get(k, {}).get("result") == "FAIL"]
    if failed:
        log(f"targets missed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
