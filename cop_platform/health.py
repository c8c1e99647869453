"""/healthz: the state of the database, the cache and the broker, as JSON.

503 when the database is unreachable (nothing works without it); the cache and the
broker are reported but the platform degrades without them, so they do not fail it.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # report, never raise: this page must answer
        return f"error: {exc.__class__.__name__}"


def _cache():
    try:
        cache.set("healthz", "1", 10)
        return "ok" if cache.get("healthz") == "1" else "error: no round trip"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def _broker():
    from cop_platform.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


@never_cache
@require_GET
@login_not_required
def healthz(request):
    checks = {"database": _database(), "cache": _cache(), "broker": _broker()}
    healthy = checks["database"] == "ok"
    body = {
        "status": "ok" if healthy else "error",
        "checks": checks,
        "broker_transport": settings.CELERY_BROKER_URL.split(":", 1)[0],
    }
    return JsonResponse(body, status=200 if healthy else 503)
