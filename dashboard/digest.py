"""The digest e-mail: the home feed over the period since the person's last digest.

Recipients are taken in batches, each built with a fixed number of queries. Each person
gets at most one digest per period (the outbox's purpose key is the period), so the job
can run twice, or again after a worker died mid-batch, and carries on where it stopped.
Nothing new, no e-mail."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.mail import email_queue_many
from accounts.models import EmailDelivery, User, by_zone
from communities.models import Membership
from cop_platform.celery import publish
from dashboard.feed import feed_for

# People per task. A batch reads every new item of its people's communities, and a few
# hundred people already span most communities of a large network: that read, and writing
# each item's lines, cost the same for 200 people as for 1,000, so larger batches share them
# more widely. Each is delivered EMAIL_BATCH_SIZE to a connection by the task that built it.
BATCH = 1000
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


# Each item's line of the digest, in HTML (escaped) and in text (nothing escaped), exactly as
# templates/emails/digest.html and digest.txt print them: written once per item for the
# whole batch, since the same meeting or resource is in many people's digests (the
# templates' loops over every item of every message took most of the time of a batch).
_MEETING_HTML = (
    '<li><a href="{link}" style="color:#005eb8;">{title}</a> ({community}), {starts}</li>'
)
_MEETING_TEXT = "- {title} ({community}), {starts}: {link}\n"
_ITEM_HTML = '<li><a href="{link}" style="color:#005eb8;">{title}</a> ({community})</li>'
_ITEM_TEXT = "- {title} ({community}): {link}\n"
_LINK_NAMES = {
    "meetings": "meetings:detail",
    "minutes": "meetings:detail",
    "resources": "knowledge:resource",
    "stories": "knowledge:story",
}


def _link_maker(name):
    """pk -> the absolute address of the object: reversed once, then only the pk changes."""
    marker = "918273645"
    head, found, tail = reverse(name, args=[int(marker)]).partition(marker)
    if not found or marker in tail:  # a route this shortcut cannot follow: reverse each time
        return lambda pk: settings.SITE_URL + reverse(name, args=[pk])
    head = settings.SITE_URL + head
    return lambda pk: f"{head}{pk}{tail}"


def _starts_label(starts_at, days):
    """dateformat's "D j M, H:i" of the local time, its day part formatted once per day
    (`days`): the same few days recur across a batch's meetings."""
    local = timezone.localtime(starts_at)
    day = local.date()
    if day not in days:
        days[day] = dateformat.format(day, "D j M")
    return f"{days[day]}, {local:%H:%M}"


def _prepare_items(feeds):
    """Give each item of these feeds, once, its address and its lines in the digest:
    `link`, `digest_html` (escaped by format_html), `digest_text` (and meetings
    `starts_label`)."""
    links = {kind: _link_maker(name) for kind, name in _LINK_NAMES.items()}
    days = {}
    done = set()
    for feed in feeds:
        for kind in ("meetings", "minutes", "resources", "stories"):
            for item in feed[kind]:
                if (kind, item.pk) in done:
                    continue
                done.add((kind, item.pk))
                shown = item.meeting if kind == "minutes" else item
                item.link = links[kind](shown.pk)
                parts = {"link": item.link, "title": shown.title, "community": shown.community.name}
                if kind == "meetings":
                    item.starts_label = parts["starts"] = _starts_label(item.starts_at, days)
                    html, text = _MEETING_HTML, _MEETING_TEXT
                else:
                    html, text = _ITEM_HTML, _ITEM_TEXT
                item.digest_html = format_html(html, **parts)
                item.digest_text = text.format(**parts)


def _day_label(since, days):
    """The date filter's "j F" of `since` in local time, once per day (`days`): most of a
    batch shares one."""
    day = timezone.localtime(since).date()
    if day not in days:
        days[day] = dateformat.format(day, "j F")
    return days[day]


def _lines(feed):
    """One person's lists, each as the lines of its items (the templates print them as they
    are): {"html_lines": {"meetings": ..., ...}, "text_lines": {...}}."""
    kinds = ("meetings", "minutes", "resources", "stories")
    return {
        "html_lines": {
            kind: _joined_html(item.digest_html for item in feed[kind]) for kind in kinds
        },
        "text_lines": {kind: "".join(item.digest_text for item in feed[kind]) for kind in kinds},
    }


def _joined_html(lines):
    return mark_safe("".join(lines))  # noqa: S308  # nosec B308, B703  # each line from format_html


def digest_batch(users, *, frequency, now):
    """Queue the digests of one batch of people. Returns how many were queued."""
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
    # Each item's lines are written once and shared by everyone in the batch who sees it,
    # with its times where the reader is: once per time zone of the batch (most batches
    # have one).
    messages = []
    for zone, people in by_zone(todo).items():
        with timezone.override(zone):
            feeds = feed_for(people, since_by_user=since, until=now)
            _prepare_items(feeds.values())
            days = {}
            messages += [
                (
                    user,
                    {
                        "feed": feeds[user.pk],
                        **_lines(feeds[user.pk]),
                        "since": since[user.pk],
                        "since_label": _day_label(since[user.pk], days),
                        "frequency": frequency,
                        "home_url": home_url,
                    },
                )
                for user in people
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
