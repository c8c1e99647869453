"""The copy of the seeded database the run works in: made from it as a template, dropped at
the end; and the queries a stopped gunicorn left running in it."""

import sys
import time
from urllib.parse import urlsplit


def admin_connection(url):
    import psycopg

    parts = urlsplit(url)
    conn = psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    return conn


def copy_database(url, copy):
    source = urlsplit(url).path.lstrip("/")
    if copy == source:
        sys.exit("The copy must not have the source's name.")
    with admin_connection(url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
            sys.exit(
                f"Database {source!r} does not exist. Create and seed it first (BENCHMARKS.md):\n"
                f"  createdb -h 127.0.0.1 -U postgres {source}\n"
                f"  DATABASE_URL={url} .venv/bin/python manage.py migrate\n"
                f"  DATABASE_URL={url} .venv/bin/python manage.py seed_scale"
            )
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        started = time.monotonic()
        try:
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
        except Exception as exc:
            others = conn.execute(
                "SELECT pid, usename, application_name, client_addr, state FROM pg_stat_activity "
                "WHERE datname = %s",
                [source],
            ).fetchall()
            sys.exit(
                f"Could not copy {source!r} ({exc}).\nPostgreSQL copies a database only while "
                f"nobody is connected to it; connected now: {others}"
            )
        return time.monotonic() - started


def drop_database(url, name):
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def end_queries(copy_url):
    """Stop the queries the killed gunicorn left running in the copy (its connections)."""
    name = urlsplit(copy_url).path.lstrip("/")
    with admin_connection(copy_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
