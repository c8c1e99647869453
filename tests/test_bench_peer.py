"""`make bench-peer` (scripts/bench/peer/): the pairs it measures, its options, and the
verdict of each pair from the rounds measured. Nothing here installs or starts the peer."""

import sys

import pytest

from scripts.bench import options as bench_options
from scripts.bench.peer.options import parse_args, selected_keys
from scripts.bench.peer.pairs import PAIRS, build_pairs
from scripts.bench.peer.results import report
from scripts.bench.peer.table import judge_pair, memory_lines

OURS = {"meeting": 41, "slug": "falls-prevention", "session": "our-session"}
THEIRS = {"event": 7, "category": 3, "session": "peer-session"}


def run(rps, p50=10.0, statuses=None, **extra):
    return {
        "rps": rps,
        "p50": p50,
        "requests": int(rps * 10),
        "statuses": statuses or {"200": int(rps * 10)},
        "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0},
        **extra,
    }


def pair_of(key, rounds):
    pair = build_pairs([key], OURS, THEIRS)[0]
    pair["rounds"] = [{"ours": ours, "theirs": theirs} for ours, theirs in rounds]
    return pair


def test_every_comparable_page_is_paired_anonymous_and_signed_in_and_held_to_the_target():
    pairs = {p["key"]: p for p in build_pairs(list(PAIRS), OURS, THEIRS)}
    held = {key for key, pair in pairs.items() if pair["target"]}
    assert held == {
        "meeting_anonymous",
        "meeting_signed_in",
        "list_anonymous",
        "list_signed_in",
        "calendar_anonymous",
        "calendar_signed_in",
    }
    meeting = pairs["meeting_signed_in"]
    assert meeting["ours"]["path"] == "/meetings/41/"
    assert meeting["theirs"]["path"] == "/event/7/"
    assert meeting["ours"]["as"] == ["our-session"]
    assert meeting["theirs"]["as"] == ["peer-session"]
    calendar = pairs["calendar_anonymous"]
    assert calendar["ours"]["path"] == "/communities/falls-prevention/calendar.ics"
    assert calendar["theirs"]["path"] == "/category/3/events.ics"
    assert calendar["ours"]["as"] is None and calendar["theirs"]["as"] is None
    assert pairs["community_signed_in"]["ours"]["path"] == "/communities/falls-prevention/"


def test_options_default_to_three_rounds_at_eight_connections_and_a_threefold_target():
    args = parse_args([])
    assert (args.rounds, args.concurrency, args.factor) == (3, 8, 3.0)
    assert selected_keys(args.pairs) == list(PAIRS)
    assert selected_keys(" calendar_anonymous,meeting_anonymous ") == [
        "meeting_anonymous",
        "calendar_anonymous",
    ]


def test_options_read_the_same_database_and_redis_as_make_bench(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://bench@db.example.org:5432/cop_copy")
    monkeypatch.delenv("BENCH_REDIS_URL", raising=False)
    monkeypatch.setattr(sys, "argv", ["bench"])
    ours, peer = bench_options.parse_args(), parse_args([])
    assert (peer.database_url, peer.redis_url) == (ours.database_url, ours.redis_url)
    assert (ours.database_url, ours.redis_url) == (
        "postgres://bench@db.example.org:5432/cop_copy",
        "redis://127.0.0.1:6379/5",
    )


@pytest.mark.parametrize("argv", [["--pairs", "meeting,home"], ["--rounds", "0"]])
def test_options_refuse_an_unknown_pair_and_a_run_without_rounds(argv, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_a_pair_is_judged_on_the_median_of_its_rounds_ratios():
    pair = pair_of(
        "list_anonymous",
        [(run(90.0), run(30.0)), (run(80.0), run(40.0)), (run(120.0), run(30.0))],
    )
    judge_pair(pair, 3)
    assert pair["ratios"] == [3.0, 2.0, 4.0]
    assert pair["median_ratio"] == 3.0
    assert (pair["ours_rps"], pair["theirs_rps"]) == (90.0, 30.0)
    assert pair["result"] == "pass"
    judge_pair(pair, 3.5)
    assert pair["result"] == "FAIL"


def test_a_page_that_answers_a_redirect_is_not_a_measurement():
    signed_out = run(200.0, statuses={"302": 2000})
    pair = pair_of("meeting_signed_in", [(run(90.0), signed_out), (run(90.0), run(10.0))])
    judge_pair(pair, 3)
    assert pair["ratios"] == [None, 9.0]
    assert pair["theirs_rps"] == 10.0
    assert "the peer's, round 1: non-2xx under load" in pair["why"]
    ours_missing = pair_of("meeting_anonymous", [({"preflight": "404"}, run(10.0))])
    judge_pair(ours_missing, 3)
    assert ours_missing["result"] == "FAIL"
    assert ours_missing["why"] == "ours, round 1: answered 404"


def test_the_report_shows_each_round_the_verdicts_and_the_memory_per_worker():
    pairs = [
        pair_of("calendar_anonymous", [(run(300.0), run(20.0))]),
        pair_of("trivial_signed_in", [(run(100.0), run(50.0))]),
    ]
    results = {
        "started": "2026-12-06T12:00:00+00:00",
        "source": "cop_scale",
        "settings": {"rounds": 1, "duration": 10, "warmup": 3, "workers": 5}
        | {"concurrency": 8, "factor": 3.0},
        "load_start": ["1.0", "1.0", "1.0"],
        "pairs": pairs,
        "memory": {"ours": [102400, 112640], "theirs": [215040]},
    }
    for pair in pairs:
        judge_pair(pair, 3.0)
    text = report(results)
    assert (
        "| a group's calendar feed (.ics), anonymous | 300.0 (300.0) | 20.0 (20.0) | 15.00 |"
        in text
    )
    assert "met by calendar_anonymous; missed by none" in text
    assert "| ours (2 workers) | 100.0, 110.0 | 105.0 |" in text
    assert memory_lines({})[-1] == "| the peer (0 workers) | – | – |"
