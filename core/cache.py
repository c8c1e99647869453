"""The Redis cache backend, for a site that keeps answering when Redis is down.

django-redis with IGNORE_EXCEPTIONS already turns a failed get into a miss and a failed set
or delete into nothing. A failed `add` it answers with None, "someone else holds this key",
and `add` is how the guards we rely on take a key first: allauth's rate-limit lock (sign-in,
sign-up, password reset), its one-use guard on TOTP codes and OpenID Connect tokens, and
django-ratelimit's counters. Refused, each of those would turn every sign-in or password
reset away while Redis is down (a 429, or a valid code refused). Here a failed `add`
succeeds instead: the guards fail open for the length of the outage, as RATELIMIT_FAIL_OPEN
does for our own rate limits, and the site answers.
"""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis.cache import RedisCache as _RedisCache
from django_redis.exceptions import ConnectionInterrupted


class RedisCache(_RedisCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, client=None):
        try:
            return self.client.add(key, value, timeout=timeout, version=version, client=client)
        except ConnectionInterrupted as exc:
            if not self._ignore_exceptions:
                raise exc.__cause__ from None
            if self._log_ignored_exceptions:
                self.logger.exception("Exception ignored")
            return True
