"""The benchmark's floor page (dashboard/bench.py) exists only when BENCHMARK_FLOOR is
set, and then costs exactly one query: it is what `make bench` measures every page against."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, clear_url_caches, reverse

import cop_platform.urls
from tests.factories import CommunityFactory


def _reload_urls():
    importlib.reload(cop_platform.urls)
    clear_url_caches()


@pytest.fixture
def floor_on(settings):
    settings.BENCHMARK_FLOOR = True
    _reload_urls()
    yield
    settings.BENCHMARK_FLOOR = False
    _reload_urls()


@pytest.mark.django_db
def test_floor_answers_with_one_query(client, floor_on):
    community = CommunityFactory()
    assert reverse("bench-floor") == "/bench/floor/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bench/floor/")
    assert response.status_code == 200
    assert len(queries) == 1
    assert community.name in response.content.decode()
    assert b"<link" not in response.content  # the tiny template, not the site's layout


@pytest.mark.django_db
def test_floor_is_absent_by_default(client, settings):
    assert not settings.BENCHMARK_FLOOR
    _reload_urls()
    with pytest.raises(NoReverseMatch):
        reverse("bench-floor")
    assert client.get("/bench/floor/").status_code == 404
