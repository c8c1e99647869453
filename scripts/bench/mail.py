"""What the e-mail jobs share: the SMTP sink, the Celery worker, and waiting for delivery."""

import json
import sys
import time

from .common import BIN, HERE, PROGRESS, log, rnd


class Sink:
    def __init__(self, procs, env, port, var, name):
        self.stats_path = var / f"sink-{name}.json"
        self.stats_path.unlink(missing_ok=True)
        argv = [sys.executable, str(HERE / "smtp_sink.py"), "--port", str(port)]
        argv += ["--stats", str(self.stats_path)]
        self.procs = procs
        self.proc = procs.start(f"sink-{name}", argv, env, var / f"sink-{name}.log")
        end = time.monotonic() + 20
        while not self.stats_path.exists():
            if time.monotonic() > end or self.proc.poll() is not None:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.1)

    def stats(self):
        for _ in range(5):
            try:
                return json.loads(self.stats_path.read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
        return {"count": 0}

    def stop(self):
        self.procs.stop(self.proc)
        return self.stats()


def start_workers(args, env, procs, var):
    logfile = var / "celery.log"
    logfile.write_bytes(b"")
    argv = [
        str(BIN / "celery"),
        "-A",
        "cop_platform",
        "worker",
        "--concurrency",
        str(args.celery_concurrency),
        "--pool",
        "prefork",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        "bench@%h",
    ]
    worker = procs.start("celery", argv, env, logfile)
    end = time.monotonic() + 90
    while "ready." not in logfile.read_text(errors="replace"):
        if time.monotonic() > end or worker.poll() is not None:
            raise RuntimeError(f"the Celery worker did not start; see {logfile}")
        time.sleep(0.5)
    log(f"Celery worker ready: {args.celery_concurrency} processes")
    return worker


def sink_rate(stats):
    if stats.get("count", 0) < 2 or not stats.get("first"):
        return None
    return (stats["count"] - 1) / max(stats["last"] - stats["first"], 1e-6)


def wait_delivery(sink, expected, counts, timeout, label, started, stall=180):
    """Until the sink has `expected` messages, the outbox has nothing pending, or nothing
    moves for `stall` seconds."""
    last_change, last_seen, last_print = time.monotonic(), None, 0
    while True:
        stats = sink.stats()
        rows = counts()
        seen = (stats.get("count"), tuple(sorted(rows.items())))
        now = time.monotonic()
        if seen != last_seen:
            last_seen, last_change = seen, now
        waiting = rows.get("pending", 0) + rows.get("sending", 0)
        if stats.get("count", 0) >= expected and not waiting:
            return stats, rows, "complete"
        if now - last_change > stall:
            return stats, rows, f"stalled for {stall} s"
        if now - started > timeout:
            return stats, rows, f"timed out after {timeout} s"
        PROGRESS[label] = {
            "delivered": stats.get("count", 0),
            "expected": expected,
            "seconds": round(now - started, 1),
            "rate_per_s": rnd(sink_rate(stats), 1),
        }
        if now - last_print >= 15:
            rate = sink_rate(stats)
            log(
                f"  {label}: {stats.get('count', 0):,}/{expected:,} delivered"
                f" ({rate or 0:.1f}/s), outbox {rows}"
            )
            last_print = now
        time.sleep(1)
