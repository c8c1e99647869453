"""Read replicas, for real: a private PostgreSQL primary and a streaming replica made from it
with `pg_basebackup -R`, each a cluster of the test's own on a port of its own (the machine's
server on 5432 is left alone: it need not accept replication), and gunicorn serving the site
with DATABASE_REPLICA_URLS naming the replica.

- A write on the primary reaches the replica.
- With the replica's replay paused, the programme manager renames their community (on the
  primary only). Right after, their dashboard shows the new name: they have just written, so
  they read from the primary. Once REPLICA_LAG_SECONDS have passed it shows the old name,
  which only the replica still has: the dashboard's figures come from the replica.
- Meanwhile a page's scope reads from the replica at once, and a background job's caught-up
  scope waits for it, then reads from the primary.
- Replay resumed, the replica catches up: the dashboard and the job read the new name there.
- The replica stopped, the dashboard still answers, from the primary.
"""

import json
import signal
import time
from types import SimpleNamespace

import pytest
import requests
from bs4 import BeautifulSoup

from tests.conftest import as_the_browser_sends_it, run_python
from tests.factories import PASSWORD
from tests.integration.conftest import (
    PrivatePostgres,
    PrivateReplica,
    child_env,
    free_port,
    gunicorn,
    read_log,
    start_logged,
    stop_group,
    wait_for,
    web_ready,
)
from tests.integration.replica_world import MANAGER, SLUG

pytestmark = [pytest.mark.integration]

DATABASE = "cop_replicas"
LAG_SECONDS = 3  # REPLICA_LAG_SECONDS (10 in production)
OLD, NEW = "Falls prevention", "Falls and hydration"


@pytest.fixture
def clusters():
    """(primary, replica): the replica streaming from the primary, both answering."""
    primary = PrivatePostgres()
    replica = None
    try:
        primary.start()
        primary.query("postgres", f"CREATE DATABASE {DATABASE}")
        replica = PrivateReplica(primary)
        replica.start()
        yield primary, replica
    finally:
        if replica is not None:
            print("--- replica\n" + replica.log())
            replica.remove()
        primary.remove()


def run_django(env, code):
    result = run_python(f"import django; django.setup(); {code}", env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def site(clusters, tmp_path):
    """The primary migrated and seeded (replica_world.seed), and gunicorn on both."""
    primary, replica = clusters
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    var = tmp_path / "var"
    for folder in ("mail/inbound", "media", "celery/queue", "celery/processed", "celery/control"):
        (var / folder).mkdir(parents=True)
    env = child_env()
    for name in ("REDIS_URL", "EMAIL_URL", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)  # a cache and a queue of its own: nothing shared with other tests
    env.update(
        DATABASE_URL=primary.url(DATABASE),
        DATABASE_REPLICA_URLS=replica.url(DATABASE),
        REPLICA_LAG_SECONDS=str(LAG_SECONDS),
        REPLICA_WAIT_SECONDS="1",
        FIGURES_CACHE_SECONDS="0",  # every view of the dashboard reads its figures
        VAR_DIR=str(var),
        SITE_URL=url,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="cop_platform.settings",
    )
    run_django(
        env,
        "from django.core.management import call_command; "
        "call_command('migrate', interactive=False, verbosity=0)",
    )
    run_django(env, "from tests.integration.replica_world import seed; seed()")
    log = tmp_path / "web.log"
    web = start_logged(gunicorn(port, workers=1), log, env)
    try:
        assert wait_for(lambda: web_ready(url), 60), f"gunicorn did not start:\n{read_log(log)}"
        yield SimpleNamespace(url=url, env=env, log=log)
    finally:
        stop_group(web, signal.SIGINT)
        print("--- gunicorn\n" + read_log(log))


def names_on(cluster):
    rows = cluster.query(
        DATABASE, "SELECT name FROM communities_community WHERE slug = %s", (SLUG,)
    )
    return [name for (name,) in rows]


def post_form(session, url, *, field, **changes):
    """Open the page and send its form that has `field` as the browser would, with
    `changes`."""
    page = session.get(url, timeout=30)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    form = BeautifulSoup(page.text, "html.parser").select_one(f"form:has([name={field}])")
    data = as_the_browser_sends_it(form) | changes
    return session.post(url, data=data, allow_redirects=False, timeout=30)


def dashboard_names(session, site):
    """The names of the communities on the programme dashboard."""
    response = session.get(f"{site.url}/dashboard/", timeout=30)
    assert response.status_code == 200, read_log(site.log)[-5000:]
    page = BeautifulSoup(response.text, "html.parser")
    return [a.get_text() for a in page.select(".app-dashboard-table__name a:not(.app-report-link)")]


def where_reads_go(site):
    """{"page": [database, name], "job": [database, name]}: replica_world.where_reads_go."""
    code = "from tests.integration.replica_world import where_reads_go; where_reads_go()"
    return json.loads(run_django(site.env, code))


def test_heavy_reads_come_from_the_replica_but_not_for_a_person_who_just_wrote(clusters, site):
    primary, replica = clusters
    assert wait_for(lambda: names_on(replica) == [OLD], 30), "the seeded rows never arrived"

    manager = requests.Session()
    signed_in = post_form(
        manager, f"{site.url}/accounts/login/", field="login", login=MANAGER, password=PASSWORD
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert "recent_write" in signed_in.cookies  # signing in wrote

    replica.replay(DATABASE, paused=True)
    renamed = post_form(manager, f"{site.url}/communities/{SLUG}/edit/", field="name", name=NEW)
    assert renamed.status_code == 302, renamed.text[:2000]
    assert "recent_write" in renamed.cookies
    assert (names_on(primary), names_on(replica)) == ([NEW], [OLD])

    assert dashboard_names(manager, site) == [NEW]  # they have just written: the primary
    time.sleep(LAG_SECONDS + 0.5)
    assert dashboard_names(manager, site) == [OLD]  # later: the replica, still paused
    assert where_reads_go(site) == {"page": ["replica_0", OLD], "job": ["default", NEW]}

    replica.replay(DATABASE, paused=False)
    assert wait_for(lambda: names_on(replica) == [NEW], 30), "the replica did not catch up"
    assert dashboard_names(manager, site) == [NEW]
    assert where_reads_go(site)["job"] == ["replica_0", NEW]

    replica.stop()
    assert dashboard_names(manager, site) == [NEW]  # from the primary
    assert "Replica replica_0 cannot be reached" in read_log(site.log)
