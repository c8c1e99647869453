"""Backups restore: scripts/backup.sh dumps the PostgreSQL test database with a manifest of
exact row counts, and scripts/restore-check.sh loads the dump into a fresh database, compares
the counts, checks the migrations and drops the scratch database (see docs/backups.md)."""

import os
import shutil
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from accounts.models import User
from communities.models import Community, Membership
from knowledge.models import Resource
from tests.conftest import ROOT
from tests.factories import MembershipFactory, ResourceFactory, UserFactory
from tests.integration.conftest import child_env

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE_CHECK = ROOT / "scripts" / "restore-check.sh"
TOOLS = ("psql", "pg_dump", "pg_restore")


@pytest.fixture(autouse=True)
def _postgresql():
    """These tests need PostgreSQL and its client programs: in CI their absence is a failure."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if connection.vendor != "postgresql":
        reason = (
            "the backup scripts need PostgreSQL, and the tests run on "
            f"{connection.vendor}. Run them with "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_platform "
            ".venv/bin/python -m pytest tests/integration/test_backup.py"
        )
    elif missing:
        reason = (
            f"the PostgreSQL client programs {', '.join(missing)} are missing: "
            "apt-get install postgresql-client"
        )
    else:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test the backups, but {reason}", pytrace=False)
    pytest.skip(reason)


def run(*args):
    """Run a script against the test database (DATABASE_URL), manage.py with this Python."""
    env = child_env(PYTHON=sys.executable)
    return subprocess.run(
        [str(a) for a in args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def backup(tmp_path):
    dump = tmp_path / "cop.dump"
    result = run(BACKUP, dump)
    assert result.returncode == 0, result.stderr
    manifest = tmp_path / "cop.manifest.tsv"
    assert dump.is_file() and manifest.is_file()
    return dump, manifest


def manifest_counts(manifest):
    lines = [line for line in manifest.read_text().splitlines() if not line.startswith("#")]
    assert lines[0] == "table\trows"
    return {table: int(rows) for table, rows in (line.split("\t") for line in lines[1:])}


def row(output, table):
    """A table's line of restore-check's table of counts, split into its columns."""
    return next(line.split() for line in output.splitlines() if line.startswith(f"{table} "))


def scratch_name(output):
    prefix = "Scratch database: "
    return next(line[len(prefix) :] for line in output.splitlines() if line.startswith(prefix))


def server(**overrides):
    """A connection to the test database's server, outside Django's transaction handling."""
    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
    }
    return psycopg.connect(**{**params, **overrides}, autocommit=True)


def database_exists(name):
    with server() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def some_data():
    people = UserFactory.create_batch(3)
    membership = MembershipFactory(user=people[0])
    ResourceFactory(
        community=membership.community,
        owner=people[1],
        title="Falls review: what we learned",
        body="Line one\nline two\twith a tab, “quotes” and ünïcödé",
    )


def test_backup_restores_with_the_same_counts(tmp_path):
    some_data()
    dump, manifest = backup(tmp_path)
    # A dump holds personal data: readable by its owner only.
    assert dump.stat().st_mode & 0o077 == 0
    assert manifest.stat().st_mode & 0o077 == 0

    counts = manifest_counts(manifest)
    assert counts["accounts_user"] == User.objects.count() == 3
    assert counts["communities_community"] == Community.objects.count() == 1
    assert counts["communities_membership"] == Membership.objects.count() == 1
    assert counts["knowledge_resource"] == Resource.objects.count() == 1
    assert counts["django_migrations"] > 0
    assert "# sha256: " in manifest.read_text()

    result = run(RESTORE_CHECK, "--keep", dump)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restore-check: OK" in result.stdout
    assert row(result.stdout, "accounts_user") == ["accounts_user", "3", "3", "ok"]

    scratch = scratch_name(result.stdout)
    try:
        with server(dbname=scratch) as restored:
            title, body = restored.execute("SELECT title, body FROM knowledge_resource").fetchone()
        assert title == "Falls review: what we learned"
        assert body == "Line one\nline two\twith a tab, “quotes” and ünïcödé"
    finally:
        with server() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_the_scratch_database_is_dropped(tmp_path):
    UserFactory()
    dump, _ = backup(tmp_path)
    result = run(RESTORE_CHECK, dump)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not database_exists(scratch_name(result.stdout))


def test_a_count_that_differs_from_the_manifest_fails(tmp_path):
    UserFactory.create_batch(2)
    dump, manifest = backup(tmp_path)
    text = manifest.read_text()
    assert "\naccounts_user\t2\n" in text
    manifest.write_text(text.replace("\naccounts_user\t2\n", "\naccounts_user\t3\n"))

    result = run(RESTORE_CHECK, dump, manifest)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "restore-check: FAILED" in result.stderr
    assert "accounts_user: the manifest says 3 rows, the restored database has 2" in result.stderr
    assert row(result.stdout, "accounts_user") == ["accounts_user", "3", "2", "MISMATCH"]
    # Dropped on failure too.
    assert not database_exists(scratch_name(result.stdout))


def test_a_damaged_dump_fails_before_anything_is_restored(tmp_path):
    UserFactory()
    dump, manifest = backup(tmp_path)
    dump.write_bytes(dump.read_bytes()[:-100])

    result = run(RESTORE_CHECK, dump, manifest)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "checksum mismatch" in result.stderr
    assert "Scratch database:" not in result.stdout
