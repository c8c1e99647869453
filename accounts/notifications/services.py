"""Writes of the notification centre: notify() stores what happened for each person
concerned and e-mails those who want it at once; a person marks notifications read and
chooses a channel for each kind."""

from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.notifications.models import Notification, NotificationSetting
from accounts.notifications.registry import (
    CHANNELS,
    IMMEDIATE,
    OFF,
    PREFERENCE_PREFIX,
    kind_get,
    kind_preference,
)
from accounts.notifications.selectors import channels_for, unread_cache_key
from accounts.outbox.delivery import email_queue_many
from core.services import audit_log


def _forget_unread(user_ids):
    """Clear the cached unread counts after the commit: cleared before, a page drawn in
    between would cache the count from before the change."""
    keys = [unread_cache_key(pk) for pk in user_ids]
    if keys:
        transaction.on_commit(partial(cache.delete_many, keys))


@transaction.atomic
def notify(
    *,
    recipients,
    kind,
    dedupe,
    group_key,
    group_title,
    text,
    url,
    actor=None,
    email_context=None,
    reply_to=None,
) -> int:
    """Tell these people about one event (`dedupe` names it: "reply:42"). Inactive people
    and the actor are skipped. Each person is told once per event, however often and however
    concurrently this is called: the rows go in with one insert that leaves out those that
    exist (a unique constraint), and only the rows this call stored are e-mailed. Returns how
    many it stored. `reply_to(person)`, if given, is the address their e-mail's replies
    go to."""
    kind_obj = kind_get(kind)
    people = {u.pk: u for u in recipients if u.is_active and (actor is None or u.pk != actor.pk)}
    if not people:
        return 0
    if kind_obj.email_template:
        channels = channels_for(users=people.values(), kind=kind)
    else:  # the centre only: neither e-mailed here nor gathered in the digest
        channels = dict.fromkeys(people, OFF)
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            dedupe=dedupe,
            group_key=group_key,
            group_title=group_title[:255],
            text=text[:500],
            url=url,
            actor=actor,
            channel=channels[pk],
            created_at=now,
        )
        for pk in people
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # Which of them this call stored: a row that existed keeps its own created_at (and a
    # concurrent call's insert waited for ours to commit, then left the row out).
    stored = dict(
        Notification.objects.filter(
            dedupe=dedupe, recipient_id__in=list(people), created_at=now
        ).values_list("recipient_id", "pk")
    )
    _forget_unread(stored)
    if kind_obj.email_template:
        _email_at_once(kind_obj, dedupe, people, channels, stored, rows, email_context, reply_to)
    return len(stored)


def _email_at_once(kind, dedupe, people, channels, stored, rows, email_context, reply_to):
    """One e-mail to each newly told person whose channel for the kind is "immediate",
    through the outbox, whose purpose (one per event) never lets it go twice."""
    by_recipient = {row.recipient_id: row for row in rows}
    messages = []
    for pk, notification_pk in stored.items():
        if channels[pk] != IMMEDIATE:
            continue
        person = people[pk]
        # The outbox asks the preference whether to send: it need not read it again.
        person.__dict__.setdefault("_notification_channels", {})[kind.key] = channels[pk]
        notification = by_recipient[pk]
        notification.pk = notification_pk
        messages.append((person, {**(email_context or {}), "notification": notification}))
    if messages:
        email_queue_many(
            messages=messages,
            purpose=f"{PREFERENCE_PREFIX}{dedupe}",
            template=kind.email_template,
            preference=kind_preference(kind.key),
            reply_to=reply_to,
        )


@transaction.atomic
def notification_mark_read(*, user, notifications=None, group_key=None):
    """Mark read this person's unread notifications: those given (a queryset or ids), those
    of one group, or (neither given) all of them. Returns how many changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notifications is not None:
        rows = rows.filter(pk__in=notifications)
    if group_key is not None:
        rows = rows.filter(group_key=group_key)
    changed = rows.update(read_at=timezone.now())
    if changed:
        _forget_unread([user.pk])
    return changed


@transaction.atomic
@transaction.atomic
def notifications_withdraw(*, group_key=None, dedupes=()):
    """Take back the notifications about something no longer shown (a hidden discussion:
    its whole group; a hidden reply: its events), so that neither the centre nor the next
    digest names it. E-mails already sent stay sent. Returns how many went."""
    about = Notification.objects.none()
    if group_key:
        about = about | Notification.objects.filter(group_key=group_key)
    if dedupes:
        about = about | Notification.objects.filter(dedupe__in=list(dedupes))
    people = set(about.filter(read_at__isnull=True).values_list("recipient_id", flat=True))
    withdrawn = Notification.objects.filter(pk__in=about.values("pk")).delete()[0]
    _forget_unread(people)
    return withdrawn


def notification_settings_update(*, user, actor, channels):
    """Save this person's channel for each kind given ({kind key: channel})."""
    for key, channel in channels.items():
        kind_get(key)
        if channel not in CHANNELS:
            raise ValueError(f"Not a channel: {channel!r}")
        NotificationSetting.objects.update_or_create(
            user=user, kind=key, defaults={"channel": channel}
        )
    audit_log(
        actor=actor,
        action="notifications.settings",
        target=user,
        data=dict(sorted(channels.items())),
    )


@transaction.atomic
def notification_kind_off(*, user, kind):
    """Switch one kind off for one person (a one-click unsubscribe). Returns whether it
    changed; the caller writes the audit entry."""
    default = kind_get(kind).default
    setting = NotificationSetting.objects.select_for_update().filter(user=user, kind=kind).first()
    current = setting.channel if setting else default
    if current == OFF:
        return False
    NotificationSetting.objects.update_or_create(user=user, kind=kind, defaults={"channel": OFF})
    return True
