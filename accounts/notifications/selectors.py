"""Reads of the notification centre: each person's channel for a kind, their unread count
(cached: the bell on every page), and their notifications grouped for the page."""

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber

from accounts.notifications.models import Notification, NotificationSetting
from accounts.notifications.registry import KINDS, kind_get
from core.http import url_maker

UNREAD_CACHE_SECONDS = 300
ROWS_PER_GROUP = 5


def channels_for(*, users, kind):
    """{user id: channel} for these people and one kind, in one query."""
    default = kind_get(kind).default
    ids = [u.pk for u in users]
    saved = dict(
        NotificationSetting.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "channel"
        )
    )
    return {pk: saved.get(pk, default) for pk in ids}


def channel_of(*, user, kind):
    """One person's channel for one kind. A caller that has just read it for many people
    (notify) leaves it on the user object, so drawing their e-mail reads nothing again."""
    known = getattr(user, "_notification_channels", None)
    if known and kind in known:
        return known[kind]
    return channels_for(users=[user], kind=kind)[user.pk]


def settings_of(*, user):
    """{kind key: channel} for every registered kind, saved or default."""
    saved = dict(
        NotificationSetting.objects.filter(user=user, kind__in=list(KINDS)).values_list(
            "kind", "channel"
        )
    )
    return {key: saved.get(key, kind.default) for key, kind in KINDS.items()}


def unread_cache_key(user_id):
    return f"notifications:unread:{user_id}"


def unread_count(*, user):
    """How many of this person's notifications are unread: one count query, none while
    the cache holds it (notify and marking read clear it)."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def notification_list(*, user):
    """This person's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notification_get(*, user, pk):
    """One of this person's notifications, or None (someone else's is not found either)."""
    return Notification.objects.filter(recipient=user, pk=pk).first()


def notification_groups(*, user):
    """This person's groups of notifications, the one with the newest row first: dicts of
    group_key, latest (when its newest row came), unread (how many are unread) and total
    (how many in all). A queryset, so the page can paginate it by groups."""
    return (
        Notification.objects.filter(recipient=user)
        .values("group_key")
        .annotate(
            latest=Max("created_at"),
            unread=Count("pk", filter=Q(read_at__isnull=True)),
            total=Count("pk"),
        )
        .order_by("-latest", "group_key")
    )


def notification_groups_filled(*, user, groups):
    """The groups given (from notification_groups), each with its newest rows (at most
    ROWS_PER_GROUP, newest first, each with `open_url`), how many more it holds, and its
    title (its newest row's), read in one query."""
    groups = [dict(group) for group in groups]
    by_key = {group["group_key"]: group for group in groups}
    for group in groups:
        group["rows"] = []
        group["more"] = group["total"] - min(group["total"], ROWS_PER_GROUP)
    rows = (
        Notification.objects.filter(recipient=user, group_key__in=list(by_key))
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("group_key")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(place__lte=ROWS_PER_GROUP)
        .order_by("-created_at", "-pk")
    )
    open_url = url_maker("accounts:notification_open")  # reversed once for the page
    for row in rows:
        group = by_key[row.group_key]
        if not group["rows"]:
            group["title"] = row.group_title
        row.open_url = open_url(row.pk)
        group["rows"].append(row)
    return groups
