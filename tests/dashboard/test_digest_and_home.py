from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from dashboard.digest import digest_batch, digest_send
from dashboard.tasks import send_digests_task
from knowledge.models import Resource
from tests.conftest import soup
from tests.factories import (
    ActionItemFactory,
    CommunityFactory,
    DiscussionFactory,
    MeetingFactory,
    MembershipFactory,
    ReplyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def upcoming(community, title):
    start = timezone.now() + timedelta(days=10)
    return MeetingFactory(community=community, title=title, starts_at=start)


@pytest.fixture
def two_communities():
    person = UserFactory(digest_frequency="weekly")
    a, b = CommunityFactory(name="Falls"), CommunityFactory(name="Sepsis")
    hidden = CommunityFactory(name="Hidden", visibility="private")
    for c in (a, b):
        MembershipFactory(community=c, user=person)
    MembershipFactory(community=hidden)
    return person, a, b, hidden


def test_digest_has_both_communities_and_nothing_private(
    two_communities, mailoutbox, django_capture_on_commit_callbacks
):
    person, a, b, hidden = two_communities
    huddle = upcoming(a, "Falls huddle")
    toolkit = Resource.objects.create(
        community=b, title="Sepsis toolkit", summary="s", kind="toolkit"
    )
    upcoming(hidden, "Secret meeting")
    Resource.objects.create(community=hidden, title="Secret protocol", summary="s", kind="process")
    with django_capture_on_commit_callbacks(execute=True):
        # Two digests: this person's, and the hidden community's own member's.
        assert digest_send(frequency="weekly") == 2
    message = next(m for m in mailoutbox if m.to == [person.email])
    body = message.body + message.alternatives[0][0]
    assert "Falls huddle" in body and "Sepsis toolkit" in body
    for url in (
        reverse("meetings:detail", args=[huddle.pk]),
        reverse("knowledge:resource", args=[toolkit.pk]),
    ):  # links in both parts
        assert f"http://testserver{url}" in message.body
        assert f'href="http://testserver{url}"' in message.alternatives[0][0]
    assert "Secret" not in body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_nothing_new_means_no_email(two_communities, mailoutbox):
    assert digest_send(frequency="weekly") == 0
    assert mailoutbox == []


@pytest.mark.eager_tasks
def test_run_twice_and_after_a_crash_one_email(
    two_communities, mailoutbox, django_capture_on_commit_callbacks
):
    person, a, _, _ = two_communities
    upcoming(a, "Falls huddle")
    with django_capture_on_commit_callbacks(execute=False):
        send_digests_task("weekly")  # queued, then the worker dies before sending
    with django_capture_on_commit_callbacks(execute=True):
        send_digests_task("weekly")
        send_digests_task("weekly")
    from accounts.tasks import sweep_pending_emails_task

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        sweep_pending_emails_task()
    assert len(mailoutbox) == 1
    assert EmailDelivery.objects.filter(purpose__startswith="digest:").count() == 1


def test_next_period_covers_only_what_came_since(
    two_communities, mailoutbox, django_capture_on_commit_callbacks
):
    person, a, _, _ = two_communities
    upcoming(a, "First meeting")
    with django_capture_on_commit_callbacks(execute=True):
        digest_send(frequency="weekly")
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        upcoming(a, "Second meeting")
        with django_capture_on_commit_callbacks(execute=True):
            digest_send(frequency="weekly")
    assert "Second meeting" in mailoutbox[1].body and "First meeting" not in mailoutbox[1].body


def test_people_who_chose_daily_or_never_are_not_in_the_weekly(two_communities):
    person = two_communities[0]
    _, a, _, _ = two_communities
    for frequency in ("daily", "never"):
        MembershipFactory(community=a, user=UserFactory(digest_frequency=frequency))
    upcoming(a, "Falls huddle")
    queued = digest_send(frequency="weekly")
    assert list(EmailDelivery.objects.values_list("to_address", flat=True)) == [person.email], (
        queued
    )


@pytest.mark.parametrize("size", [10, 100])
def test_batch_query_count_is_fixed(size, django_capture_on_commit_callbacks):
    community = CommunityFactory()
    people = [
        MembershipFactory(
            community=community,
            user=UserFactory(digest_frequency="weekly"),
            role="convener" if i % 2 else "member",
        ).user
        for i in range(size)
    ]
    meeting = upcoming(community, "Everyone's meeting")
    for i, person in enumerate(people):
        # Something needing each of them: an action point due, a place, a join request.
        ActionItemFactory(
            meeting=meeting,
            owner=person,
            description="Send the audit form",
            due_date=timezone.localdate() + timedelta(days=1),
        )
        if i % 3 == 0:
            MembershipFactory(community=community, status="requested", requested_at=timezone.now())
    # Discussions: one started in the period, one of before with a new reply per person.
    DiscussionFactory(community=community, author=people[0])
    older = DiscussionFactory(
        community=community, author=people[0], created_at=timezone.now() - timedelta(days=30)
    )
    for person in people:
        ReplyFactory(discussion=older, author=person)
    with (
        django_capture_on_commit_callbacks(execute=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert digest_batch(people, frequency="weekly", now=timezone.now()) == size
    statements = [q["sql"] for q in queries]
    inserts = [s for s in statements if s.startswith("INSERT")]
    # Reads are fixed: what was sent, the people's communities, meetings, minutes, resources,
    # stories, discussions, their replies, the new ids; and what needs them: action points,
    # places, join requests; and the notifications waiting for the digest. The messages go
    # in one bulk insert (SQLite splits it by its limit on query parameters); on PostgreSQL
    # they are copied into a table made for them and dropped after, and the insert from it
    # returns the new ids (accounts.outbox.bulk).
    assert len(statements) - len(inserts) == (17 if connection.vendor == "postgresql" else 16)
    assert 1 <= len(inserts) <= (1 if connection.vendor == "postgresql" else 2)


def test_home_shows_what_is_new_and_what_to_do(client, two_communities):
    person, a, b, hidden = two_communities
    upcoming(a, "Falls huddle")
    Resource.objects.create(community=b, title="Sepsis toolkit", summary="s", kind="toolkit")
    upcoming(hidden, "Secret meeting")
    led = CommunityFactory(name="Led by me")
    MembershipFactory(community=led, user=person, role="convener")
    MembershipFactory(
        community=led,
        status="requested",
        requested_at=timezone.now(),
        user=UserFactory(name="Ria Requester"),
    )
    client.force_login(person)
    page = soup(client.get("/"))
    text = page.get_text(" ")
    assert "Falls huddle" in text and "Sepsis toolkit" in text and "Secret" not in text
    assert "Ria Requester" in page.select_one(".app-home-requests").get_text()
    # A second visit: what was new is no longer new.
    page = soup(client.get("/"))
    assert "nothing new since" in page.select_one(".app-home-communities").get_text()


@pytest.mark.parametrize("size", [2, 15])
def test_home_query_count_is_constant(client, get_within, size):
    person = UserFactory()
    for i in range(size):
        c = CommunityFactory()
        MembershipFactory(community=c, user=person, role="convener" if i % 2 else "member")
        upcoming(c, f"Meeting {i}")
        Resource.objects.create(community=c, title=f"Resource {i}", summary="s", kind="toolkit")
        MembershipFactory(community=c, status="requested", requested_at=timezone.now())
    client.force_login(person)
    get_within(reverse("home"), 25)


@pytest.mark.eager_tasks
def test_the_digest_job_fans_out_a_task_per_batch_and_builds_inline_without_a_broker(
    monkeypatch, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from dashboard.models import DigestBatch
    from dashboard.tasks import send_digest_batch_task

    settings.DIGEST_BATCH_SIZE = 2
    community = CommunityFactory()
    people = [UserFactory(digest_frequency="weekly") for _ in range(5)]
    for person in people:
        MembershipFactory(community=community, user=person)
    upcoming(community, "Falls huddle")
    published = []
    original = send_digest_batch_task.apply_async
    monkeypatch.setattr(
        send_digest_batch_task,
        "apply_async",
        lambda args, **kw: (published.append(args[0]), original(args=args, **kw))[1],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests_task("weekly") == 3
    batches = DigestBatch.objects.in_bulk(published)
    assert [len(batches[pk].user_ids) for pk in published] == [2, 2, 1]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)

    # Next week, with the broker down: each batch is built by the job itself.
    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(send_digest_batch_task, "apply_async", down)
    upcoming(community, "Sepsis huddle")
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        assert send_digests_task("weekly") == 3
        assert EmailDelivery.objects.filter(purpose__startswith="digest:").count() == 10


def test_a_digest_batch_is_delivered_by_the_task_that_built_it(
    two_communities, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.tasks import send_email_batch_task

    person, a, _, _ = two_communities
    upcoming(a, "Falls huddle")
    published = []
    monkeypatch.setattr(send_email_batch_task, "apply_async", lambda *a, **k: published.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        digest_send(frequency="weekly")
    assert published == []  # no task per batch of messages: sent where they were built
    assert [m.to for m in mailoutbox] == [[person.email]]
    assert EmailDelivery.objects.get(to_address=person.email.lower()).status == "sent"


def test_each_digest_gives_meeting_times_where_its_reader_is(
    mailoutbox, django_capture_on_commit_callbacks
):
    """Items' lines are written once per time zone of the batch: the same meeting reads
    14:00 in London and 09:00 in New York (winter), in one batch."""
    from datetime import UTC, datetime

    community = CommunityFactory(name="Falls")
    london = UserFactory(digest_frequency="weekly", timezone="Europe/London")
    new_york = UserFactory(digest_frequency="weekly", timezone="America/New_York")
    for person in (london, new_york):
        MembershipFactory(community=community, user=person)
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        start = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
        MeetingFactory(community=community, title="Falls huddle", starts_at=start)
        with django_capture_on_commit_callbacks(execute=True):
            assert digest_batch([london, new_york], frequency="weekly", now=now) == 2
    sent = {m.to[0]: m for m in mailoutbox}
    assert "New meeting: Falls huddle, Thu 10 Dec, 14:00" in sent[london.email].body
    assert "New meeting: Falls huddle, Thu 10 Dec, 09:00" in sent[new_york.email].body
    assert "Thu 10 Dec, 09:00" in sent[new_york.email].alternatives[0][0]
