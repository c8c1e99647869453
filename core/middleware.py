"""Cross-cutting request handling: security headers, session time-outs, MFA for the
privileged (tested in tests/test_security.py); the HTTP methods the site answers
(tests/test_http_protocol.py) and the load balancer's health probe (tests/test_healthz.py).
Configured in settings."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control

from core import health
from core.access import AccessDenied, client_ip, current_ip, request_from
from core.services import audit_log

security_log = logging.getLogger("cop_platform.security")


class PermissionsPolicyMiddleware:
    """Switch off browser features the service never uses."""

    POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.POLICY)
        return response


class PrivilegedMFAMiddleware:
    """Staff and programme managers must use two-factor authentication when
    MFA_REQUIRED_FOR_PRIVILEGED is on: until they set it up, every page leads to it. What it
    asks of the person comes with the request's one read of them (mfa_columns)."""

    ALLOWED_PREFIXES = (
        "/accounts/2fa/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/static/",
        "/healthz",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.MFA_REQUIRED_FOR_PRIVILEGED
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and _privileged(user)
            and not _has_totp(user)
        ):
            messages.info(
                request,
                "Your role needs two-factor authentication: set up an authenticator app to carry on.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def mfa_columns():
    """What PrivilegedMFAMiddleware asks of the person signed in, as columns of the query
    that reads them on each request (accounts.selectors.person_for_request), {name: (SQL,
    parameters)}: whether they manage a network, and whether they have an authenticator app.
    Nothing while the requirement is off."""
    if not settings.MFA_REQUIRED_FOR_PRIVILEGED:
        return {}
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model

    quote = connection.ops.quote_name
    people = get_user_model()._meta
    person = f"{quote(people.db_table)}.{quote(people.pk.column)}"
    # communities.Network.managers, by its relation on the person: core imports no app.
    managers = people.model.managed_networks.through._meta
    authenticators = Authenticator._meta

    def column(meta, name):
        return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"

    # Our tables' names; the one value is a parameter.
    manages = (
        f"EXISTS (SELECT 1 FROM {quote(managers.db_table)} "  # noqa: S608  # nosec B608
        f"WHERE {column(managers, 'user')} = {person})"
    )
    has_totp = (
        f"EXISTS (SELECT 1 FROM {quote(authenticators.db_table)} "  # noqa: S608  # nosec B608
        f"WHERE {column(authenticators, 'user')} = {person} "
        f"AND {column(authenticators, 'type')} = %s)"
    )
    return {
        "mfa_manages_network": (manages, ()),
        "mfa_has_totp": (has_totp, (Authenticator.Type.TOTP.value,)),
    }


def _privileged(user):
    if user.is_staff:
        return True
    known = getattr(user, "mfa_manages_network", None)
    return known if known is not None else user.managed_networks.exists()


def _has_totp(user):
    known = getattr(user, "mfa_has_totp", None)
    if known is not None:
        return known
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class AllowedMethodsMiddleware:
    """Refuse every HTTP method the site does not use, with 405 and an Allow header, before
    any view sees the request. Pages are read with GET (and HEAD) and every form posts: no
    view takes PUT, PATCH or DELETE, and nothing answers OPTIONS, since the site serves no
    cross-origin requests and so has no preflight to answer. TRACE would echo the request
    back, cookies included."""

    ALLOWED = ("GET", "HEAD", "POST")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.ALLOWED:
            return HttpResponseNotAllowed(self.ALLOWED)
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answer the load balancer's probe (GET or HEAD /healthz) before anything checks the
    Host header: the probe calls each instance by its own address (http://10.0.3.7:8000/healthz),
    which is not in ALLOWED_HOSTS and need not be, since the answer names no host and links
    nowhere. Placed before CommonMiddleware, whose host check would answer it with a 400;
    and before the sessions, the sign-in and the rate limits, which a probe has no use for."""

    def __init__(self, get_response):
        self.get_response = get_response
        health.prepare()

    def __call__(self, request):
        if request.path == "/healthz" and request.method in ("GET", "HEAD"):
            return health.healthz(request)
        return self.get_response(request)


class SignedInNoStoreMiddleware:
    """Every response to a signed-in person carries personal data (their name in the header at
    least): no shared cache may keep it, and the browser should not keep it on disk either
    (a shared ward computer). `Cache-Control: private, no-store` is added to whatever the view
    set, which only ever makes it stricter: a view's no-cache or max-age=0 stays, and a public
    is replaced by private. Anonymous responses are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class AccessAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_from(client_ip(request)):
            return self.get_response(request)

    def process_exception(self, request, exception):
        from django_ratelimit.exceptions import Ratelimited

        if isinstance(exception, Ratelimited):
            action = "access.rate_limited"
        elif isinstance(exception, AccessDenied | PermissionDenied):
            action = "access.denied"
        else:
            return None
        user = request.user if request.user.is_authenticated else None
        data = {"path": request.path[:500], "method": request.method, "reason": str(exception)}
        audit_log(actor=user, action=action, data=data)
        security_log.warning(
            "%s %s %s by %s from %s (%s)",
            action,
            request.method,
            request.path,
            user.pk if user else "anonymous",
            current_ip(),
            exception,
        )
        return None  # Django answers as it would have: 404 for AccessDenied, 429 or 403 otherwise
