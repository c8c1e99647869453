"""The bell in the header: the unread count, read only if a template draws it (and then
from the cache, or with one count query)."""

from functools import cache, partial

from accounts.notifications.selectors import unread_count


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A template calls a callable it is given: the count is read when first drawn, once.
    return {"notifications_unread": cache(partial(unread_count, user=user))}
