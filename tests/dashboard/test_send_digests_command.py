"""manage.py send_digests: the scheduled job's run and batches, started by hand, saying
what it queued (or, with --dry-run, what it would queue, storing nothing)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import EmailDelivery
from dashboard.digest import period_key
from dashboard.models import DigestBatch, DigestRun
from tests.factories import CommunityFactory, MeetingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_readers(settings):
    """Five weekly readers of Falls (a new meeting there) and one of a quiet community, in
    batches of two."""
    settings.DIGEST_BATCH_SIZE = 2
    falls, quiet = CommunityFactory(name="Falls"), CommunityFactory(name="Quiet")
    for _ in range(5):
        MembershipFactory(community=falls, user=UserFactory(digest_frequency="weekly"))
    MembershipFactory(community=quiet, user=UserFactory(digest_frequency="weekly"))
    MembershipFactory(community=falls, user=UserFactory(digest_frequency="daily"))
    start = timezone.now() + timedelta(days=3)
    MeetingFactory(community=falls, title="Falls huddle", starts_at=start)


def send_digests(*args):
    out = StringIO()
    call_command("send_digests", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_says_what_it_would_queue_and_writes_nothing(five_readers):
    out = send_digests("--dry-run", "--progress-every", "2")
    assert out.splitlines() == [
        f"Dry run: {period_key('weekly', timezone.now())}, nothing is stored or sent.",
        "  batch 2: 4 people read, 4 digests built",
        "Would queue 5 digests for 6 people in 3 batches.",
    ]
    assert not DigestRun.objects.exists()
    assert not DigestBatch.objects.exists()
    assert not EmailDelivery.objects.exists()


def test_it_queues_through_the_run_and_its_batches_with_progress(
    five_readers, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = send_digests("--progress-every", "1")
    period = period_key("weekly", timezone.now())
    assert out.splitlines() == [
        f"{period}: 6 people in 3 batches.",
        "  batch 1 of 3: 2 digests queued",
        "  batch 2 of 3: 4 digests queued",
        "Queued 5 digests for 6 people in 3 batches.",
        "The others had nothing new and nothing waiting for them, or had this period's digest "
        "already.",
    ]
    run = DigestRun.objects.get()
    assert run.period == period and run.batches.count() == 3
    assert len(mailoutbox) == 5
    # Again: the same run, nothing left to build, closed now that everything went out;
    # nobody gets a second.
    with django_capture_on_commit_callbacks(execute=True):
        out = send_digests()
    assert out.splitlines()[0] == f"{period}: 6 people in 3 batches, 0 left to build."
    assert "Queued 0 digests" in out
    run.refresh_from_db()
    assert run.state == "done"
    assert len(mailoutbox) == 5 and EmailDelivery.objects.count() == 5


def test_daily_readers_are_asked_for_by_name(five_readers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = send_digests("--frequency", "daily")
    assert out.splitlines()[-1] == "Queued 1 digest for 1 person in 1 batch."
    assert DigestRun.objects.get().frequency == "daily"


def test_a_frequency_it_does_not_know_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid choice: 'monthly'"):
        call_command("send_digests", "--frequency", "monthly")
