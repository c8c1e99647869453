"""Sessions: the database is the record, and a copy in the shared cache (Redis) saves reading
it on every request (SESSION_ENGINE when REDIS_URL is set; see the settings).

Django's cached_db store: every save and every sign-out writes the database first, then the
cache; a read that misses the cache (or finds Redis down) reads the database. What it adds:
each copy lives at most SESSION_CACHE_SECONDS. While Redis is unreachable, a sign-out
deletes the session's row, but not the copy Redis held from before; had Redis kept it, that
copy would be served again once Redis answers. Its short life bounds that: a sign-out made
during an outage is in force everywhere at most SESSION_CACHE_SECONDS after it was made (at
once when Redis comes back empty, as it does after a restart), and nobody is signed out by
the outage itself.
"""

from django.conf import settings
from django.contrib.sessions.backends import cached_db


class _ShortLived:
    """The session cache, with every copy kept at most SESSION_CACHE_SECONDS."""

    def __init__(self, cache):
        self._cache = cache

    def _timeout(self, timeout):
        return max(0, min(timeout, settings.SESSION_CACHE_SECONDS))

    def set(self, key, value, timeout):
        return self._cache.set(key, value, self._timeout(timeout))

    async def aset(self, key, value, timeout):
        return await self._cache.aset(key, value, self._timeout(timeout))

    def __contains__(self, key):
        return key in self._cache

    def __getattr__(self, name):
        return getattr(self._cache, name)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _ShortLived(self._cache)
