import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from celery.app.task import Task
from celery.signals import task_prerun
from celery.utils import uuid as celery_uuid
from django.core.cache import caches

from cop_platform.celery import app as celery_app
from core import health
from tests.factories import UserFactory

TESTS_DIR = Path(__file__).parent
ROOT = TESTS_DIR.parent

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# test body are still plain synchronous calls, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Every task run in-process during the run: its name → the tests that ran it.
EAGER_RUNS = {}
PUBLISHED = pytest.StashKey()


@dataclass(frozen=True)
class PublishedTask:
    """A task published during a test: its name (`accounts.tasks.send_email_task`) and
    arguments."""

    name: str
    args: tuple
    kwargs: dict


@pytest.fixture(autouse=True)
def _celery_publishing(request, monkeypatch):
    """What publishing a task does in a test (core.queue.publish, on commit, calls the task's
    apply_async). Each published task is recorded (the `published_tasks` fixture). It runs
    in-process only in a test marked `eager_tasks`; in any other test it is only recorded:
    it neither runs nor reaches a broker, so a test that needs what a task does and lacks the
    marker fails (its report lists the tasks published and not run). A test marked
    `real_broker` (an integration test with a worker of its own) publishes to the broker,
    unrecorded.
    Each task run in-process is recorded too, and the run ends with the list
    (pytest_terminal_summary), so what runs eagerly stays in view."""
    published = request.node.stash[PUBLISHED] = []
    if request.node.get_closest_marker("real_broker"):
        yield
        return
    eager = request.node.get_closest_marker("eager_tasks") is not None
    apply_async = Task.apply_async

    def publish(task, args=None, kwargs=None, **options):
        published.append(PublishedTask(task.name, tuple(args or ()), dict(kwargs or {})))
        if eager:
            return apply_async(task, args, kwargs, **options)
        return task.AsyncResult(options.get("task_id") or celery_uuid())

    def record(sender=None, **kwargs):
        EAGER_RUNS.setdefault(sender.name, set()).add(request.node.nodeid)

    monkeypatch.setattr(Task, "apply_async", publish)
    if not eager:
        yield
        return
    task_prerun.connect(record, weak=False)
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False
    task_prerun.disconnect(record)


@pytest.fixture
def published_tasks(request):
    """The tasks published so far in this test, in order (PublishedTask: name, args,
    kwargs); unless the test is marked `eager_tasks`, none of them has run."""
    return request.node.stash[PUBLISHED]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    published = item.stash.get(PUBLISHED, [])
    if report.failed and published and not item.get_closest_marker("eager_tasks"):
        lines = [f"{task.name}{task.args!r}" for task in published]
        report.sections.append(
            ("tasks published, not run (no eager_tasks marker)", "\n".join(lines))
        )


def pytest_terminal_summary(terminalreporter):
    if not EAGER_RUNS:
        return
    tests = set().union(*EAGER_RUNS.values())
    terminalreporter.section(f"tasks run eagerly, in {len(tests)} tests")
    for name, ran_it in sorted(EAGER_RUNS.items()):
        terminalreporter.write_line(f"{name}: {len(ran_it)} tests")
        if terminalreporter.verbosity > 0:  # -v names them
            for nodeid in sorted(ran_it):
                terminalreporter.write_line(f"    {nodeid}")


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """Transactional tests flush the database and recreate content types with new ids;
    Django's in-memory ContentType cache must not hand out the old ones."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, monkeypatch):
    settings.SITE_URL = "http://testserver"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TESTS_DIR / "templates"]}
    ]
    # Passwords hashed fast in tests; production keeps Django's default hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate-limit counters of their own for each test, whatever the cache (Redis in CI).
    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex}:"
    # allauth's counters (sign-in, sign-up, password reset) have no prefix setting: the whole
    # cache gets a namespace of its own for each test. On the cache object, not in CACHES: a
    # change of CACHES would replace the cache object that a test may have patched.
    monkeypatch.setattr(caches["default"], "key_prefix", f"test-{uuid.uuid4().hex}")
    # Cached dashboard figures of their own too (ids repeat from one run to the next).
    settings.FIGURES_CACHE_PREFIX = f"figures-{uuid.uuid4().hex}"
    # /healthz answers 503 when the database has not answered a new connection within 0.3 s,
    # which a machine busy with browsers can miss: the pages that walk every URL (the access
    # table, the canary) test who may call it, not how fast. tests/test_healthz.py puts the
    # production deadline back and measures it.
    monkeypatch.setattr(health, "DEADLINE_SECONDS", 5)
    # One test database: replicas named by DATABASE_REPLICA_URLS only mirror it (TEST MIRROR,
    # no test database made on them) and nothing reads from them (tests/core/test_replicas.py
    # names its own).
    settings.DATABASE_REPLICAS = []


# Everyone the access tests ask about, and the world they live in: a network with its
# programme manager and a participant of its leadership programme, another network with its
# own manager, and a convener of a community there.
ROLES = [
    "anonymous",
    "outsider",
    "member",
    "convener",
    "other_convener",
    "manager",
    "other_manager",
    "participant",
    "staff",
]


@pytest.fixture
def world(db):
    """(network, people): one person for each role but anonymous. The participant's accepted
    application is people["participant"].applications.get(); the communities are the tests'."""
    from conveners import services
    from tests.conveners.conftest import application_data
    from tests.factories import CommunityFactory, MembershipFactory, NetworkFactory

    network, other_network = NetworkFactory(), NetworkFactory()
    people = {role: UserFactory() for role in ROLES if role != "anonymous"}
    people["staff"].is_staff = True
    people["staff"].save()
    network.managers.add(people["manager"])
    other_network.managers.add(people["other_manager"])
    MembershipFactory(
        community=CommunityFactory(network=other_network),
        user=people["other_convener"],
        role="convener",
    )
    programme = programme_create_for(
        network=network, manager=people["manager"], slug=f"leaders-{network.slug}"
    )
    application = services.application_submit(
        application=services.application_save(
            programme=programme, applicant=people["participant"], **application_data()
        )
    )
    services.application_decide(application=application, actor=people["manager"], decision="offer")
    services.offer_answer(application=application, accept=True)
    return network, people


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def get_within(client, django_assert_max_num_queries):
    """get_within(url, queries, **params): the client's GET of `url`, answered 200 in at most
    `queries` queries. The query-count tests read their page with it at two data sizes."""

    def get(url, queries, **params):
        with django_assert_max_num_queries(queries):
            response = client.get(url, params)
        assert response.status_code == 200
        return response

    return get


def run_python(script, *, env, timeout):
    """`script` run by a new Python process in the project's folder, with the environment
    `env`: its subprocess.CompletedProcess, output captured as text."""
    return subprocess.run(  # noqa: S603 (the tests' own script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def field_error(page_soup, field_id):
    """The text of the error message drawn next to a field, or None."""
    node = page_soup.find(id=f"{field_id}_error")
    return " ".join(node.get_text(" ").split()).replace("Error: ", "") if node else None


def link_in(message, path_fragment):
    """The address, from the site's root, of the link in an e-mail whose path holds
    `path_fragment`. Links are built from SITE_URL (http://testserver in the tests); a client
    follows the address as it is, a browser on the live server too."""
    match = re.search(rf"https?://\S+{path_fragment}\S*", message.body)
    assert match, message.body
    return match.group(0).replace("http://testserver", "")


def error_summary(page_soup):
    box = page_soup.select_one(".nhsuk-error-summary")
    return [" ".join(li.get_text(" ").split()) for li in box.select("li")] if box else []


def programme_create_for(*, network, manager, slug="leaders-2027", **fields):
    """A leadership programme of the network taking applications, created by its manager;
    `fields` (name, cohort_size...) replace the defaults."""
    from datetime import timedelta

    from django.utils import timezone

    from conveners import services

    today = timezone.localdate()
    defaults = {
        "name": "Convener Leadership 2027",
        "description": "Five modules.",
        "cohort_size": 2,
        "applications_open": today - timedelta(days=5),
        "applications_close": today + timedelta(days=20),
        "starts_on": today - timedelta(days=30),
        "ends_on": today + timedelta(days=200),
        "meeting_commitment": 5,
        "criteria": "Passion for the domain\nSupport of the employer",
    }
    return services.programme_create(
        actor=manager, network=network, slug=slug, **{**defaults, **fields}
    )


def module_added(*, programme, manager, starts_in, title="Module 1", **fields):
    """A one-day module (six hours) of the programme starting `starts_in` (a timedelta) from
    now, added by its manager; `fields` (venue...) as session_add takes them."""
    from datetime import timedelta

    from django.utils import timezone

    from conveners import services

    start = timezone.now() + starts_in
    return services.session_add(
        programme=programme,
        actor=manager,
        kind="module",
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        **fields,
    )


@pytest.fixture
def programme(db):
    """A leadership programme taking applications, with its programme manager."""
    from tests.factories import NetworkFactory

    network = NetworkFactory()
    manager = UserFactory(name="Pat Manager")
    network.managers.add(manager)
    programme = programme_create_for(network=network, manager=manager)
    programme.manager = manager
    return programme


def as_the_browser_sends_it(form):
    """The values a browser submits for a form as drawn: inputs, checked boxes, the selected
    option of each select, textareas."""
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        name, kind = field["name"], field.get("type", "")
        if field.name == "select":
            chosen = field.select("option[selected]") or field.select("option")[:1]
            data.setdefault(name, []).extend(o.get("value", o.get_text()) for o in chosen)
        elif field.name == "textarea":
            data.setdefault(name, []).append(field.get_text())
        elif kind in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        elif kind not in ("submit", "file"):
            data.setdefault(name, []).append(field.get("value", ""))
    return data
