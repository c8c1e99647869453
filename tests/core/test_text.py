"""core.text: the lines written in Python for long lists read as the template tags write
them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import engines
from django.utils import timezone
from django.utils.formats import date_format

from core.text import day, details_line, moment, moment_long


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Auckland", "America/New_York"])
def test_a_day_reads_as_the_date_filter_writes_it_in_the_current_time_zone(zone):
    start = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    moments = [start + timedelta(days=d, hours=h) for d in range(0, 365, 7) for h in (0, 13)]
    with timezone.override(zone):
        filters = engines["django"].from_string("{% load ui %}{{ m|day }}|{{ m|moment }}")
        for when in moments:
            local = timezone.localtime(when)
            assert day(when) == date_format(local, "j M Y")
            assert day(when.date()) == date_format(when.date(), "j M Y")
            assert moment(when) == date_format(local, "D j M Y, H:i")
            assert moment_long(when) == date_format(local, "j F Y, H:i")
            assert filters.render({"m": when}) == f"{day(when)}|{moment(when)}"
        assert filters.render({"m": None}) == "|"


def test_a_details_line_leaves_out_empty_parts_as_the_details_tag_does():
    tag = engines["django"].from_string(
        "{% load ui %}{% details %}{{ a }}{% sep %}{{ b }}{% sep %}{{ c }}{% enddetails %}"
    )
    for a, b, c in [("x", "", "z"), ("", "", "z"), ("x", " y ", ""), ("", "", "")]:
        inner = tag.render({"a": a, "b": b, "c": c})
        expected = inner.removeprefix('<span class="nhsuk-body-s app-details">')
        assert details_line(a, b, c) == expected.removesuffix("</span>")
    assert details_line("Ada", date(2026, 12, 7) and "due 7 Dec 2026") == "Ada · due 7 Dec 2026"
