"""`make bench-peer`: our pages beside the same pages of a peer, Indico, on this machine
(scripts/bench/peer/__init__.py says how; BENCHMARKS.md, "Against a peer", the method).

    .venv/bin/python scripts/bench/peer/run.py --help
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from scripts.bench.peer.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
