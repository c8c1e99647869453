"""Recompute the copies the communities app keeps (each community's figures, each member's
name on their memberships) after data was loaded around the services, e.g. by seed_scale."""

from django.core.management.base import BaseCommand

from communities.services import community_copies_rebuild


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        count = community_copies_rebuild()
        self.stdout.write(f"Figures and member names rebuilt for {count} communities.")
