"""`make bench`: the platform's key pages, the digest and the reminder job, measured in one run
on PostgreSQL with the production settings, under gunicorn, with the Redis cache.

What it does, in order (BENCHMARKS.md explains the method and the targets):

1. Copies the database (CREATE DATABASE <name>_bench TEMPLATE <name>): everything the run
   writes (sessions, a calendar feed, digest and reminder rows) goes to the copy, which is
   dropped at the end. The source database is only read, as a template.
2. Migrates the copy, collects the static files (the production manifest) under VAR_DIR.
3. Picks the subjects from the data: the largest community by active members, one of its
   members (the one in most communities), the next meeting of that community, the largest
   network and one of its programme managers, the network's survey with most answers, the
   member's personal calendar feed, a common and a rare word of the library, the community's
   discussion with most replies, and the person with most notifications. Signs the member, the manager and that person in by
   writing sessions with the configured session engine.
4. Runs every page in-process once through django.test.Client to count its queries, then a
   few dozen times to time it alone (no concurrency: the "server time" of one request).
5. Starts gunicorn (DJANGO_ENV=production, BENCHMARK_FLOOR=1, 2 x cores + 1 sync workers) and
   loads every page with wrk at a fixed concurrency after a warm-up: p50/p95 latency, requests
   per second, status codes, and the server time of each request from gunicorn's access log.
   The floor page (dashboard/bench.py) runs first, between every two pages and last;
   each page is reported as a multiple of the mean of the floor runs just before and just
   after it, in the same run.
6. Digest: an SMTP sink, real Celery workers on the Redis broker, send_digests_task for every
   member (or --digest-limit of them); messages per second at the sink, against the floor of
   sending as many copies of one real digest, pre-rendered, over Django's SMTP backend through
   the same sink with as many processes as the workers have.
7. Reminders: 1,000 meetings moved to start tomorrow (all reminders due now), then
   send_due_reminders_task timed in-process and its messages delivered by the workers.
8. Writes VAR_DIR/bench/results-<timestamp>.md and .json and prints the table.

Run with the project's virtual environment:  .venv/bin/python scripts/bench/run.py --help
"""
