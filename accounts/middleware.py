import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.models import zone_of

# Set at sign-in (accounts.signals) and read on every request.
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"


class UserTimezoneMiddleware:
    """Show times in the person's own time zone (Europe/London unless they chose another)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(zone_of(request.user if request.user.is_authenticated else None))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionTimeoutMiddleware:
    """Sign people out after SESSION_IDLE_TIMEOUT seconds without a request, and
    SESSION_ABSOLUTE_TIMEOUT seconds after they signed in, whatever they do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN_AT, now)
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                logout(request)
                messages.info(
                    request,
                    "You have been signed out because your session expired. Sign in again to carry on.",
                )
                return redirect(f"{reverse('account_login')}?next={request.path}")
            # Written at most once a minute: no session write on every request.
            if now - last_seen >= 60 or LAST_SEEN_AT not in session:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)
