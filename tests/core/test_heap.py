"""The processes that serve pages and run tasks collect young garbage every
core.heap.YOUNG_THRESHOLD new objects (CPython's first threshold is 700), keeping the later
thresholds; each is checked in a new process, as a server or a worker starts."""

import gc
import json
import os

import pytest

from core import heap
from tests.conftest import run_python

DEFAULT = (700, 10, 10)  # CPython's, in a process that has not changed them

STARTS = {
    "wsgi": "import cop_platform.wsgi",
    "asgi": "import cop_platform.asgi",
    # What the worker does as it starts, before its pool forks.
    "worker": (
        "import django; django.setup()\n"
        "from celery.signals import worker_init\n"
        "from cop_platform.celery import app\n"
        "worker_init.send(sender=None)"
    ),
}


@pytest.fixture
def thresholds_kept():
    kept = gc.get_threshold()
    yield
    gc.set_threshold(*kept)


def test_tune_sets_the_first_threshold_and_keeps_the_others(thresholds_kept):
    gc.set_threshold(*DEFAULT)
    heap.tune()
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, 10, 10)


@pytest.mark.parametrize("start", sorted(STARTS))
def test_a_starting_server_or_worker_tunes_its_collections(start, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="cop_platform.settings", VAR_DIR=str(tmp_path))
    script = (
        "import gc, json\n"
        "before = gc.get_threshold()\n"
        f"{STARTS[start]}\n"
        "print('RESULT ' + json.dumps([before, gc.get_threshold()]))\n"
    )
    result = run_python(script, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith("RESULT ")][-1]
    before, after = json.loads(line.removeprefix("RESULT "))
    assert tuple(before) == DEFAULT
    assert tuple(after) == (heap.YOUNG_THRESHOLD, *DEFAULT[1:])
