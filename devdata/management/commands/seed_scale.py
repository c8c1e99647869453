from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse

from devdata.scale import (
    EMAIL_DOMAIN,
    SCALE_PASSWORD,
    SLUG_PREFIX,
    Counts,
    ScaleSeeder,
    scale_data_exists,
    scale_reset,
)


class Command(BaseCommand):
    help = (
        "Fill a dedicated database with a large, invented data set for measuring the platform: "
        "at scale 1.0, 20 networks, 500 communities, 100,000 people, 300,000 memberships, "
        "30,000 meetings, 600,000 registrations, 100,000 resources, 50,000 adoptions, "
        "40,000 discussions and 400,000 replies. "
        f"Every person signs in as user<N>@{EMAIL_DOMAIN} with the password {SCALE_PASSWORD}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply every count (default 1.0; 0.01 for a quick look).",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Seed of the random choices (default 2026)."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                f"First delete what seed_scale made before (people @{EMAIL_DOMAIN}, networks "
                f"and communities whose slugs start with {SLUG_PREFIX!r}, and what hangs off "
                "them). Nothing else is touched. At full scale this takes minutes: a new, "
                "empty database is quicker."
            ),
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )
        for name in Counts.MINIMUMS:
            parser.add_argument(
                f"--{name}",
                type=int,
                default=None,
                help=f"Exact number of {name} (overrides --scale).",
            )

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "seed_scale creates accounts with a published password: not in production."
            )
        using = options["database"]
        if options["scale"] <= 0:
            raise CommandError("--scale must be more than 0.")
        for name, minimum in Counts.MINIMUMS.items():
            if options[name] is not None and options[name] < minimum:
                raise CommandError(f"--{name} must be at least {minimum}.")
        counts = Counts.for_scale(
            options["scale"], **{name: options[name] for name in Counts.MINIMUMS}
        )
        connection = connections[using]
        self.stdout.write(
            f"seed_scale into {connection.vendor} database {connection.settings_dict['NAME']!r}, "
            f"scale {options['scale']:g}, seed {options['seed']}"
        )
        if scale_data_exists(using):
            if not options["reset"]:
                raise CommandError(
                    "This database already holds scale data. Run with --reset to delete it "
                    "first (only what seed_scale made is deleted)."
                )
            scale_reset(using, log=self._log)

        result = ScaleSeeder(counts, seed=options["seed"], using=using, log=self._log).run()

        self.stdout.write(self.style.SUCCESS(f"Done in {result['timings']['total']:.1f} s."))
        slug, members = result["largest_community"]
        network, communities = result["largest_network"]
        self.stdout.write(f"Largest community: {slug} ({members:,} active members)")
        self.stdout.write(f"Largest network:   {network} ({communities} communities)")
        self.stdout.write(f"Every scale account's password is {SCALE_PASSWORD}; for example:")
        for role, email in result["accounts"].items():
            if email:
                self.stdout.write(f"  {email:<32} {role}")
        if result["long_thread"]:
            pk, replies = result["long_thread"]
            url = reverse("discussions:detail", args=[pk])
            self.stdout.write(
                f"Longest discussion of the largest community: {url} ({replies} replies)"
            )
        if result["calendar_token"]:
            self.stdout.write(
                f"Calendar feed of the largest community's convener: "
                f"/calendar/{result['calendar_token']}.ics"
            )

    def _log(self, stage, counts, seconds):
        figures = ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in counts.items())
        self.stdout.write(f"  {stage:<26} {seconds:7.1f} s  {figures}")
        self.stdout.flush()
