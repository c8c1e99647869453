"""Signing in reads the unread count once, into the cache: the bell on the pages that
follow costs nothing until a notification comes or is read."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.notifications.selectors import unread_count


@receiver(user_logged_in, dispatch_uid="notifications-unread-at-sign-in")
def unread_count_at_sign_in(sender, user, **kwargs):
    unread_count(user=user)
