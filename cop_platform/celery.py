"""The Celery application: its settings, the tasks it finds, and the database connection
around each task. Tasks are queued through core.queue."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init
from django.db import close_old_connections

from core import heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")

app = Celery("cop_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _collect_garbage_as_the_web_processes_do(**kwargs):
    """The worker's collection thresholds, set before its pool forks (core.heap)."""
    heap.tune()


@task_prerun.connect
@task_postrun.connect
def _database_connection_as_for_a_request(sender=None, **kwargs):
    """Around a task, the database connection is kept or closed as Django does around a
    request: closed once older than CONN_MAX_AGE, or if it errored and no longer works (and
    checked before its next use, CONN_HEALTH_CHECKS). Celery's Django fix-up would otherwise
    close it before and after every task, a new connection for each; CELERY_DB_REUSE_MAX
    (settings) turns that off. Tasks run in-process (eager) share their caller's connection
    and transaction: left alone."""
    request = getattr(sender, "request", None)
    if request is not None and not getattr(request, "is_eager", False):
        close_old_connections()
