"""The results: the Markdown table printed and written, and the JSON beside it."""

import json
from datetime import datetime

from .common import log
from .machine import load_average


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def header_lines(r):
    """The run: when, the machine, the code, the versions, the data, the load."""
    m = r["machine"]
    lines = [f"# Benchmark results {r['started']}", ""]
    lines += [
        f"Machine: {m.get('cpu', '?')}, {m['cores']} cores, {m.get('ram_gib', '?')} GiB RAM; "
        f"load average at start {' '.join(r['load_start'] or [])}, at end "
        f"{' '.join(r.get('load_end') or [])}.",
        f"Code: {r.get('code', 'unknown')}.",
        f"Versions: Python {m['python']}, {r['postgresql']}, Redis {m['redis']}, {m['wrk']}, "
        f"Django {m['django']}, gunicorn {m['gunicorn']}, Celery {m['celery']}.",
        f"Data ({r['source']}, {r['sizes'].get('database_size')}): "
        + ", ".join(f"{v:,} {k}" for k, v in r["sizes"].items() if isinstance(v, int))
        + ".",
        f"Load: wrk, {r['settings']['concurrency']} connections, {r['settings']['threads']} "
        f"threads, {r['settings']['warmup']} s warm-up then {r['settings']['duration']} s per "
        f"page; gunicorn {r['settings']['workers']} sync workers; DJANGO_ENV=production, "
        f"Redis cache, sessions: {r.get('session_engine', '?')}.",
        "",
    ]
    return lines


def pages_lines(r):
    """The table of the pages, each against the floor around it."""
    lines = []
    pages = r.get("pages") or []
    if pages:
        floor_runs = [
            (p.get("wrk") or {}).get("latency_ms", {}).get("p50")
            for p in pages
            if p["key"] in ("floor", "floor_end")
        ]
        floor_runs[1:1] = pages[0].get("floors_between_ms") or []
        lines += [
            f"Floor median: {fmt(r.get('floor_p50_ms'), 2)} ms (the median of every floor "
            "run: first, between every two pages, last; "
            + ", ".join(fmt(v) for v in floor_runs)
            + " ms). Each page is judged against the floor measured just before and just after "
            "it (× floor p50, with that floor); × run floor is against the run's median, for "
            "information. Latency is what wrk saw, at the fixed concurrency; server time is "
            "gunicorn's %(D)s for the same requests; alone is one request at a time in-process. "
            "× layout compares a signed-in page with the static page in the layout, signed in "
            "(the least any signed-in page in the layout costs), measured in the same run: "
            "the signed-in key pages' target.",
            "",
            "| page | p50 ms | p95 ms | req/s | floor around ms | × floor p50 | × run floor "
            "| × layout p50 | server p50 / p95 ms (under load) | alone p95 ms | queries "
            "| target | result |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
            "| --- |",
        ]
        for p in pages:
            w = p.get("wrk") or {}
            lat = w.get("latency_ms") or {}
            server = p.get("server_ms") or {}
            result = p.get("result", "")
            if p.get("why"):
                result += f" ({p['why']})"
            lines.append(
                f"| {p['name']} | {fmt(lat.get('p50'))} | {fmt(lat.get('p95'))} | "
                f"{fmt(w.get('rps'))} | {fmt(p.get('floor_p50_ms') if p.get('floors_around_ms') else None)} | "
                f"{fmt(p.get('ratio'), 2)} | "
                f"{fmt(p.get('run_ratio'), 2)} | {fmt(p.get('layout_ratio'), 2)} | "
                f"{fmt(server.get('p50'))} / {fmt(server.get('p95'))} | "
                f"{fmt((p.get('inprocess_ms') or {}).get('p95'))} | {fmt(p.get('queries'))} | "
                f"{p.get('target', '')} | {result} |"
            )
        lines.append("")
    return lines


def mail_lines(r):
    """The table of the e-mail jobs."""
    lines = []
    d, rem = r.get("digest"), r.get("reminders")
    if d or rem:
        lines += [
            "| e-mail job | messages | time s | messages/s (sink, first to last) | "
            "floor messages/s | ratio | target | result |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
    if d:
        f = d.get("floor") or {}
        lines.append(
            f"| digest, {d['recipients']:,} recipients, {r['settings']['celery_concurrency']} "
            f"worker processes ({d['outcome']}) | {fmt(d['delivered'])} | {fmt(d['total_s'])} | "
            f"{fmt(d['rate_per_s'])} | {fmt(f.get('rate_per_s'))} | {fmt(d.get('ratio'), 2)} | "
            f"{d['target']} | {d['result']} |"
        )
    if rem:
        lines.append(
            f"| reminders, {rem['meetings_due']:,} meetings due ({rem['outcome']}); the job "
            f"took {rem['job_s']} s and {rem['job_queries']:,} queries to queue them | "
            f"{fmt(rem['delivered'])} | {fmt(rem['delivered_all_s'])} | "
            f"{fmt(rem['rate_per_s'])} | | | {rem['target']} | {rem['result']} |"
        )
    if d or rem:
        lines.append("")
    return lines


def report(results):
    r = results
    lines = header_lines(r) + pages_lines(r) + mail_lines(r)
    if r.get("interrupted"):
        lines += [f"**Interrupted** before the end: {json.dumps(r['interrupted'])}", ""]
    s = r.get("subjects")
    if s:
        lines += ["Subjects: " + "; ".join(f"{k}: {v}" for k, v in s.items()), ""]
    return "\n".join(lines)


def write_results(results, started_at, out_dir):
    results["load_end"] = load_average()
    results["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    text = report(results)
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    (out_dir / f"results-{stamp}.md").write_text(text + "\n")
    (out_dir / f"results-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    print()
    print(text)
    log(f"written: {out_dir}/results-{stamp}.md and .json")
    failed = [p["name"] for p in results.get("pages", []) if p.get("result") == "FAIL"]
    failed += [k for k in ("digest", "reminders") if results.get(k, {}).get("result") == "FAIL"]
    if failed:
        log(f"targets missed: {', '.join(failed)}")
