"""The pairs' verdicts and the table: each round's ratio of requests per second (ours over
the peer's), their median, the p50 latencies, and the memory of the workers."""

import statistics

from ..report import fmt

SIDES = ("ours", "theirs")


def problems_of(run):
    """Why one side's run is not a measurement: nothing completed, or an answer other than
    2xx (a redirect to a sign-in page is not the page), or socket errors."""
    if run is None:
        return "not measured"
    if run.get("preflight", 200) != 200:
        return f"answered {run['preflight']}"
    if not run["requests"]:
        return "no request completed"
    bad = {code: n for code, n in run["statuses"].items() if not str(code).startswith("2")}
    if bad:
        return f"non-2xx under load: {bad}"
    errors = {k: v for k, v in run["errors"].items() if v and k != "status"}
    return f"socket errors: {errors}" if errors else ""


def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def judge_pair(pair, factor):
    """Each round's ratio (ours / the peer's requests per second), their median, the medians
    of either side, and the verdict: a pair held to the target passes when the median ratio
    is at least `factor` and every run of ours is a measurement."""
    rounds = pair.get("rounds") or []
    why, ratios = [], []
    for number, measured in enumerate(rounds, start=1):
        ours, theirs = (problems_of(measured.get(side)) for side in SIDES)
        if ours:
            why.append(f"ours, round {number}: {ours}")
        if theirs:
            why.append(f"the peer's, round {number}: {theirs}")
        both = not ours and not theirs
        ratios.append(
            round(measured["ours"]["rps"] / measured["theirs"]["rps"], 2) if both else None
        )
    pair["ratios"] = ratios
    pair["median_ratio"] = median_of(ratios)
    for side in SIDES:
        runs = [measured.get(side) for measured in rounds]
        good = [run for run in runs if not problems_of(run)]
        pair[f"{side}_rps"] = median_of([run["rps"] for run in good])
        pair[f"{side}_p50_ms"] = median_of([run["p50"] for run in good])
    pair["why"] = "; ".join(why)
    if not pair["target"]:
        pair["result"] = "info"
    elif not rounds or any(problems_of(measured.get("ours")) for measured in rounds):
        pair["result"] = "FAIL"
    elif pair["median_ratio"] is None:
        pair["result"] = "not compared"
    else:
        pair["result"] = "pass" if pair["median_ratio"] >= factor else "FAIL"
    return pair


def pair_lines(pairs, factor):
    """The Markdown table of the pairs (judged by judge_pair)."""
    lines = [
        f"| pair | ours req/s (each round) | peer req/s (each round) | ratio each round | "
        f"median ratio | ours p50 ms | peer p50 ms | target ≥ {factor:g}× | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for pair in pairs:
        rounds = pair.get("rounds") or []
        each = {
            side: ", ".join(fmt((measured.get(side) or {}).get("rps")) for measured in rounds)
            for side in SIDES
        }
        result = pair["result"] + (f" ({pair['why']})" if pair["why"] else "")
        lines.append(
            f"| {pair['name']} | {fmt(pair['ours_rps'])} ({each['ours']}) | "
            f"{fmt(pair['theirs_rps'])} ({each['theirs']}) | "
            f"{', '.join(fmt(r, 2) for r in pair['ratios'])} | {fmt(pair['median_ratio'], 2)} | "
            f"{fmt(pair['ours_p50_ms'])} | {fmt(pair['theirs_p50_ms'])} | "
            f"{'yes' if pair['target'] else 'for information'} | {result} |"
        )
    return lines


def memory_lines(memory):
    """Resident memory (RSS) of every gunicorn worker of either side after the run, in MiB."""
    lines = [
        "| gunicorn workers after the run | RSS per worker, MiB | median MiB |",
        "| --- | --- | ---: |",
    ]
    for side, label in (("ours", "ours"), ("theirs", "the peer")):
        kib = (memory or {}).get(side) or []
        mib = [kb / 1024 for kb in kib]
        lines.append(
            f"| {label} ({len(mib)} workers) | {', '.join(fmt(m) for m in mib) or '–'} | "
            f"{fmt(median_of(mib))} |"
        )
    return lines
