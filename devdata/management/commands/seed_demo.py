from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devdata.demo import DEMO_PASSWORD, seed_demo

ROLES = [
    ("admin", "site administrator (Django admin)"),
    ("manager", "programme manager, North Coast Patient Safety Collaborative"),
    ("national manager", "programme manager, National Deprescribing Network"),
    ("convener", "convener of Medicines Safety and Care Homes Medicines Optimisation"),
    ("member", "member of two communities"),
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo data: invented people, two networks, nine communities."

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "seed_demo creates accounts with a published password: not in production."
            )
        result = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {result['people']} people from {result['organisations']} organisations, "
                f"{result['networks']} networks, {result['communities']} communities."
            )
        )
        self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
        for key, role in ROLES:
            self.stdout.write(f"  {result['accounts'][key].email:<28} {role}")
