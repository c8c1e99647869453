"""Read notifications go after READ_NOTIFICATIONS days; unread ones stay, and the sweep can
run twice."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Notification, RetentionSweep
from accounts.retention import retention_apply
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_old_read_notifications_are_deleted_and_nothing_else():
    person = UserFactory()
    days = settings.PERSONAL_DATA_RETENTION_DAYS["read_notifications"]
    assert days == 180
    now = timezone.now()
    old, recent = now - timedelta(days=days + 1), now - timedelta(days=days - 1)

    def row(created_at, read_at):
        return NotificationFactory(recipient=person, created_at=created_at, read_at=read_at)

    row(old, old)  # old and read: goes
    kept = [row(old, None), row(recent, recent), row(recent, None)]
    for _ in range(2):
        retention_apply()
    assert list(Notification.objects.order_by("pk")) == kept
    assert RetentionSweep.objects.get(rule="read_notifications").cleared_total == 1
