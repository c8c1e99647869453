"""The digest e-mail: the home page's updates (dashboard.updates) over the period since the
person's last digest: first what needs them, then what is new, grouped by community.

Recipients are taken in batches, each built with a fixed number of queries. Each person
gets at most one digest per period (the outbox's purpose key is the period), so the job
can run twice, or again after a worker died mid-batch, and carries on where it stopped.
Nothing new and nothing needing them, no e-mail.

Each period's job is recorded before any task is published (DigestRun, one DigestBatch per
batch of people): a batch is claimed under a lease, built and stored in the outbox in one
transaction, then delivered by the worker that built it. The periodic sweep (digest_resume)
builds what a lost task or a dead worker left, and closes the run once everything is sent.

The job's tasks are at the end, beside the run and batch code they drive; Celery knows them
as dashboard.tasks.* (their module of before), the names queued tasks and the periodic
schedule use."""

import logging
import re
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.inbound.tokens import reply_address
from accounts.models import EmailDelivery, Notification, User, by_zone
from accounts.notifications.registry import DIGEST
from accounts.outbox.delivery import TRANSIENT_DB_ERRORS, email_queue_many, worker_name
from communities.models import Membership
from core.http import url_maker
from core.queue import RETRY_TRANSIENT, publish
from core.replicas import replica_reads
from dashboard.models import DigestBatch, DigestRun
from dashboard.updates import replies_label, updates_for

logger = logging.getLogger(__name__)

# People per batch (DIGEST_BATCH_SIZE, 1,000). A batch reads every new item of its people's
# communities, and a few hundred people already span most communities of a large network:
# that read, and writing each item's lines, cost the same for 200 people as for 1,000, so
# larger batches share them more widely. Each is delivered EMAIL_BATCH_SIZE to a connection
# by the task that built it.
PERIOD = {User.Digest.DAILY: timedelta(days=1), User.Digest.WEEKLY: timedelta(days=7)}


def period_key(frequency, now):
    local = timezone.localtime(now)
    if frequency == User.Digest.WEEKLY:
        year, week, _ = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{local:%Y-%m-%d}"


def recipients(frequency):
    """Active people who chose this frequency and are active members of a community, in id
    order. Their memberships are a semi-join (EXISTS): a join needs DISTINCT, and PostgreSQL
    planned it as a merge join reading the memberships from the first person on, most of
    the table for each keyset page of the job (1.5 s a page on 300,000 memberships, against
    10 ms)."""
    active_member = Membership.objects.filter(user=OuterRef("pk"), status=Membership.Status.ACTIVE)
    return (
        User.objects.filter(is_active=True, digest_frequency=frequency)
        .filter(Exists(active_member))
        .order_by("pk")
    )


# Each group's lines of the digest (a community's news), in HTML (escaped) and in text
# (nothing escaped), exactly as templates/emails/digest.html and digest.txt print them:
# written once per group and since for the whole batch, since most of a batch shares its
# communities and its period (the templates' loops over every item of every message took
# most of the time of a batch).
_GROUP_HTML = (
    '<p style="margin-bottom:4px;"><strong><a href="{link}" style="color:#005eb8;">{name}</a>'
    "</strong></p><ul>{items}</ul>"
)
_GROUP_TEXT = "{name}:\n{items}"
_MORE_HTML = '<p><a href="{link}" style="color:#005eb8;">and {more} more in {name}</a></p>'
_MORE_TEXT = "- and {more} more in {name}: {link}\n"
_MEETING_HTML = (
    '<li>New meeting: <a href="{link}" style="color:#005eb8;">{title}</a>, {starts}</li>'
)
_MEETING_TEXT = "- New meeting: {title}, {starts}: {link}\n"
_ITEM_HTML = '<li>{label}: <a href="{link}" style="color:#005eb8;">{title}</a></li>'
_ITEM_TEXT = "- {label}: {title}: {link}\n"
_ACTIVE_HTML = (
    '<li>Active: {replies} in <a href="{link}" style="color:#005eb8;">{title}</a>{reply_html}</li>'
)
_ACTIVE_TEXT = "- Active: {replies} in {title}: {link}\n{reply_text}"
_DISCUSSION_HTML = (
    '<li>{label}: <a href="{link}" style="color:#005eb8;">{title}</a>{reply_html}</li>'
)
_DISCUSSION_TEXT = "- {label}: {title}: {link}\n{reply_text}"
# A discussion's line carries the reader's own reply address, which only they may use: the
# shared line holds a mark in its place, and each person's lines get their address (_lines).
_REPLY_MARK = re.compile("\ue010(\\d+)\ue011")
_REPLY_HTML = ' (<a href="mailto:\ue010{pk}\ue011" style="color:#005eb8;">reply by e-mail</a>)'
_REPLY_TEXT = "  Reply by e-mail to \ue010{pk}\ue011\n"
_NO_MARKS = str.maketrans("", "", "\ue010\ue011")
# The notifications that can be answered by e-mail: their group's prefix → the handler.
_ANSWERABLE = {"discussion": "discussion", "conversation": "message"}
_LABELS = {
    "minutes": "Minutes",
    "discussion": "New discussion",
    "resource": "Resource",
    "story": "Story",
}
_LINK_NAMES = {
    "meeting": "meetings:detail",
    "minutes": "meetings:detail",
    "discussion": "discussions:detail",
    "active": "discussions:detail",
    "resource": "knowledge:resource",
    "story": "knowledge:story",
}


def _link_maker(name, marker="918273645"):
    """pk (or slug) -> the absolute address of the object: reversed once, then only the key
    changes."""
    return url_maker(name, prefix=settings.SITE_URL, marker=marker)


def _starts_label(starts_at, days):
    """dateformat's "D j M, H:i" of the local time, its day part formatted once per day
    (`days`): the same few days recur across a batch's meetings."""
    local = timezone.localtime(starts_at)
    day = local.date()
    if day not in days:
        days[day] = dateformat.format(day, "D j M")
    return f"{days[day]}, {local:%H:%M}"


def _prepare_groups(feeds):
    """Give each group of these feeds, once, its lines in the digest: `digest_html`
    (escaped by format_html) and `digest_text`; and each item its `link` (and meetings their
    `starts_label`)."""
    links = {kind: _link_maker(name, "918273645") for kind, name in _LINK_NAMES.items()}
    community_link = _link_maker("communities:detail", "slug-918273645")
    days = {}
    done_items, done_groups = set(), set()
    for feed in feeds:
        for group in feed["groups"]:
            if id(group) in done_groups:
                continue
            done_groups.add(id(group))
            html, text = [], []
            for item in group.items:
                if id(item) not in done_items:
                    done_items.add(id(item))
                    _prepare_item(item, links, days)
                html.append(item.digest_html)
                text.append(item.digest_text)
            name, link = group.community.name, community_link(group.community.slug)
            group.link = link
            more_html = more_text = ""
            if group.more:
                more_html = format_html(_MORE_HTML, link=link, more=group.more, name=name)
                more_text = _MORE_TEXT.format(link=link, more=group.more, name=name)
            group.digest_html = (
                format_html(_GROUP_HTML, link=link, name=name, items=_joined_html(html)) + more_html
            )
            group.digest_text = _GROUP_TEXT.format(name=name, items="".join(text)) + more_text


def _prepare_item(item, links, days):
    shown = item.meeting if item.kind == "minutes" else item
    item.link = links[item.kind](shown.pk)
    # (without the characters that mark where a reply address goes)
    parts = {"link": item.link, "title": shown.title.translate(_NO_MARKS)}
    if item.kind == "meeting":
        item.starts_label = parts["starts"] = _starts_label(item.starts_at, days)
        html, text = _MEETING_HTML, _MEETING_TEXT
    elif item.kind == "active":
        parts["replies"] = replies_label(item.replies)
        parts |= _reply_parts(shown.pk)
        html, text = _ACTIVE_HTML, _ACTIVE_TEXT
    elif item.kind == "discussion":
        parts["label"] = _LABELS[item.kind]
        parts |= _reply_parts(shown.pk)
        html, text = _DISCUSSION_HTML, _DISCUSSION_TEXT
    else:
        parts["label"] = _LABELS[item.kind]
        html, text = _ITEM_HTML, _ITEM_TEXT
    item.digest_html = format_html(html, **parts)
    item.digest_text = text.format(**parts)


def _reply_parts(pk):
    return {
        # A number in fixed markup.
        "reply_html": mark_safe(_REPLY_HTML.format(pk=pk)),  # noqa: S308  # nosec B308, B703
        "reply_text": _REPLY_TEXT.format(pk=pk),
    }


def _day_label(since, days):
    """The date filter's "j F" of `since` in local time, once per day (`days`): most of a
    batch shares one."""
    day = timezone.localtime(since).date()
    if day not in days:
        days[day] = dateformat.format(day, "j F")
    return days[day]


def _lines(feed, user):
    """One person's news, as the lines of its groups (the templates print them as they
    are), each discussion's with their own reply address: {"html_lines", "text_lines"}."""
    addresses = {}

    def address(match):
        pk = int(match.group(1))
        if pk not in addresses:
            addresses[pk] = reply_address(user=user, handler="discussion", object_id=pk)
        return addresses[pk]

    html = "".join(group.digest_html for group in feed["groups"])
    text = "\n".join(group.digest_text for group in feed["groups"])
    return {
        "html_lines": _joined_html([_REPLY_MARK.sub(address, html)]),
        "text_lines": _REPLY_MARK.sub(address, text),
    }


def _joined_html(lines):
    return mark_safe("".join(lines))  # noqa: S308  # nosec B308, B703  # each line from format_html


def subject_line(feed):
    """The digest's subject: the most important update, and how many more."""
    rest = feed["rest"]
    if not rest:
        return feed["headline"]
    return f"{feed['headline']} \N{EM DASH} and {rest} more update{'s' if rest > 1 else ''}"


# Notifications listed by name in one digest; the rest are counted, on the notifications page.
NOTIFICATIONS_SHOWN = 10


def waiting_notifications(user_ids):
    """{user id: [notification, ...]}, newest first: what these people chose to hear about
    in their digest and have neither had in one nor read since, in one query."""
    waiting = {}
    rows = Notification.objects.filter(
        recipient_id__in=list(user_ids),
        channel=DIGEST,
        digested_at__isnull=True,
        read_at__isnull=True,
    ).order_by("recipient_id", "-created_at", "-pk")
    for row in rows:
        waiting.setdefault(row.recipient_id, []).append(row)
    return waiting


def _notifications_part(rows, feed, user):
    """The digest's "Notifications" section of one person (a discussion's or a
    conversation's with their reply address), and its subject when the feed has no
    headline of its own."""
    for row in rows[:NOTIFICATIONS_SHOWN]:
        prefix, _, pk = row.group_key.partition(":")
        if prefix in _ANSWERABLE and pk.isdigit():
            row.reply_to = reply_address(user=user, handler=_ANSWERABLE[prefix], object_id=int(pk))
    part = {
        "notifications": rows[:NOTIFICATIONS_SHOWN],
        "notifications_more": max(len(rows) - NOTIFICATIONS_SHOWN, 0),
        "notification_ids": [row.pk for row in rows],
    }
    if rows and not feed["headline"]:
        part["subject_line"] = rows[0].text if len(rows) == 1 else f"{len(rows)} notifications"
    return part


def digest_messages(users, *, frequency, now):
    """The digests of one batch of people, as (outbox purpose, [(user, context), ...]),
    reading only: those who had this period's already, and those with nothing new and
    nothing needing them, are left out."""
    key = f"digest:{period_key(frequency, now)}"
    addresses = [u.email.lower() for u in users]
    # One read of these people's digests: whether this period's is queued already, and when
    # the last one was sent (the next covers what came since).
    history = list(
        EmailDelivery.objects.filter(to_address__in=addresses, purpose__startswith="digest:")
        .values("to_address")
        .annotate(
            this_period=Count("pk", filter=Q(purpose=key)),
            at=Max("sent_at", filter=Q(status=EmailDelivery.Status.SENT)),
        )
        .values_list("to_address", "this_period", "at")
    )
    done = {address for address, this_period, _ in history if this_period}
    last = {address: at for address, _, at in history if at}
    todo = [u for u in users if u.email.lower() not in done]
    since = {u.pk: last.get(u.email.lower()) or now - PERIOD[frequency] for u in todo}
    home_url = settings.SITE_URL + reverse("home")
    waiting = waiting_notifications(since)
    # Each group's lines are written once and shared by everyone in the batch who sees it,
    # with its times where the reader is: once per time zone of the batch (most batches
    # have one).
    messages = []
    for zone, people in by_zone(todo).items():
        with timezone.override(zone), replica_reads(caught_up=True):
            feeds = updates_for(people, since_by_user=since, now=now)
            _prepare_groups(feeds.values())
            days = {}
            messages += [
                (
                    user,
                    {
                        "feed": feeds[user.pk],
                        **_lines(feeds[user.pk], user),
                        "subject_line": subject_line(feeds[user.pk]),
                        "since": since[user.pk],
                        "since_label": _day_label(since[user.pk], days),
                        "frequency": frequency,
                        "home_url": home_url,
                        **_notifications_part(waiting.get(user.pk, []), feeds[user.pk], user),
                    },
                )
                for user in people
                if not feeds[user.pk]["is_empty"] or user.pk in waiting
            ]
    return key, messages


def digest_batch(users, *, frequency, now):
    """Queue the digests of one batch of people. Returns how many were queued."""
    key, messages = digest_messages(users, frequency=frequency, now=now)
    # Sent by this same task: one batch of the job, built and delivered while the other
    # workers build theirs (no queue of rendering tasks ahead of the sending ones).
    queued = email_queue_many(
        messages=messages, purpose=key, template="digest", preference="digest", deliver_here=True
    )
    # In the caller's transaction with the digests: had, once they are queued.
    digested = [pk for _, context in messages for pk in context["notification_ids"]]
    if digested:
        Notification.objects.filter(pk__in=digested).update(digested_at=now)
    return queued


def digest_batch_ids(*, frequency, ids, now):
    """digest_batch for these people (a batch, by id)."""
    users = list(User.objects.filter(pk__in=ids).order_by("pk"))
    return digest_batch(users, frequency=frequency, now=now)


def recipient_batches(frequency):
    """This period's recipients, as lists of at most DIGEST_BATCH_SIZE ids in id order
    (keyset pages)."""
    after, size = 0, settings.DIGEST_BATCH_SIZE
    while True:
        ids = list(recipients(frequency).filter(pk__gt=after).values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        after = ids[-1]


# --- the job and its record -----------------------------------------------------------------


def digest_run_plan(*, frequency, now):
    """This period's run, with its batches planned (every recipient's id, in the database)
    in one transaction: asking again while it runs returns it as it is; asking again once it
    is done plans it afresh, and the outbox keeps those who had theirs from a second."""
    period = period_key(frequency, now)
    with transaction.atomic():
        run, created = DigestRun.objects.select_for_update().get_or_create(
            period=period, defaults={"frequency": frequency, "started_at": now}
        )
        if created or run.state != DigestRun.State.BUILDING:
            run.batches.all().delete()
            DigestBatch.objects.bulk_create(
                DigestBatch(run=run, number=number, user_ids=ids)
                for number, ids in enumerate(recipient_batches(frequency), start=1)
            )
            run.state, run.started_at, run.finished_at = DigestRun.State.BUILDING, now, None
            run.save(update_fields=["state", "started_at", "finished_at"])
    return run


def digest_fan_out(*, frequency, now=None):
    """Plan this period's run (or find it) and publish a task for each of its batches left
    to build, so that every worker process takes part; a batch whose task cannot be
    published (broker down) is built here. Returns the number of batches published or built.
    A task lost after publishing (a broker restarted empty) is published again by the sweep
    (digest_resume) once EMAIL_HANDOVER_SECONDS have passed."""
    run = digest_run_plan(frequency=frequency, now=now or timezone.now())
    return _hand_out(run, run.batches.filter(_buildable()))


def digest_resume():
    """The periodic sweep of digest runs: publish again each batch left planned for longer
    than EMAIL_HANDOVER_SECONDS (its task was lost) or held by a worker whose lease passed
    (it died), and close each run whose batches are all built and whose digests have all
    left the outbox. Safe to run at any time, and twice. Returns the batches handed out."""
    handed = 0
    for run in DigestRun.objects.filter(state=DigestRun.State.BUILDING):
        stale = timezone.now() - timedelta(seconds=settings.EMAIL_HANDOVER_SECONDS)
        waiting = run.batches.filter(_buildable()).exclude(
            state=DigestBatch.State.PLANNED, published_at__gte=stale
        )
        handed += _hand_out(run, waiting)
        _close(run)
    return handed


def _buildable(*, mine=False):
    """Batches to build: planned, or held by a worker whose lease has passed (or, with
    `mine`, by this process, whose earlier attempt has ended: a task trying again)."""
    expired = timezone.now() - timedelta(seconds=settings.EMAIL_LEASE_SECONDS)
    held = (
        Q(claimed_at__lt=expired) | Q(claimed_by=worker_name())
        if mine
        else Q(claimed_at__lt=expired)
    )
    return Q(state=DigestBatch.State.PLANNED) | (Q(state=DigestBatch.State.BUILDING) & held)


def _hand_out(run, batches):
    ids = list(batches.order_by("number").values_list("pk", flat=True))
    DigestBatch.objects.filter(pk__in=ids).update(published_at=timezone.now())
    published = True
    for batch_id in ids:
        # Once the broker has refused one, the rest are built here without asking it.
        published = published and publish(send_digest_batch_task, batch_id)
        if not published:
            digest_batch_build(batch_id=batch_id)
    return len(ids)


def _claim(batch_id):
    """Take this batch to build, under a lease, if nobody holds it: True if taken."""
    return bool(
        DigestBatch.objects.filter(_buildable(mine=True), pk=batch_id).update(
            state=DigestBatch.State.BUILDING,
            claimed_at=timezone.now(),
            claimed_by=worker_name(),
            attempts=F("attempts") + 1,
        )
    )


def digest_batch_build(*, batch_id):
    """Build one batch of a run (if it is still to build and nobody holds it) and deliver
    it here. Its digests and the batch's new state are written in one transaction: a worker
    that dies while building leaves the batch to be built again, whole, once its lease has
    passed; one that dies while delivering leaves the rest in the outbox, for its sweep.
    Returns how many digests the batch queued."""
    if not _claim(batch_id):
        return 0
    batch = DigestBatch.objects.select_related("run").get(pk=batch_id)
    if batch.attempts > settings.EMAIL_MAX_ATTEMPTS:
        return _failed(batch, f"Not built after {batch.attempts - 1} attempts")
    run = batch.run
    try:
        with transaction.atomic():
            queued = digest_batch_ids(
                frequency=run.frequency, ids=batch.user_ids, now=run.started_at
            )
            DigestBatch.objects.filter(pk=batch_id).update(
                state=DigestBatch.State.BUILT, queued=queued, claimed_by="", last_error=""
            )
        # Committed, and delivered by the callback the outbox left on commit.
    except TRANSIENT_DB_ERRORS:
        raise  # the task tries again; if it cannot, the lease passes and the sweep does
    except Exception as exc:  # a fault of this batch's data or templates: staff must see it
        logger.exception("Digest batch %s of %s failed", batch.number, run.period)
        _failed(batch, f"{exc.__class__.__name__}: {exc}")
        raise
    DigestBatch.objects.filter(pk=batch_id, state=DigestBatch.State.BUILT).update(
        state=DigestBatch.State.DELIVERED
    )
    return queued


def _failed(batch, error):
    DigestBatch.objects.filter(pk=batch.pk).update(
        state=DigestBatch.State.FAILED, last_error=error[:2000], claimed_by=""
    )
    return 0


def _close(run):
    """Done once no batch is left to build and none of its digests is still to send."""
    batches = run.batches.all()
    if batches.filter(state__in=[DigestBatch.State.PLANNED, DigestBatch.State.BUILDING]).exists():
        return
    unsent = EmailDelivery.objects.filter(
        purpose=f"digest:{run.period}",
        status__in=[EmailDelivery.Status.PENDING, EmailDelivery.Status.SENDING],
    )
    if unsent.exists():
        return
    batches.filter(state=DigestBatch.State.BUILT).update(state=DigestBatch.State.DELIVERED)
    failed = batches.filter(state=DigestBatch.State.FAILED).exists()
    run.state = DigestRun.State.FAILED if failed else DigestRun.State.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "finished_at"])


def digest_progress(run):
    """{state: number of batches} of a run, for staff."""
    return dict(run.batches.values_list("state").annotate(n=Count("pk")).order_by())


def digest_batches_retry(*, batch_ids, actor):
    """Staff build failed batches again: planned, attempts from zero, their run reopened."""
    from core.services import audit_log

    with transaction.atomic():
        batches = DigestBatch.objects.filter(pk__in=list(batch_ids), state=DigestBatch.State.FAILED)
        chosen = list(batches.values_list("pk", flat=True))
        DigestBatch.objects.filter(pk__in=chosen).update(
            state=DigestBatch.State.PLANNED, attempts=0, published_at=None
        )
        DigestRun.objects.filter(batches__pk__in=chosen).update(
            state=DigestRun.State.BUILDING, finished_at=None
        )
        if chosen:
            audit_log(actor=actor, action="digest.retry", data={"batches": chosen})
    return len(chosen)


def digest_send(*, frequency, now=None, progress=None):
    """The period's run, every batch built here, one after another (for a shell, the
    send_digests command or a test). `progress(run=, done=, total=, queued=)` is called once
    the run is planned (done=0) and after each batch. Returns how many digests were
    queued."""
    run = digest_run_plan(frequency=frequency, now=now or timezone.now())
    ids = list(run.batches.filter(_buildable()).order_by("number").values_list("pk", flat=True))
    queued = 0
    if progress:
        progress(run=run, done=0, total=len(ids), queued=0)
    for done, batch_id in enumerate(ids, start=1):
        queued += digest_batch_build(batch_id=batch_id)
        if progress:
            progress(run=run, done=done, total=len(ids), queued=queued)
    _close(run)
    return queued


def digest_dry_run(*, frequency, now=None, progress=None):
    """What digest_send would do now, writing nothing: the same batches of recipients and
    the same digests built, none stored or sent. `progress(done=, people=, queued=)` after
    each batch. Returns (people, batches, digests it would queue)."""
    now = now or timezone.now()
    people = batches = queued = 0
    for ids in recipient_batches(frequency):
        users = list(User.objects.filter(pk__in=ids).order_by("pk"))
        _, messages = digest_messages(users, frequency=frequency, now=now)
        people, batches = people + len(ids), batches + 1
        queued += len(messages)  # recipients() has only active people who chose digests
        if progress:
            progress(done=batches, people=people, queued=queued)
    return people, batches, queued


# --- the job's tasks --------------------------------------------------------------------------------


def _job_task(name, **limits):
    """A task of the job under its name of before, dashboard.tasks.<name>. Each retries,
    with a growing pause, when the database or the broker is briefly away; the job's
    progress is in the database (DigestRun, DigestBatch), and the periodic
    resume_digests_task finishes whatever a task could not."""
    return shared_task(
        name=f"dashboard.tasks.{name}",
        acks_late=True,
        ignore_result=True,
        **limits,
        **RETRY_TRANSIENT,
    )


@_job_task("send_digests_task", time_limit=3600, soft_time_limit=3300)
def send_digests_task(frequency):
    """Plan this period's digests and queue a task per batch of people; safe to run twice
    or after a crash (each person gets one digest per period)."""
    return digest_fan_out(frequency=frequency)


@_job_task("send_digest_batch_task", time_limit=600, soft_time_limit=540)
def send_digest_batch_task(batch_id):
    """Build one batch of a digest run and deliver it (nothing if another worker has it)."""
    return digest_batch_build(batch_id=batch_id)


@_job_task("resume_digests_task")
def resume_digests_task():
    """The periodic sweep of digest runs: what a lost task or a dead worker left."""
    return digest_resume()
