"""Who is asking, from where, and what they were refused.

`AccessDenied` is raised where an object exists but this person may not know it: it is an
`Http404`, so the answer is exactly that of a missing page (never 403), while
`core.middleware.AccessAuditMiddleware` records the attempt in the audit log with who, what
and from where. The same middleware makes the client's address available here to
`audit_log`, so that every privileged change is recorded with where it came from.
"""

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.http import Http404

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


@contextmanager
def request_from(address):
    """While a request from `address` is handled, `current_ip()` answers it."""
    token = _client_ip.set(address)
    try:
        yield
    finally:
        _client_ip.reset(token)


def get_visible_or_404(visible, **lookup):
    """The one object of `visible` (a queryset already narrowed to what this person may see)
    that matches `lookup`, fetched through that queryset (get_allowed_or_404 asks the
    yes/no twin of the rule instead).
    An object that exists but is not in it raises AccessDenied (answered 404 and logged); one
    that does not exist at all is simply missing (Http404, nothing to log)."""
    found = visible.filter(**lookup).first()
    if found is not None:
        return found
    if visible.model._base_manager.filter(**lookup).exists():
        raise AccessDenied(f"No such {visible.model._meta.verbose_name}")
    raise Http404(f"No such {visible.model._meta.verbose_name}")


def get_allowed_or_404(user, objects, can_view, **lookup):
    """The one object of `objects` that matches `lookup`, when `can_view(user, obj)` lets this
    person see it; AccessDenied (answered 404 and logged) when it does not, Http404 when
    there is no such object. For a page of one object whose visibility queryset costs more
    to build than the yes/no rule costs to ask (a meeting's: five correlated conditions, 4 ms
    of the ORM's time a request). The yes/no rule and its queryset are held to the same
    answer for every kind of person and object (tests/test_permission_twins.py)."""
    found = objects.filter(**lookup).first()
    if found is None:
        raise Http404(f"No such {objects.model._meta.verbose_name}")
    if not can_view(user, found):
        raise AccessDenied(f"No such {objects.model._meta.verbose_name}")
    return found


def allowed_or_denied(user, obj, rule, reason):
    """`obj` when `rule(user, obj)` says yes; otherwise AccessDenied(reason): the person knows
    the object exists, but the answer is still that of a missing page (and it is logged)."""
    if not rule(user, obj):
        raise AccessDenied(reason)
    return obj
