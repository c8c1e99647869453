from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from dashboard.digest import digest_dry_run, digest_send, period_key


class Command(BaseCommand):
    help = (
        "Send this period's digests now, through the same run and batches as the scheduled "
        "job (each person gets one digest per period: running it again, or after the "
        "schedule, sends nobody a second). Says how many people, batches and digests, with a "
        "line of progress every few batches."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            choices=[User.Digest.DAILY, User.Digest.WEEKLY],
            default=User.Digest.WEEKLY,
            help="Whose digests: people who chose daily or weekly ones (default weekly).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Build the digests and say what would be queued, storing and sending nothing.",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=10,
            metavar="N",
            help="A line of progress every N batches (default 10; DIGEST_BATCH_SIZE people each).",
        )

    def handle(self, *args, frequency, dry_run, progress_every, **options):
        every = max(progress_every, 1)
        if dry_run:
            self._dry_run(frequency, every)
            return
        planned = {}

        def progress(*, run, done, total, queued):
            if done == 0:
                batches = list(run.batches.values_list("user_ids", flat=True))
                planned.update(people=sum(len(ids) for ids in batches), batches=len(batches))
                left = "" if total == len(batches) else f", {total:,} left to build"
                self.stdout.write(
                    f"{run.period}: {_people(planned['people'])} in "
                    f"{_batches(planned['batches'])}{left}."
                )
            elif done % every == 0 and done != total:
                self.stdout.write(f"  batch {done:,} of {total:,}: {_digests(queued)} queued")

        queued = digest_send(frequency=frequency, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Queued {_digests(queued)} for {_people(planned['people'])} in "
                f"{_batches(planned['batches'])}."
            )
        )
        if queued < planned["people"]:
            self.stdout.write(
                "The others had nothing new and nothing waiting for them, or had this "
                "period's digest already."
            )

    def _dry_run(self, frequency, every):
        self.stdout.write(
            f"Dry run: {period_key(frequency, timezone.now())}, nothing is stored or sent."
        )

        def progress(*, done, people, queued):
            if done % every == 0:
                self.stdout.write(
                    f"  batch {done:,}: {_people(people)} read, {_digests(queued)} built"
                )

        people, batches, queued = digest_dry_run(frequency=frequency, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Would queue {_digests(queued)} for {_people(people)} in {_batches(batches)}."
            )
        )


def _people(n):
    return f"{n:,} person" if n == 1 else f"{n:,} people"


def _digests(n):
    return f"{n:,} digest" if n == 1 else f"{n:,} digests"


def _batches(n):
    return f"{n:,} batch" if n == 1 else f"{n:,} batches"
