"""The one way the project queues a task.

Tasks are queued only once the transaction that made their data has committed, and
publishing never hangs a page: if the broker cannot be reached the task is not lost,
because every task we queue this way has a periodic sweep that picks up its work
(see CELERY_BEAT_SCHEDULE in settings).
"""

import logging
from functools import partial

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


# Every task retries when the database or the broker is briefly away (a restart, a failover):
# a few times, waiting 1, 2, 4, 8, 16 seconds (with jitter, at most a minute), then gives up
# with the error in the worker's log. Each one's work is recorded in the database first (the
# outbox, a digest run), so what a task gave up on is picked up by its periodic sweep.
RETRY_TRANSIENT = {
    "autoretry_for": (DatabaseOperationalError, DatabaseInterfaceError, BrokerError),
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}

# Publishing gives up quickly: the sweep will catch what was not published.
PUBLISH_OPTIONS = {
    "retry": True,
    "retry_policy": {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 0.5,
    },
}


def publish(task, *args, on_failure=None):
    """Publish a task now; log and carry on if the broker is unreachable.

    Returns whether the task was published. `on_failure()`, if given, is called when it
    was not: for example to tell the sweep that no task is coming for this work.
    """
    try:
        task.apply_async(args=args, **PUBLISH_OPTIONS)
    except Exception:  # any broker failure: the periodic sweep takes over
        logger.warning(
            "Could not publish %s%r; the periodic sweep will pick it up.",
            task.name,
            args,
            exc_info=True,
        )
        if on_failure is not None:
            try:
                on_failure()
            except Exception:  # the work is stored; the sweep still finds it, later
                logger.exception("After failing to publish %s%r", task.name, args)
        return False
    return True


def enqueue_on_commit(task, *args, using=None, on_failure=None):
    """Queue `task(*args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, task, *args, on_failure=on_failure), using=using)
