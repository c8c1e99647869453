"""Queue the meeting reminders that are due now, as the periodic task does every five
minutes: after an outage, or to see what the next scan would send (--dry-run)."""

from django.core.management.base import BaseCommand

from meetings.services import REMINDER_BATCH, reminders_send


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be queued, and write nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=REMINDER_BATCH,
            help=f"Meetings read at a time (default {REMINDER_BATCH}).",
        )

    def handle(self, *args, dry_run=False, batch_size=REMINDER_BATCH, **options):
        def progress(done, total):
            if total > batch_size:  # a long run says how far it has got after each batch
                self.stdout.write(f"{done} of {total} meetings…")

        run = reminders_send(dry_run=dry_run, batch_size=batch_size, progress=progress)
        meetings = f"{run.meetings} meeting{'' if run.meetings == 1 else 's'}"
        emails = f"{run.emails} e-mail{'' if run.emails == 1 else 's'}"
        if dry_run:
            self.stdout.write(
                f"Dry run: reminders are due for {meetings}; {emails} would be queued. "
                "Nothing was written."
            )
        else:
            self.stdout.write(f"Reminders queued for {meetings}: {emails}.")
