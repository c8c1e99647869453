"""Receive replies by e-mail: an LMTP (or, with --smtp, SMTP) server on a local port that
the site's mail server relays the reply domain to; or, with --folder, .eml files dropped
into INBOUND_FOLDER (development)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.inbound.server import InboundController, folder_receive


class Command(BaseCommand):
    help = "Receive replies by e-mail (LMTP by default) and post them."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.INBOUND_HOST)
        parser.add_argument("--port", type=int, default=settings.INBOUND_PORT)
        parser.add_argument("--smtp", action="store_true", help="speak SMTP rather than LMTP")
        parser.add_argument(
            "--folder",
            action="store_true",
            help=f"read .eml files dropped into {settings.INBOUND_FOLDER} instead",
        )
        parser.add_argument("--once", action="store_true", help="with --folder: read once, stop")

    def handle(self, *args, **options):
        if options["folder"]:
            return self._folder(once=options["once"])
        controller = InboundController(
            hostname=options["host"], port=options["port"], smtp=options["smtp"]
        )
        controller.start()
        protocol = "SMTP" if options["smtp"] else "LMTP"
        self.stdout.write(
            f"Receiving replies to *@{settings.REPLY_DOMAIN} over {protocol} on "
            f"{options['host']}:{options['port']} (Ctrl+C stops)"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()

    def _folder(self, *, once):
        self.stdout.write(f"Reading .eml files from {settings.INBOUND_FOLDER}")
        while True:
            for name, statuses in folder_receive().items():
                self.stdout.write(f"{name}: {', '.join(statuses)}")
            if once:
                return
            time.sleep(2)
