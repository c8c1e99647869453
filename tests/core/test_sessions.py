"""Sessions with their copy in the cache (core.sessions): the database stays the record.
Signing in starts a new session, signing out ends it, "sign out everywhere" and the
retention of stale sessions end the others, each on the next request whatever the cache
held; and a copy the cache could not be told to forget lives at most SESSION_CACHE_SECONDS."""

from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.retention import retention_apply
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/settings/"  # a page for the signed-in only


@pytest.fixture(autouse=True)
def cached_sessions(settings):
    settings.SESSION_ENGINE = "core.sessions"


def signed_in(person, address="198.51.100.4"):
    """A browser of its own that signed in through the sign-in page, and has been on a page
    since (so the cache holds its session)."""
    browser = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=f"Browser at {address}")
    response = browser.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    assert browser.get(PAGE).status_code == 200
    return browser


def key_of(browser):
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def cached(key):
    return import_module(settings.SESSION_ENGINE).SessionStore(key).cache_key in cache


def is_signed_out(browser):
    response = browser.get(PAGE)
    return response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_a_session_is_read_from_its_copy_and_written_to_both():
    browser = signed_in(UserFactory())
    key = key_of(browser)
    assert cached(key) and Session.objects.filter(session_key=key).exists()


def test_signing_in_starts_a_new_session_and_forgets_the_one_before():
    person = UserFactory()
    browser = Client()
    browser.get(reverse("account_login"))  # an anonymous session (the sign-in form's)
    browser.session["seen"] = True
    before = browser.session
    before.save()
    response = browser.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    after = key_of(browser)
    assert after != before.session_key
    assert not cached(before.session_key)
    assert not Session.objects.filter(session_key=before.session_key).exists()


def test_signing_out_ends_the_session_in_the_database_and_the_cache():
    browser = signed_in(UserFactory())
    key = key_of(browser)
    assert browser.post(reverse("account_logout")).status_code == 302
    assert not cached(key) and not Session.objects.filter(session_key=key).exists()
    browser.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, replayed
    assert is_signed_out(browser)


def test_signing_out_everywhere_else_ends_the_other_browsers_sessions():
    person = UserFactory()
    laptop, phone = signed_in(person, "198.51.100.4"), signed_in(person, "198.51.100.5")
    assert cached(key_of(phone))
    assert laptop.post(reverse("usersessions_list")).status_code == 302
    assert is_signed_out(phone)
    assert laptop.get(PAGE).status_code == 200


def test_a_stale_session_ended_by_the_retention_job_is_ended_in_the_cache_too():
    browser = signed_in(UserFactory())
    UserSession.objects.filter(session_key=key_of(browser)).update(
        last_seen_at=timezone.now() - timedelta(days=400)
    )
    retention_apply()
    assert is_signed_out(browser)


def test_a_copy_the_cache_was_not_told_to_forget_lives_at_most_session_cache_seconds(settings):
    """Redis unreachable while someone signs out: the row goes, the copy Redis held stays.
    Served again once Redis answers, it expires SESSION_CACHE_SECONDS after it was written,
    and the database, the record, says the session has ended."""
    settings.SESSION_CACHE_SECONDS = 60
    # An in-process cache, whose clock the test can move (Redis keeps its own time).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    browser = signed_in(UserFactory())
    Session.objects.filter(session_key=key_of(browser)).delete()  # its cached copy stays
    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=30)):
        assert browser.get(PAGE).status_code == 200  # the copy, for now
    with time_machine.travel(start + timedelta(seconds=61)):
        assert is_signed_out(browser)
