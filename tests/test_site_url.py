"""`make run` on another port writes links to that port: SITE_URL follows PORT, for the web
server and the worker alike, unless SITE_URL is set. The Makefile's own recipes run, with
stand-ins for the virtual environment's `python` and `celery` that record the SITE_URL the
project's settings read in their environment."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

STAND_IN = """\
#!{python}
import os, pathlib, sys, time
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "cop_platform.settings"
from django.conf import settings
records = pathlib.Path({records!r})
# Written whole or not at all: the recipe stops the other programs it started (the inbound
# mail service is `python` too) once the server ends, maybe in the middle of this.
part = records / f".{name}.{{os.getpid()}}"
part.write_text(settings.SITE_URL)
os.replace(part, records / {name!r})
if {wait_for!r}:
    # The web server in the foreground: the recipe stops the worker once it ends.
    deadline = time.monotonic() + 20
    while not (records / {wait_for!r}).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def make(tmp_path, *args, site_url=None):
    """Run `make <args>` with the stand-ins; {program: SITE_URL it saw}."""
    bin_dir, records = tmp_path / "bin", tmp_path / "records"
    bin_dir.mkdir()
    records.mkdir()
    for name, wait_for in (("python", "celery"), ("celery", "")):
        script = bin_dir / name
        script.write_text(
            STAND_IN.format(
                python=sys.executable,
                root=str(ROOT),
                records=str(records),
                name=name,
                wait_for=wait_for,
            )
        )
        script.chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SITE_URL", "PORT", "DJANGO_ENV", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    }
    env["VAR_DIR"] = str(tmp_path / "var")
    if site_url:
        env["SITE_URL"] = site_url
    result = subprocess.run(
        [shutil.which("make"), "--no-print-directory", *args, f"BIN={bin_dir}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {path.name: path.read_text() for path in records.iterdir() if path.name[0] != "."}


@pytest.mark.parametrize(
    ("args", "site_url", "expected"),
    [
        (["PORT=8001"], None, "http://127.0.0.1:8001"),
        ([], None, "http://127.0.0.1:8000"),
        (["PORT=8001"], "https://cop.example.org/", "https://cop.example.org"),
    ],
)
def test_make_run_gives_the_server_and_the_worker_the_port_being_served(
    tmp_path, args, site_url, expected
):
    # -o seed: the recipe of `run` itself, without installing, migrating or seeding first.
    seen = make(tmp_path, "-o", "seed", "run", *args, site_url=site_url)
    assert seen == {"python": expected, "celery": expected}


def test_make_worker_on_its_own_follows_the_port_too(tmp_path):
    seen = make(tmp_path, "-o", "setup", "worker", "PORT=8002")
    assert seen == {"celery": "http://127.0.0.1:8002"}
