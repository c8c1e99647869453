"""Application rate limits, on top of allauth's own for sign-in, sign-up and password reset.

    @rate_limit("join")          # POSTs only
    @rate_limit("search", method="GET")

Counts live in the cache (Redis in production, shared by every process), keyed by the person
when signed in and by address otherwise; the rates are settings (RATE_LIMITS). A request over
the limit is refused with 429 and a page saying when to try again.

Failed sign-ins have limits of their own, per account, per account and address, and per
address (below), so that one address cannot lock a whole organisation out.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django_ratelimit.decorators import ratelimit

from core.access import client_ip

logger = logging.getLogger("cop_platform.security")


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


# --- Sign-in ------------------------------------------------------------------------------------
#
# allauth counts failed sign-ins before it checks the password, and takes the count back when
# the password is right, so only failures are counted. Its own rule, failures per address,
# turned every sign-in from an address away once ten had failed in a minute: correct passwords
# too, for everyone behind that address, and an NHS trust puts thousands of staff behind one.
# Instead failures are counted three ways (ACCOUNT_RATE_LIMITS, SIGN_IN_* settings):
#
#   login_failed                   per account, from any address: guessing one password from
#                                  many addresses
#   login_failed_account_address   per account from one address: the person who mistypes,
#                                  or one machine guessing; tighter than the first
#   login_failed_address           per address, over every account: password spraying,
#                                  high enough for a trust's shared exit address
#
# So one account under attack is refused while everyone else behind the same address signs in.
# A refusal is a form error saying how long to wait, answered with 429 and Retry-After
# (SignInLimitMiddleware), and the first refusal of each limit in each window is audited.
# "Account" is the e-mail address as typed, whether or not an account has it: the answer
# never tells who has an account.

SIGN_IN_LIMITS = (
    ("address", "login_failed_address"),
    ("account", "login_failed"),
    ("account_address", "login_failed_account_address"),
)
SIGN_IN_MESSAGES = {
    "address": "Too many failed sign-ins from your network. Wait {wait} before you try again.",
    "account": (
        "Too many failed sign-ins to this account. Wait {wait} before you try again, "
        "or reset your password."
    ),
}
SIGN_IN_MESSAGES["account_address"] = SIGN_IN_MESSAGES["account"]
_ALLAUTH = "allauth.account"


@dataclass(frozen=True)
class SignInRefusal:
    limit: str  # the first element of one of SIGN_IN_LIMITS
    wait: int  # seconds until one more attempt is counted rather than refused

    @property
    def message(self):
        minutes = max(1, math.ceil(self.wait / 60))
        return SIGN_IN_MESSAGES[self.limit].format(
            wait=f"{minutes} minute{'s' if minutes > 1 else ''}"
        )


def _sign_in_keys(request, account_key):
    """{action: the key it counts by}; the address of an address rule is allauth's (ours, see
    AccountAdapter.get_client_ip), IPv6 taken by its /64."""
    return {
        "login_failed": account_key,
        "login_failed_account_address": f"{account_key}|{allauth_ratelimit.get_ip(request)}",
        "login_failed_address": None,
    }


def _sign_in_wait(request, action, key):
    """Seconds until the limit `action` counts one more failure (1 if it is not full: the
    cache lock was busy)."""
    now, waits = time.time(), []
    for rate in allauth_ratelimit.get_rates(app=_ALLAUTH, action=action):
        cache_key = allauth_ratelimit.get_cache_key(
            request, app=_ALLAUTH, action=action, rate=rate, key=key
        )
        recent = sorted(t for t in cache.get(cache_key, []) if t > now - rate.duration)
        if len(recent) >= rate.amount:
            waits.append(recent[len(recent) - rate.amount] + rate.duration - now)
    return max(1, math.ceil(max(waits, default=1)))


def sign_in_attempt(request, *, account_key, login):
    """Count a sign-in attempt against every limit before its password is checked, and
    return the usage for allauth to take back if the password is right. Over a limit:
    nothing is counted, the refusal is recorded and a ValidationError says how long to wait.
    `account_key` is allauth's (site and lower-cased address), `login` the address typed."""
    keys = _sign_in_keys(request, account_key)
    usages, refusals = [], []
    for limit, action in SIGN_IN_LIMITS:
        usage = allauth_ratelimit.consume(
            request, app=_ALLAUTH, action=action, key=keys[action], dry_run=bool(refusals)
        )
        if usage is None:
            refusals.append(SignInRefusal(limit, _sign_in_wait(request, action, keys[action])))
        elif not refusals:
            usages.append(usage)
    if not refusals:
        return allauth_ratelimit.RateLimitUsage(usage=[u for r in usages for u in r.usage])
    for usage in usages:
        usage.rollback()
    refusal = max(refusals, key=lambda r: r.wait)
    request.sign_in_refusal = refusal
    _sign_in_refusal_record(request, refusal, keys, login)
    raise ValidationError(refusal.message, code="too_many_login_attempts")


def _sign_in_refusal_record(request, refusal, keys, login):
    """One audit row when a limit first refuses, not one per refused attempt: an attack
    goes on after the refusal, and must not fill the audit log. Every refusal is logged."""
    action = dict(SIGN_IN_LIMITS)[refusal.limit]
    counted_by = keys[action] or allauth_ratelimit.get_ip(request)  # the address's: by address
    digest = hashlib.sha256(counted_by.encode()).hexdigest()
    marker = f"{settings.RATELIMIT_CACHE_PREFIX}sign-in-refused:{action}:{digest}"
    if cache.add(marker, True, timeout=refusal.wait):
        from core.services import audit_log

        audit_log(
            actor=None,
            action="auth.sign_in_limited",
            data={"limit": refusal.limit, "login": str(login)[:254], "wait": refusal.wait},
        )
    logger.warning(
        "auth.sign_in_limited %s for %r from %s, %s s to wait",
        refusal.limit,
        str(login)[:254],
        client_ip(request),
        refusal.wait,
    )


def sign_in_limits_clear(request, *, account_key):
    """After a password reset: the account's limits start again (allauth clears the per-account
    one; this clears the account's from the address the reset was made from)."""
    allauth_ratelimit.clear(
        request,
        app=_ALLAUTH,
        action="login_failed_account_address",
        key=_sign_in_keys(request, account_key)["login_failed_account_address"],
    )


class SignInLimitMiddleware:
    """A sign-in refused by the limits above is the sign-in page with the reason in its error
    summary; this makes its status 429 and says when to come back (Retry-After)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        refusal = getattr(request, "sign_in_refusal", None)
        if refusal is not None and response.status_code == 200:
            response.status_code = 429
            response["Retry-After"] = str(refusal.wait)
        return response
