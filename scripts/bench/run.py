"""`make bench`: the platform's key pages, the digest and the reminder job, measured in one run
(scripts/bench/__init__.py says how; BENCHMARKS.md explains the method and the targets).

    .venv/bin/python scripts/bench/run.py --help

The driver is the package beside this file, one module per measured thing: `subjects` and
`pages` (what is measured, as whom), `alone` (each page in-process), `server` (each page under
load: gunicorn and wrk), `judge` (each page against the floor around it), `digest` and
`reminders` (the e-mail jobs, with `mail`: the sink and the workers), `report` (the table),
and `cli` (the run, in order).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.bench.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
