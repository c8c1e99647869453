"""Application rate limits, on top of allauth's own for sign-in, sign-up and password reset.

    @rate_limit("join")          # POSTs only
    @rate_limit("search", method="GET")

Counts live in the cache (Redis in production, shared by every process), keyed by the person
when signed in and by address otherwise; the rates are settings (RATE_LIMITS). A request over
the limit is refused with 429 and a page saying when to try again.
"""

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.decorators import ratelimit

from cop_platform.access import client_ip


def _key(group, request):
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request)}"


def _rate_for(name, when):
    def rate(group, request):
        if when is not None and not when(request):
            return None  # not counted
        return settings.RATE_LIMITS.get(name)

    return rate


def rate_limit(name, *, method="POST", when=None):
    """Limit the view's `method` requests by the rate RATE_LIMITS[name]; `when(request)`, if
    given, says which requests count (a search with words, not the bare list)."""
    return ratelimit(
        group=f"cop:{name}", key=_key, rate=_rate_for(name, when), method=method, block=True
    )


def has_query(request):
    return bool(request.GET.get("q", "").strip())


def rate_limited(request, exception):
    """The page for a refused request (RATELIMIT_VIEW)."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
