"""The peer installed from the package registry into a virtual environment of its own,
VAR_DIR/peer/venv, never into the project's: Indico and gunicorn at the versions of
constraints.txt (the newest Indico that installs on the Python 3.11 of this machine:
3.3 asks for Python 3.12.2 or later)."""

import hashlib
import subprocess
from pathlib import Path

from ..common import log

HERE = Path(__file__).resolve().parent
CONSTRAINTS = HERE / "constraints.txt"
PACKAGES = ("indico", "gunicorn")


def venv_bin(peer_dir):
    return peer_dir / "venv" / "bin"


def install_peer(peer_dir, python):
    """Make the venv and install the pinned packages into it, once per constraints file."""
    venv = peer_dir / "venv"
    stamp = venv / ".installed"
    digest = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (venv_bin(peer_dir) / "python").exists():
        log(f"making the peer's virtual environment: {venv}")
        subprocess.run([python, "-m", "venv", str(venv)], check=True)  # noqa: S603  # nosec B603
    log(f"installing {', '.join(PACKAGES)} into it (constraints: {CONSTRAINTS.name})")
    subprocess.run(  # noqa: S603  # nosec B603  # argv built here
        [str(venv_bin(peer_dir) / "python"), "-m", "pip", "install", "--quiet"]
        + ["--constraint", str(CONSTRAINTS), *PACKAGES],
        check=True,
    )
    stamp.write_text(digest)


def peer_version(peer_dir):
    """The installed versions of the peer and its Python."""
    out = subprocess.run(  # noqa: S603  # nosec B603
        [
            str(venv_bin(peer_dir) / "python"),
            "-c",
            "import platform, indico, gunicorn; "
            "print(indico.__version__, gunicorn.__version__, platform.python_version())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    indico, gunicorn, python = out.stdout.split()
    return {"indico": indico, "gunicorn": gunicorn, "python": python}
