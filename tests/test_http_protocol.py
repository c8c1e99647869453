"""The site answers GET, HEAD and POST and refuses every other method with 405 and an Allow
header, on every page, signed in or not, before any view runs."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSED = ["TRACE", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "PROPFIND", "X-ANYTHING"]


def assert_refused(response):
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert response.content == b""


@pytest.mark.parametrize("method", REFUSED)
def test_other_methods_are_refused_to_anyone(client, method):
    assert_refused(client.generic(method, "/"))
    assert_refused(client.generic(method, reverse("account_login")))
    assert_refused(client.generic(method, "/no-such-page/"))


@pytest.mark.parametrize("method", REFUSED)
def test_other_methods_are_refused_on_signed_in_pages(client, method):
    person = UserFactory()
    client.force_login(person)
    preferences = reverse("accounts:preferences")
    response = client.generic(
        method, preferences, "meeting_reminders=", content_type="application/x-www-form-urlencoded"
    )
    assert_refused(response)
    assert_refused(client.generic(method, "/"))
    # Nothing behind the refusal ran.
    assert User.objects.get(pk=person.pk).meeting_reminders == person.meeting_reminders


def test_trace_echoes_nothing_back(client):
    client.force_login(UserFactory())
    response = client.generic("TRACE", "/", HTTP_X_PROBE="secret-value-1234")
    assert_refused(response)
    assert b"secret-value-1234" not in response.content
    assert b"sessionid" not in response.content


def test_the_methods_the_site_uses_still_work(client):
    assert client.get("/").status_code == 200
    assert client.head("/").status_code == 200
    # A form posted with a mistake in it: answered by its view (the field error), not refused.
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    assert response.status_code == 200
    person = UserFactory()
    client.force_login(person)
    assert client.get(reverse("accounts:preferences")).status_code == 200
