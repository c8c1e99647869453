"""The weekly digest for every member, delivered by real Celery workers, against the floor
of sending as many copies of one real digest, pre-rendered, through the same sink."""

import multiprocessing
import time
from datetime import timedelta

from .common import log, rnd
from .mail import Sink, sink_rate, wait_delivery

# The digest's target: its rate at least this share of the pre-rendered SMTP floor's.
DIGEST_FACTOR = 0.8


def prepare_digest(limit):
    """In the copy: every member (or `limit` of them, spread over the membership) takes the
    weekly digest, and every community with members has something new this week, so that each
    of them gets a digest. Returns the number of digests expected."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import EmailDelivery, User
    from communities.models import Community, Membership
    from dashboard.digest import period_key, recipients
    from knowledge.models import Resource

    now = timezone.now()
    everyone = list(
        User.objects.filter(is_active=True, memberships__status=Membership.Status.ACTIVE)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = everyone
    if limit and limit < len(everyone):
        step = len(everyone) / limit
        chosen = [everyone[int(i * step)] for i in range(limit)]
    User.objects.exclude(digest_frequency=User.Digest.NEVER).update(
        digest_frequency=User.Digest.NEVER
    )
    for start in range(0, len(chosen), 10000):
        User.objects.filter(pk__in=chosen[start : start + 10000]).update(
            digest_frequency=User.Digest.WEEKLY
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE knowledge_resource SET created_at = %s WHERE id IN ("
            " SELECT DISTINCT ON (community_id) id FROM knowledge_resource"
            " WHERE status = 'published' AND community_id IS NOT NULL"
            " ORDER BY community_id, created_at DESC)",
            [now - timedelta(hours=1)],
        )
    without = (
        Community.objects.filter(memberships__status=Membership.Status.ACTIVE)
        .exclude(resources__status=Resource.Status.PUBLISHED)
        .distinct()
    )
    Resource.objects.bulk_create(
        Resource(
            community=c,
            title=f"What is new in {c.name}",
            summary="A resource shared this week.",
            created_at=now - timedelta(hours=1),
        )
        for c in without
    )
    key = f"digest:{period_key(User.Digest.WEEKLY, now)}"
    EmailDelivery.objects.filter(purpose__startswith="digest:").delete()
    return recipients(User.Digest.WEEKLY).count(), key


def digest_counts(key):
    from django.db.models import Count

    from accounts.models import EmailDelivery

    return dict(
        EmailDelivery.objects.filter(purpose=key)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def _send_copies(message_data, count, batch):
    """`count` copies over Django's SMTP backend, a connection per `batch` messages."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    message = EmailMultiAlternatives(
        subject=message_data["subject"],
        body=message_data["text"],
        from_email=message_data["from"],
        to=[message_data["to"]],
        headers=message_data["headers"],
    )
    if message_data["html"]:
        message.attach_alternative(message_data["html"], "text/html")
    for start in range(0, count, batch):
        with get_connection() as connection:
            connection.send_messages([message] * min(batch, count - start))


def smtp_floor(args, procs, env, port, var, key, count):
    """`count` copies of one real digest, pre-rendered, over Django's SMTP backend through the
    same sink, from as many processes as the Celery worker has, a connection per
    EMAIL_BATCH_SIZE messages as the outbox (accounts.outbox) sends them (per message before that setting)."""
    from django.conf import settings
    from django.db import connections

    from accounts.models import EmailDelivery

    row = EmailDelivery.objects.filter(purpose=key, status="sent").order_by("pk").first()
    if row is None:
        return {"error": "no digest was delivered, so there is no real message to copy"}
    data = {
        "subject": row.subject,
        "text": row.body_text,
        "html": row.body_html,
        "headers": row.headers,
        "to": row.to_address,
        "from": settings.DEFAULT_FROM_EMAIL,
    }
    connections.close_all()
    sink = Sink(procs, env, port, var, "floor")
    processes = args.celery_concurrency
    shares = [count // processes + (i < count % processes) for i in range(processes)]
    ctx = multiprocessing.get_context("fork")
    started = time.monotonic()
    batch = getattr(settings, "EMAIL_BATCH_SIZE", 1)
    children = [ctx.Process(target=_send_copies, args=(data, n, batch)) for n in shares if n]
    for child in children:
        child.start()
    for child in children:
        child.join()
    wall = time.monotonic() - started
    time.sleep(0.5)
    stats = sink.stop()
    return {
        "messages": stats.get("count", 0),
        "processes": processes,
        "batch": batch,
        "wall_s": round(wall, 2),
        "rate_per_s": rnd(sink_rate(stats), 1),
        "message_bytes": round(stats.get("bytes", 0) / max(stats.get("count", 1), 1)),
    }


def run_digest(args, env, procs, port, var):
    from dashboard.tasks import send_digests_task

    started = time.monotonic()
    expected, key = prepare_digest(args.digest_limit)
    log(f"digest: {expected:,} recipients prepared in {time.monotonic() - started:.1f} s ({key})")
    sink = Sink(procs, env, port, var, "digest")
    started = time.monotonic()
    send_digests_task.apply_async(args=("weekly",))
    stats, rows, outcome = wait_delivery(
        sink, expected, lambda: digest_counts(key), args.digest_timeout, "digest", started
    )
    total = time.monotonic() - started
    stats = sink.stop()
    result = {
        "recipients": expected,
        "delivered": stats.get("count", 0),
        "outbox": rows,
        "outcome": outcome,
        "total_s": round(total, 1),
        "rate_per_s": rnd(sink_rate(stats), 1),
        "end_to_end_per_s": rnd(stats.get("count", 0) / total if total else None, 1),
        "first_after_s": rnd(stats["first"] - (time.time() - total), 1)
        if stats.get("first")
        else None,
        "message_bytes": round(stats.get("bytes", 0) / max(stats.get("count", 1), 1)),
    }
    log(f"digest: {outcome}: {result}")
    result["floor"] = smtp_floor(args, procs, env, port, var, key, result["delivered"])
    log(f"SMTP floor: {result['floor']}")
    floor_rate = result["floor"].get("rate_per_s")
    rate = result["rate_per_s"]
    result["ratio"] = rnd(rate / floor_rate, 2) if floor_rate and rate else None
    result["target"] = (
        f"rate >= {DIGEST_FACTOR} x pre-rendered SMTP floor, every recipient delivered once"
    )
    # Once: the sink counts the messages to a recipient who had had one already.
    result["repeated"] = stats.get("repeated")
    ok = (
        outcome == "complete"
        and result["repeated"] == 0
        and result["ratio"] is not None
        and result["ratio"] >= DIGEST_FACTOR
    )
    result["result"] = "pass" if ok else "FAIL"
    return result
