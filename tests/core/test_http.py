"""core.http.confirm_page: "are you sure?", then one step, a message and on."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError

from core.http import confirm_page


def _request(rf, user, method):
    request = getattr(rf, method)("/confirm/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


PAGE = {"heading": "Do the thing?", "submit": "Do it", "cancel": "/before/", "warning": True}


def _page(request, act):
    return confirm_page(request, act=act, done="The thing is done.", to="/after/", **PAGE)


@pytest.mark.django_db
def test_the_page_asks_first_and_does_nothing(user, rf):
    calls = []
    request = _request(rf, user, "get")
    response = _page(request, lambda: calls.append(1))
    assert response.status_code == 200
    assert "Do the thing?" in response.content.decode()
    assert calls == [] and list(get_messages(request)) == []


@pytest.mark.django_db
def test_the_button_does_it_says_so_and_goes_on(user, rf):
    calls = []
    request = _request(rf, user, "post")
    response = _page(request, lambda: calls.append(1))
    assert response.status_code == 302 and response["Location"] == "/after/"
    assert calls == [1]
    assert [str(m) for m in get_messages(request)] == ["The thing is done."]


@pytest.mark.django_db
def test_a_refusal_stands_on_the_page_and_nothing_is_said(user, rf):
    def refuse():
        raise ValidationError("Not now")

    request = _request(rf, user, "post")
    response = _page(request, refuse)
    assert response.status_code == 200
    assert "Not now" in response.content.decode()
    assert list(get_messages(request)) == []
