"""The meeting reminders: a thousand meetings due at once, queued by the job in-process and
delivered by the workers."""

import time
from datetime import timedelta

from .common import log, rnd
from .mail import Sink, sink_rate, wait_delivery

# The reminders' target: the job queues every due reminder within this many seconds.
QUEUE_SECONDS = 5


def prepare_reminders(count):
    """In the copy: `count` meetings (those with registrations first, new ones if there are
    not enough) start tomorrow, between 23 and 24 hours from now, so every reminder is due."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from communities.models import Community, Membership
    from meetings.models import Meeting, Registration

    now = timezone.now()
    registered = Registration.Status.REGISTERED
    chosen = list(
        Meeting.objects.filter(community__isnull=False)
        .annotate(n=Count("registrations", filter=Q(registrations__status=registered)))
        .filter(n__gt=0)
        .order_by("-starts_at", "pk")[:count]
    )
    for i, meeting in enumerate(chosen):
        meeting.starts_at = now + timedelta(hours=23, seconds=i * 3)
        meeting.ends_at = meeting.starts_at + timedelta(hours=1)
        meeting.status = Meeting.Status.SCHEDULED
        meeting.reminder_hours = 24
    Meeting.objects.bulk_update(
        chosen, ["starts_at", "ends_at", "status", "reminder_hours"], batch_size=500
    )
    created = 0
    if len(chosen) < count:
        communities = list(
            Community.objects.annotate(
                n=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE))
            ).filter(n__gt=0)
        )
        new = []
        for i in range(count - len(chosen)):
            community = communities[i % len(communities)]
            starts = now + timedelta(hours=23, seconds=(len(chosen) + i) * 3)
            new.append(
                Meeting(
                    community=community,
                    title=f"Meeting {i + 1} of {community.name}"[:200],
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    reminder_hours=24,
                )
            )
        Meeting.objects.bulk_create(new, batch_size=500)
        registrations = []
        for meeting in new:
            users = Membership.objects.filter(
                community_id=meeting.community_id, status=Membership.Status.ACTIVE
            ).values_list("user_id", flat=True)[:20]
            registrations += [Registration(meeting=meeting, user_id=u) for u in users]
        Registration.objects.bulk_create(registrations, batch_size=1000)
        created = len(new)
    return {"moved": len(chosen), "created": created}


def run_reminders(args, env, procs, port, var):
    from django.db import connection
    from django.db.models import Count

    from accounts.models import EmailDelivery
    from meetings.services import reminders_due
    from meetings.tasks import send_due_reminders_task

    prepared = prepare_reminders(args.reminder_meetings)
    due = reminders_due()
    EmailDelivery.objects.filter(purpose__startswith="meeting-reminder:").delete()
    log(f"reminders: {prepared}, {len(due)} meetings due now")
    sink = Sink(procs, env, port, var, "reminders")
    started = time.monotonic()
    queries = []  # counted, not kept (CaptureQueriesContext keeps at most 9,000)

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        queued = send_due_reminders_task.apply().get()
    job = time.monotonic() - started

    def counts():
        return dict(
            EmailDelivery.objects.filter(purpose__startswith="meeting-reminder:")
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )

    stats, rows, outcome = wait_delivery(
        sink, queued, counts, args.digest_timeout, "reminders", started, stall=120
    )
    total = time.monotonic() - started
    stats = sink.stop()
    result = {
        **prepared,
        "meetings_due": len(due),
        "queued": queued,
        "job_s": round(job, 2),
        "job_queries": len(queries),
        "delivered": stats.get("count", 0),
        "outbox": rows,
        "outcome": outcome,
        "delivered_all_s": round(total, 1),
        "rate_per_s": rnd(sink_rate(stats), 1),
        "target": f"queued in <= {QUEUE_SECONDS} s, every reminder delivered",
        "result": "pass" if outcome == "complete" and job <= QUEUE_SECONDS else "FAIL",
    }
    log(f"reminders: {result}")
    return result
