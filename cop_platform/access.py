"""Who is asking, from where, and what they were refused.

`AccessDenied` is raised where an object exists but this person may not know it: it is an
`Http404`, so the answer is exactly that of a missing page (never 403), while the
`AccessAuditMiddleware` records the attempt in the audit log with who, what and from where.
The same middleware makes the client's address available to `audit_log`, so that every
privileged change is recorded with where it came from.
"""

import contextvars
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

logger = logging.getLogger("cop_platform.security")

_client_ip = contextvars.ContextVar("client_ip", default=None)


class AccessDenied(Http404):
    """The object exists, but not for this person: answered as a missing page, and logged."""


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets
    (AUDIT_CLIENT_IP_HEADER, for example HTTP_X_REAL_IP), never a header anyone can forge."""
    header = getattr(settings, "AUDIT_CLIENT_IP_HEADER", "")
    value = (request.META.get(header, "") if header else "") or request.META.get("REMOTE_ADDR", "")
    return value.split(",")[0].strip() or None


def current_ip():
    """The address of the request being handled, if any (None in tasks and commands)."""
    return _client_ip.get()


class AccessAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)

    def process_exception(self, request, exception):
        from django_ratelimit.exceptions import Ratelimited

        if isinstance(exception, Ratelimited):
            action = "access.rate_limited"
        elif isinstance(exception, AccessDenied | PermissionDenied):
            action = "access.denied"
        else:
            return None
        from accounts.services import audit_log

        user = request.user if request.user.is_authenticated else None
        data = {"path": request.path[:500], "method": request.method, "reason": str(exception)}
        audit_log(actor=user, action=action, data=data)
        logger.warning(
            "%s %s %s by %s from %s (%s)",
            action,
            request.method,
            request.path,
            user.pk if user else "anonymous",
            current_ip(),
            exception,
        )
        return None  # Django answers as it would have: 404 for AccessDenied, 429 or 403 otherwise
