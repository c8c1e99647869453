"""Each page's verdict against the floor measured around it."""

import statistics


def judge_pages(pages):
    """Each page's verdict against the floor measured just before and just after it (the
    mean of the two), or, where those are missing, against the run's floor: the median of
    every floor run. Returns the run's floor."""
    floors = [p for p in pages if p["key"] in ("floor", "floor_end") and p.get("wrk")]
    if not floors:
        return None
    every_floor = [p["wrk"]["latency_ms"]["p50"] for p in floors]
    every_floor += pages[0].get("floors_between_ms") or []
    floor_p50 = statistics.median(every_floor)
    # How far each signed-in page is above the cheapest page in the site's layout (what every
    # signed-in page costs at least: the session, the person, the layout): the key pages'
    # target (`layout_factor`).
    layout = next((p for p in pages if p["key"] == "layout" and p.get("wrk")), None)
    layout_p50 = (
        layout["wrk"]["latency_ms"]["p50"] if layout and layout["wrk"]["requests"] else None
    )
    for page in pages:
        wrk = page.get("wrk")
        problems = []
        if wrk and wrk["requests"] and layout_p50 and page["as"]:
            page["layout_ratio"] = round(wrk["latency_ms"]["p50"] / layout_p50, 2)
        if page.get("preflight", {}).get("status") not in (None, 200):
            pf = page["preflight"]
            problems.append(f"answered {pf['status']} {pf.get('location') or ''}".strip())
        if wrk and not wrk["requests"]:
            problems.append(f"no request completed within the {wrk['duration_s']:.0f} s run")
            page["ratio"] = None
        elif wrk:
            around = page.get("floors_around_ms")
            page["floor_p50_ms"] = statistics.mean(around) if around else floor_p50
            page["ratio"] = round(wrk["latency_ms"]["p50"] / page["floor_p50_ms"], 2)
            page["run_ratio"] = round(wrk["latency_ms"]["p50"] / floor_p50, 2)
            bad = {code: n for code, n in wrk["statuses"].items() if not code.startswith("2")}
            errors = {k: v for k, v in wrk["errors"].items() if v and k != "status"}
            if bad:
                problems.append(f"non-2xx under load: {bad}")
            if errors:
                problems.append(f"socket errors: {errors}")
        if page.get("inprocess_status") not in (None, 200):
            problems.append(f"in-process answer {page['inprocess_status']}")
        if "factor" not in page and "layout_factor" not in page:
            reference = page["key"] in ("floor", "floor_end")
            page["result"] = "FAIL" if problems else "reference" if reference else "info"
            page["why"] = "; ".join(problems)
            continue
        if wrk and page["ratio"] and page.get("factor") and page["ratio"] > page["factor"]:
            problems.append(f"{page['ratio']}x the floor")
        layout_factor = page.get("layout_factor")
        if wrk and layout_factor and page.get("layout_ratio") is None:
            problems.append("no layout page to compare with")
        elif wrk and layout_factor and page["layout_ratio"] > layout_factor:
            problems.append(f"{page['layout_ratio']}x the layout")
        limit = page.get("server_p95_ms")
        if limit:
            alone = (page.get("inprocess_ms") or {}).get("p95")
            if alone is None or alone >= limit:
                problems.append(f"server p95 {alone} ms")
        if not wrk and not problems:
            problems.append("not measured")
        page["result"] = "FAIL" if problems else "pass"
        page["why"] = "; ".join(problems)
    return floor_p50
