import zoneinfo

from django.utils import timezone


class UserTimezoneMiddleware:
    """Show times in the person's own time zone (Europe/London unless they chose another)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz = getattr(request.user, "timezone", None) if request.user.is_authenticated else None
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz or "Europe/London"))
        except zoneinfo.ZoneInfoNotFoundError:
            timezone.activate(zoneinfo.ZoneInfo("Europe/London"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
