"""No cache keeps what a signed-in person was shown: every response to them says
`Cache-Control: private, no-store`, whatever the page (core.middleware
SignedInNoStoreMiddleware). Anonymous pages keep whatever caching they had.

Every URL of the access table (tests/test_access.py) is requested, in its world, by every role."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.cache import get_max_age
from django.views.decorators.cache import cache_control, never_cache

from tests.factories import UserFactory
from tests.test_access import TABLE, named_urls, place_in

pytestmark = pytest.mark.django_db

MIDDLEWARE = "core.middleware.SignedInNoStoreMiddleware"
# Between them these four open every page of the table (conveners' pages as staff), and meet
# its refusals (404), redirects and 405s too.
SIGNED_IN = ["member", "participant", "manager", "staff"]


def directives(response):
    return {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",") if d}


@pytest.fixture
def place(world):
    # A public community: the most pages answer 200 to the most roles.
    return place_in(world, "public")


def targets(place):
    urls = named_urls()
    return {name: place.url(name) for name in TABLE if name in urls}


def test_every_page_to_a_signed_in_person_is_private_and_not_stored(client, place):
    pages, missing = targets(place), []
    for role in SIGNED_IN:
        client.force_login(place.people[role])
        for name, url in pages.items():
            response = client.get(url)
            if not {"private", "no-store"} <= directives(response):
                missing.append(
                    f"{role} GET {url} ({name}) {response.status_code}: {response.get('Cache-Control')}"
                )
    assert not missing, "\n".join(missing)


def test_the_pages_named_in_the_finding_are_covered(place):
    """Profile, member directory, my actions, journal and minutes are in the table above."""
    for name in (
        "accounts:profile",
        "communities:members",
        "meetings:my_actions",
        "conveners:journal_entry",
        "meetings:detail",  # the published minutes are on the meeting's page
        "meetings:minutes_document",
    ):
        assert name in targets(place), name


def test_a_form_posted_by_a_signed_in_person_is_not_stored(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:profile"), {})  # refused: the form again
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_anonymous_pages_keep_their_own_caching(client, place, settings):
    """The same answers, header for header, with the middleware and without it; and none of
    the public pages is made private (the health check is never cached, by its own choice)."""
    pages = targets(place)

    def headers():
        return {name: client.get(url).get("Cache-Control") for name, url in pages.items()}

    with_it = headers()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    assert headers() == with_it
    made_private = [
        name
        for name, header in with_it.items()
        if TABLE[name] == "public" and name != "healthz" and "private" in (header or "")
    ]
    assert made_private == []


@login_not_required
@never_cache
def _never_cached(request):
    return HttpResponse("fresh every time")


@login_not_required
@cache_control(public=True, max_age=600)
def _cacheable(request):
    return HttpResponse("the same for everyone")


urlpatterns = [path("never/", _never_cached), path("cacheable/", _cacheable)]


def test_a_views_own_header_is_only_ever_made_stricter(client, settings):
    settings.ROOT_URLCONF = __name__
    anonymous = client.get("/cacheable/")
    assert directives(anonymous) == {"public", "max-age"} and get_max_age(anonymous) == 600

    client.force_login(UserFactory())
    never = client.get("/never/")  # never_cache: no-cache, no-store, must-revalidate, max-age=0
    assert directives(never) == {"no-cache", "no-store", "must-revalidate", "private", "max-age"}
    assert get_max_age(never) == 0
    cacheable = client.get("/cacheable/")  # public gives way to private
    assert directives(cacheable) == {"private", "no-store", "max-age"}
