"""Each page alone, in this process: its queries and the time of one request at a time."""

import time

from .common import log, percentile, rnd


def measure_in_process(pages, requests, budget):
    """Each page through the whole middleware stack in this process: its queries (second
    request, caches warm) and the time of `requests` requests one after another."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = Client(
            SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", raise_request_exception=False
        )
        sessions = page["as"] or [None]

        def get(turn, client=client, sessions=sessions, path=page["path"]):
            session = sessions[turn % len(sessions)]
            if session:
                client.cookies[settings.SESSION_COOKIE_NAME] = session
            return client.get(path)

        first = get(0)
        with CaptureQueriesContext(connection) as queries:
            response = get(0)
        page["inprocess_status"] = response.status_code
        page["queries"] = len(queries)
        page["query_log"] = [q["sql"][:300] for q in queries.captured_queries]
        times, statuses = [], {}
        budget_end = time.monotonic() + budget
        for turn in range(1, requests + 1):
            if turn > 5 and time.monotonic() > budget_end:
                break  # a very slow page: enough requests to say so
            started = time.perf_counter()
            status = get(turn).status_code
            times.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        if set(statuses) != {200}:
            page["inprocess_status"] = next(code for code in statuses if code != 200)
        page["inprocess_ms"] = {
            "p50": rnd(percentile(times, 50), 2),
            "p95": rnd(percentile(times, 95), 2),
            "n": len(times),
        }
        log(
            f"  {page['name']}: {response.status_code} (first {first.status_code}), "
            f"{page['queries']} queries, alone p50 {page['inprocess_ms']['p50']} ms "
            f"p95 {page['inprocess_ms']['p95']} ms"
        )
