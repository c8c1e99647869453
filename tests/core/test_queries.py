"""core.queries: a time read as seconds since 1970 comes back as the same time."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from core.queries import EpochSeconds, from_epoch
from discussions.models import Reply
from tests.discussions.conftest import place_of
from tests.discussions.conftest import start as start_discussion

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EpochSeconds is PostgreSQL's")
def test_a_time_read_as_seconds_is_the_same_time_to_the_microsecond():
    place = place_of()
    discussion = start_discussion(place, body="Where is the rota?")
    times = [
        datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),  # a change of clocks in London
        datetime(2026, 12, 7, 10, 15, 30, 1, tzinfo=UTC),
        datetime(2031, 1, 1, tzinfo=UTC),
    ]
    for when in times:
        Reply.objects.create(discussion=discussion, author=place.member, body="Here.")
        Reply.objects.filter(pk=Reply.objects.latest("pk").pk).update(created_at=when)
    seconds = list(Reply.objects.order_by("pk").values_list(EpochSeconds("created_at"), flat=True))
    assert all(isinstance(value, float) for value in seconds)
    assert [from_epoch(value) for value in seconds] == times


def test_a_time_not_read_as_seconds_is_left_as_it_is():
    when = datetime(2026, 12, 7, 10, 15, tzinfo=UTC)
    assert from_epoch(when) is when
    assert from_epoch(None) is None
