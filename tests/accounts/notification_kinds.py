"""Kinds of notification for the tests (the `kinds` fixture registers them for one test)."""

from accounts.notifications.registry import NotificationKind

CHATTY = NotificationKind("test_chatty", "Something chatty happens", "notification")
QUIET = NotificationKind("test_quiet", "Something quiet happens", "notification", default="digest")
CENTRE_ONLY = NotificationKind("test_centre", "Something shown here only", None)
