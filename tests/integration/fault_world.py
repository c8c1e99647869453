"""The people of the delivery fault tests, written by a child process into the private
PostgreSQL cluster: `recipients` weekly readers spread over four communities, each with a
meeting announced this week, so that every one of them is due a digest."""

from datetime import timedelta


def seed(recipients):
    from django.utils import timezone

    from accounts.models import User
    from communities.models import Community, Membership, Network
    from tests.factories import MeetingFactory

    now = timezone.now()
    network = Network.objects.create(name="Example Network", slug="example-network")
    communities = [
        Community.objects.create(
            network=network,
            name=f"Falls prevention {n}",
            slug=f"falls-prevention-{n}",
            domain="Reducing falls in care homes.",
            visibility=Community.Visibility.PUBLIC,
        )
        for n in range(4)
    ]
    people = User.objects.bulk_create(
        User(
            email=f"reader{n}@example.org",
            name=f"Reader {n}",
            digest_frequency=User.Digest.WEEKLY,
            password="!",  # noqa: S106  # nosec B106: an unusable password
        )
        for n in range(recipients)
    )
    Membership.objects.bulk_create(
        Membership(community=communities[n % 4], user=person, joined_at=now)
        for n, person in enumerate(people)
    )
    for community in communities:
        start = now + timedelta(days=3)
        MeetingFactory(community=community, title=f"{community.name} huddle", starts_at=start)
