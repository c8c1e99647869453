"""The digest job's tasks, where Celery's autodiscovery and callers look for them. They are
defined beside the run and batch code they drive (dashboard/digest.py), under the names of
this module (dashboard.tasks.*), which queued tasks and the periodic schedule use."""

from dashboard.digest import resume_digests_task, send_digest_batch_task, send_digests_task

__all__ = ["resume_digests_task", "send_digest_batch_task", "send_digests_task"]
