"""The benchmark's verdicts (scripts/bench/judge.py): each page against the floor
measured in the same run, and signed-in pages against the layout page."""

import pytest

from scripts.bench.judge import judge_pages
from scripts.bench.pages import only_pages
from scripts.bench.report import report


def measured(key, p50, *, signed_in=True, **extra):
    return {
        "key": key,
        "name": key,
        "as": ["cookie"] if signed_in else None,
        "wrk": {
            "requests": 100,
            "duration_s": 10,
            "latency_ms": {"p50": p50, "p95": p50 * 1.5},
            "statuses": {"200": 100},
            "errors": {},
        },
        "inprocess_status": 200,
        **extra,
    }


def test_pages_are_judged_against_the_mean_floor_and_compared_with_the_layout():
    pages = [
        measured("floor", 9.0, signed_in=False),
        measured("layout", 40.0),
        measured("directory", 30.0, factor=3),
        measured("members", 60.0, factor=3),
        measured("search", 20.0, factor=3, server_p95_ms=50, inprocess_ms={"p95": 51.0}),
        measured("calendar", 25.0, signed_in=False, factor=3),
        measured("floor_end", 11.0, signed_in=False),
    ]
    floor = judge_pages(pages)
    by_key = {p["key"]: p for p in pages}
    assert floor == 10.0
    assert by_key["directory"]["ratio"] == 3.0
    assert by_key["directory"]["result"] == "pass"
    assert by_key["members"]["result"] == "FAIL"
    assert by_key["members"]["why"] == "6.0x the floor"
    assert by_key["search"]["result"] == "FAIL"
    assert by_key["search"]["why"] == "server p95 51.0 ms"
    assert by_key["calendar"]["result"] == "pass"
    assert by_key["members"]["layout_ratio"] == 1.5
    assert "layout_ratio" not in by_key["calendar"]  # anonymous: no layout to compare with
    assert by_key["layout"]["result"] == "info"
    assert by_key["floor"]["result"] == "reference"


def test_a_page_that_answers_a_redirect_fails_whatever_its_speed():
    pages = [
        measured("floor", 10.0, signed_in=False),
        measured("home", 5.0, factor=3, preflight={"status": 302, "location": "/accounts/login/"}),
    ]
    judge_pages(pages)
    assert pages[1]["result"] == "FAIL"
    assert pages[1]["why"].startswith("answered 302 /accounts/login/")


def test_each_page_is_judged_against_the_floor_measured_around_it():
    """The machine drifts during a run: a page measured while the floor took 20 ms is
    judged against 20 ms, not against the run's median floor."""
    pages = [
        measured("floor", 10.0, signed_in=False, floors_between_ms=[10.0, 20.0, 20.0]),
        measured("directory", 30.0, factor=3, floors_around_ms=[10.0, 10.0]),
        measured("members", 55.0, factor=3, floors_around_ms=[20.0, 20.0]),
        measured("home", 55.0, factor=3),  # no floor around it: the run's floor
        measured("floor_end", 10.0, signed_in=False),
    ]
    floor = judge_pages(pages)
    by_key = {p["key"]: p for p in pages}
    assert floor == 10.0  # the median of 10, 10, 20, 20, 10
    assert (by_key["directory"]["ratio"], by_key["directory"]["result"]) == (3.0, "pass")
    assert (by_key["members"]["ratio"], by_key["members"]["result"]) == (2.75, "pass")
    assert by_key["members"]["run_ratio"] == 5.5
    assert (by_key["home"]["ratio"], by_key["home"]["result"]) == (5.5, "FAIL")
    versions = dict.fromkeys(["python", "redis", "wrk", "django", "gunicorn", "celery"], "x")
    settings = dict.fromkeys(["concurrency", "threads", "warmup", "duration", "workers"], 1)
    text = report(
        {
            "pages": pages,
            "floor_p50_ms": floor,
            "machine": {"cores": 2, **versions},
            "started": "now",
            "load_start": [],
            "postgresql": "PostgreSQL",
            "source": "seed_scale",
            "sizes": {},
            "settings": settings,
        }
    )
    assert "the median of every floor run: first, between every two pages, last; " in text
    assert "10.0, 10.0, 20.0, 20.0, 10.0 ms" in text
    members_row = next(line for line in text.splitlines() if line.startswith("| members |"))
    assert "| 20.0 | 2.75 | 5.50 |" in members_row


def test_signed_in_pages_are_judged_against_the_layout_and_the_layout_against_the_floor():
    pages = [
        measured("floor", 10.0, signed_in=False),
        measured("layout", 19.0, factor=2),
        measured("community", 57.0, layout_factor=3),
        measured("home", 58.0, layout_factor=3),
        measured("search", 40.0, layout_factor=3, server_p95_ms=50, inprocess_ms={"p95": 49.0}),
        measured("floor_end", 10.0, signed_in=False),
    ]
    judge_pages(pages)
    by_key = {p["key"]: p for p in pages}
    assert (by_key["layout"]["ratio"], by_key["layout"]["result"]) == (1.9, "pass")
    assert (by_key["community"]["layout_ratio"], by_key["community"]["result"]) == (3.0, "pass")
    assert by_key["home"]["result"] == "FAIL"
    assert by_key["home"]["why"] == "3.05x the layout"  # 5.8x the floor is not held against it
    assert by_key["search"]["result"] == "pass"
    slow_frame = [measured("floor", 10.0, signed_in=False), measured("layout", 21.0, factor=2)]
    judge_pages(slow_frame)
    assert slow_frame[1]["why"] == "2.1x the floor"


def test_a_page_judged_against_the_layout_has_no_verdict_without_it():
    pages = [measured("floor", 10.0, signed_in=False), measured("home", 20.0, layout_factor=3)]
    judge_pages(pages)
    assert (pages[1]["result"], pages[1]["why"]) == ("FAIL", "no layout page to compare with")


def test_a_run_can_measure_some_pages_with_the_floor_around_them():
    pages = [measured(key, 1.0) for key in ("floor", "layout", "dashboard", "calendar")]
    assert [p["key"] for p in only_pages(pages, "")] == [
        "floor",
        "layout",
        "dashboard",
        "calendar",
    ]
    assert [p["key"] for p in only_pages(pages, "calendar, dashboard")] == [
        "floor",
        "dashboard",
        "calendar",
    ]
    pages[2]["layout_factor"] = 3  # the dashboard, judged against the layout: measured with it
    assert [p["key"] for p in only_pages(pages, "dashboard")] == ["floor", "layout", "dashboard"]
    with pytest.raises(SystemExit, match="No such page: dashbord"):
        only_pages(pages, "dashbord")


def test_the_sink_counts_a_second_message_to_the_same_recipient():
    """The digest's "every recipient once" is read from the sink: a message to someone who
    had had one already counts as repeated."""
    from types import SimpleNamespace

    from scripts.bench.smtp_sink import CountingHandler

    handler = CountingHandler()
    for to in (["a@example.org"], ["b@example.org"], ["a@example.org"]):
        envelope = SimpleNamespace(content=b"Subject: digest\r\n\r\nbody", rcpt_tos=to)
        assert _finished(handler.handle_DATA(None, None, envelope)).startswith("250")
    snapshot = handler.snapshot()
    assert (snapshot["count"], snapshot["recipients"], snapshot["repeated"]) == (3, 2, 1)


def _finished(coroutine):
    """The value of a coroutine that never waits (the sink's handler), without an event loop:
    the suite may be running one already."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the handler waited")
