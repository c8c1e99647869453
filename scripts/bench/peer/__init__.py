"""`make bench-peer`: the platform beside a peer it could be swapped for, side by side on this
machine: Indico (CERN's meeting and event system: Flask, SQLAlchemy, PostgreSQL, Redis), the
system a health network could pick instead for its meetings.

What it does, in order (BENCHMARKS.md, "Against a peer", explains the method):

1. Installs the peer from the package registry into a virtual environment of its own,
   VAR_DIR/peer/venv (never the project's), at the versions pinned in constraints.txt beside
   this file.
2. Copies our seeded database (CREATE DATABASE <name>_peer TEMPLATE <name>), as `make bench`
   does: the sessions the run writes go to the copy, which is dropped at the end.
3. Writes the peer's configuration (indico.conf: its own PostgreSQL database, `indico_peer`,
   with `jit = off`; its own Redis database; no outgoing mail), and, the first time or with
   --refill, prepares its database (`indico db prepare`) and fills it with filler.py, run by
   the peer's Python through the peer's own API: a category per network, a subcategory per
   community, an event per meeting (same titles, dates, places, protection), and a person to
   sign in as. The filled database is kept for the next run while our data is the same.
4. Serves both under gunicorn with the same number of sync workers, signs in on both sides
   (ours: a session written as a sign-in writes it; the peer: through its login form).
5. Measures each pair of comparable pages with wrk at the same concurrency, in turns (ours,
   the peer's, ours, ...), for several rounds: requests per second, p50 latency, each pair's
   ratio per round and the median ratio; then the resident memory of every gunicorn worker.
6. Writes VAR_DIR/bench/peer-<timestamp>.md and .json and prints the table.

Run with the project's virtual environment:  .venv/bin/python scripts/bench/peer/run.py --help
"""
