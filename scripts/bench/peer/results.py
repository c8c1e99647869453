"""The results of `make bench-peer`: VAR_DIR/bench/peer-<timestamp>.md and .json."""

import json
from datetime import datetime

from ..common import log
from ..machine import load_average
from .table import SIDES, judge_pair, memory_lines, pair_lines


def header_lines(r):
    """The run: when, the machine, both sides' versions and settings, the data."""
    m, peer, s = r.get("machine") or {}, r.get("peer") or {}, r["settings"]
    sizes = r.get("sizes") or {}
    exported = r.get("exported") or {}
    return [
        f"# Against a peer: {r['started']}",
        "",
        f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram_gib', '?')} GiB "
        f"RAM; load average at start {' '.join(r['load_start'] or [])}, at end "
        f"{' '.join(r.get('load_end') or [])}. Code: {r.get('code', 'unknown')}.",
        f"Ours: Python {m.get('python', '?')}, Django {m.get('django', '?')}, gunicorn "
        f"{m.get('gunicorn', '?')}, DJANGO_ENV=production, the Redis cache; "
        f"{r.get('postgresql', '?')}, Redis {m.get('redis', '?')}.",
        f"The peer: Indico {peer.get('indico', '?')} on Python {peer.get('python', '?')}, "
        f"gunicorn {peer.get('gunicorn', '?')}, its own database (jit = off) on the same "
        "PostgreSQL, its own Redis database (cache and sessions).",
        f"Both: {s['workers']} gunicorn sync workers each; wrk {m.get('wrk', '')}, "
        f"{s['concurrency']} connections, {s['warmup']} s warm-up then {s['duration']} s per "
        f"page, in turns (ours, the peer's, ours, ...), {s['rounds']} rounds.",
        f"Data ({r['source']}, {sizes.get('database_size', '?')}): "
        + ", ".join(f"{v:,} {k}" for k, v in sizes.items() if isinstance(v, int))
        + ". The peer holds the same "
        + ", ".join(f"{v:,} {k}" for k, v in exported.items())
        + f" (filled in {peer.get('fill_s', '?')} s, when it was filled).",
        "",
    ]


def verdict_lines(pairs, factor):
    held = [p for p in pairs if p.get("target")]
    passed = [p["key"] for p in held if p.get("result") == "pass"]
    missed = [p["key"] for p in held if p.get("result") != "pass"]
    return [
        f"Held to the target (ours ≥ {factor:g}× the peer's requests per second, median of the "
        f"rounds): met by {', '.join(passed) or 'none'}; missed by {', '.join(missed) or 'none'}.",
        "",
    ]


def report(r):
    pairs, factor = r.get("pairs") or [], r["settings"]["factor"]
    lines = header_lines(r)
    if pairs:
        lines += pair_lines(pairs, factor) + [""] + verdict_lines(pairs, factor)
    if r.get("memory"):
        lines += memory_lines(r["memory"]) + [""]
    if r.get("subjects"):
        lines += [f"Subjects: {json.dumps(r['subjects'])}", ""]
    if r.get("interrupted"):
        lines += [f"**Interrupted**: {r['interrupted']}", ""]
    return "\n".join(lines)


def write_results(results, started_at, out_dir):
    """Judge the pairs measured (also of a run stopped half-way), write and print."""
    results["load_end"] = load_average()
    results["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    for pair in results.get("pairs") or []:
        for side in SIDES:
            pair[side].pop("as", None)  # the sessions: not for the file
        judge_pair(pair, results["settings"]["factor"])
    text = report(results)
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    (out_dir / f"peer-{stamp}.md").write_text(text + "\n")
    (out_dir / f"peer-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    print()
    print(text)
    log(f"written: {out_dir}/peer-{stamp}.md and .json")
