import pytest
from django.utils import timezone

from communities.models import Report
from devdata.demo import FADING, seed_demo
from devdata.knowledge_demo import seed_knowledge
from knowledge.models import Adoption, Resource, Story

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(django_capture_on_commit_callbacks):
    seed_demo()
    now = timezone.now()
    seed_knowledge(now=now)
    counts = (
        Resource.objects.count(),
        Adoption.objects.count(),
        Story.objects.count(),
        Report.objects.count(),
    )
    seed_knowledge(now=now)
    assert counts == (
        Resource.objects.count(),
        Adoption.objects.count(),
        Story.objects.count(),
        Report.objects.count(),
    )
    # One report waits for the demo convener (convener@example.nhs.uk) in Care Homes Medicines.
    (report,) = Report.objects.all()
    assert report.is_open and report.community.slug == "care-homes-medicines"
    assert report.community.memberships.filter(
        user__email="convener@example.nhs.uk", role="convener"
    ).exists()
    assert counts[0] >= 20 and counts[1] >= 5 and counts[2] >= 2
    assert set(Resource.objects.values_list("kind", flat=True)) == set(Resource.Kind.values)
    assert Resource.objects.filter(superseded_by__isnull=False).count() == 1
    # One of the library's own, and the guide of the community that fades (devdata.demo).
    past_review = Resource.objects.filter(review_date__lt=now.date())
    assert past_review.exclude(community__slug=FADING).count() == 1
    assert past_review.filter(community__slug=FADING).count() == 1
