"""Shared platform pieces below every app: the audit log, access helpers (404 for hidden
objects), uploads and scanning, the Markdown renderer, form and HTTP helpers, rate limits and
the one way a task is queued. It imports no other app of the project."""
