"""A counting SMTP sink for `make bench`: accepts every message on 127.0.0.1, keeps nothing
but the count, the bytes, the times of the first and last message and how many messages went
to a recipient who had had one already (`repeated`: a message sent twice), and writes those
to a JSON file (every 0.2 s while they change, and when stopped by SIGTERM or SIGINT).

    python scripts/bench/smtp_sink.py --port 2525 --stats /tmp/sink.json
"""

import argparse
import json
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self):
        self.count = 0
        self.bytes = 0
        self.first = None
        self.last = None
        self.recipients = set()
        self.repeated = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content or b"")
            if self.first is None:
                self.first = now
            self.last = now
            for rcpt in envelope.rcpt_tos:
                if rcpt in self.recipients:
                    self.repeated += 1
                self.recipients.add(rcpt)
        return "250 Message accepted"

    def snapshot(self):
        with self.lock:
            return {
                "count": self.count,
                "bytes": self.bytes,
                "first": self.first,
                "last": self.last,
                "recipients": len(self.recipients),
                "repeated": self.repeated,
            }


def write(path, data):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", required=True)
    args = parser.parse_args()

    handler = CountingHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=args.port, data_size_limit=50 * 1024 * 1024
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    data = {**handler.snapshot(), "ready": True}
    write(args.stats, data)
    while not stop.wait(0.2):
        now = {**handler.snapshot(), "ready": True}
        if now != data:
            data = now
            write(args.stats, data)
    controller.stop()
    write(args.stats, {**handler.snapshot(), "ready": False})


if __name__ == "__main__":
    main()
