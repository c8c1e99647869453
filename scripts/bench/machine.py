"""The machine, the versions and the commit measured, for the report."""

import platform
import subprocess
from pathlib import Path

from .common import CORES, ROOT


def machine_info(redis_url):
    info = {"cores": CORES, "python": platform.python_version(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S603, S607  # nosec
    info["wrk"] = (wrk.stdout or wrk.stderr).splitlines()[0].split(" Copyright")[0]
    import celery
    import django
    import gunicorn
    import redis

    info["django"] = django.get_version()
    info["gunicorn"] = gunicorn.__version__
    info["celery"] = celery.__version__
    try:
        info["redis"] = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    except Exception as exc:
        info["redis"] = f"unreachable: {exc}"
    return info


def git(*argv):
    """What a git command prints about the checkout measured."""
    return subprocess.run(  # noqa: S603  # nosec B603
        ["git", *argv],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()


def code_version():
    """The commit measured, and whether the work tree had changes on top of it."""
    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except OSError:
        return "unknown"
    return f"{commit}{' with uncommitted changes' if dirty else ''}" if commit else "unknown"


def load_average():
    try:
        return Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return None
