import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.middleware import UserTimezoneMiddleware
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def active_zone_for(user):
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    UserTimezoneMiddleware(view)(request)
    return seen["tz"]


def test_times_show_in_the_persons_zone_and_london_by_default():
    from django.contrib.auth.models import AnonymousUser

    assert active_zone_for(AnonymousUser()) == "Europe/London"
    assert active_zone_for(UserFactory()) == "Europe/London"
    assert active_zone_for(UserFactory(timezone="America/Toronto")) == "America/Toronto"
