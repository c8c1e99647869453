"""The digest e-mail: the home feed over the period since the person's last digest.

Recipients are taken in batches, each built with a fixed number of queries. Each person
gets at most one digest per period (the outbox's purpose key is the period), so the job
can run twice, or again after a worker died mid-batch, and carries on where it stopped.
Nothing new, no e-mail."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.mail import email_queue_many
from accounts.models import EmailDelivery, User
from communities.models import Membership
from cop_platform.celery import publish
from dashboard.feed import feed_for

BATCH = 200
PERIOD = {User.Digest.DAILY: timedelta(days=1), User.Digest.WEEKLY: timedelta(days=7)}


def period_key(frequency, now):
    local = timezone.localtime(now)
    if frequency == User.Digest.WEEKLY:
        year, week, _ = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{local:%Y-%m-%d}"


def recipients(frequency):
    return (
        User.objects.filter(
            is_active=True, digest_frequency=frequency, memberships__status=Membership.Status.ACTIVE
        )
        .distinct()
        .order_by("pk")
    )


def _prepare_links(feeds):
    """Each item's address and date, worked out once per batch: the same meeting or resource
    is in many people's digests, and the templates only print them."""
    done = set()
    for feed in feeds:
        for kind in ("meetings", "minutes", "resources", "stories"):
            for item in feed[kind]:
                if (kind, item.pk) in done:
                    continue
                done.add((kind, item.pk))
                if kind == "meetings":
                    item.link = reverse("meetings:detail", args=[item.pk])
                    item.starts_label = dateformat.format(
                        timezone.localtime(item.starts_at), "D j M, H:i"
                    )
                elif kind == "minutes":
                    item.link = reverse("meetings:detail", args=[item.meeting_id])
                elif kind == "resources":
                    item.link = reverse("knowledge:resource", args=[item.pk])
                else:
                    item.link = reverse("knowledge:story", args=[item.pk])
                item.link = settings.SITE_URL + item.link


def digest_batch(users, *, frequency, now):
    """Queue the digests of one batch of people. Returns how many were queued."""
    key = f"digest:{period_key(frequency, now)}"
    addresses = [u.email.lower() for u in users]
    done = set(
        EmailDelivery.objects.filter(purpose=key, to_address__in=addresses).values_list(
            "to_address", flat=True
        )
    )
    last = dict(
        EmailDelivery.objects.filter(
            to_address__in=addresses,
            purpose__startswith="digest:",
            status=EmailDelivery.Status.SENT,
        )
        .values("to_address")
        .annotate(at=Max("sent_at"))
        .values_list("to_address", "at")
    )
    todo = [u for u in users if u.email.lower() not in done]
    since = {u.pk: last.get(u.email.lower()) or now - PERIOD[frequency] for u in todo}
    feeds = feed_for(todo, since_by_user=since, until=now)
    _prepare_links(feeds.values())
    home_url = settings.SITE_URL + reverse("home")
    messages = [
        (
            user,
            {
                "feed": feeds[user.pk],
                "since": since[user.pk],
                "frequency": frequency,
                "home_url": home_url,
            },
        )
        for user in todo
        if not feeds[user.pk]["is_empty"]
    ]
    # Sent by this same task: one batch of the job, built and delivered while the other
    # workers build theirs (no queue of rendering tasks ahead of the sending ones).
    return email_queue_many(
        messages=messages, purpose=key, template="digest", preference="digest", deliver_here=True
    )


def digest_batch_ids(*, frequency, ids, now):
    """digest_batch for these people (a task's batch, by id)."""
    users = list(User.objects.filter(pk__in=ids).order_by("pk"))
    return digest_batch(users, frequency=frequency, now=now)


def recipient_batches(frequency):
    """This period's recipients, as lists of at most BATCH ids in id order (keyset pages)."""
    after = 0
    while True:
        ids = list(recipients(frequency).filter(pk__gt=after).values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        yield ids
        after = ids[-1]


def digest_fan_out(*, frequency, now=None):
    """This period's recipients, split into batches of BATCH, each built and queued by a task
    of its own so that every worker process takes part. A batch whose task cannot be
    published (broker down) is built here instead. Returns the number of batches."""
    from dashboard.tasks import send_digest_batch_task

    now = now or timezone.now()
    batches = 0
    for ids in recipient_batches(frequency):
        publish(
            send_digest_batch_task,
            frequency,
            ids,
            now.isoformat(),
            on_failure=partial(digest_batch_ids, frequency=frequency, ids=ids, now=now),
        )
        batches += 1
    return batches


def digest_send(*, frequency, now=None):
    """Every batch built here, one after another (the same batches as digest_fan_out, for a
    shell or a test). Returns how many digests were queued."""
    now = now or timezone.now()
    return sum(
        digest_batch_ids(frequency=frequency, ids=ids, now=now)
        for ids in recipient_batches(frequency)
    )
