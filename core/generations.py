"""Generation counters: a cached value's key carries the current generation of what it was
computed from (a network, say), and a change moves the generation on, so the next read
computes afresh and the old entries age out. Nothing is deleted, and a counter lost with
the cache (evicted, Redis restarted) starts again at a value no key has used since."""

from django.core.cache import cache


def _key(prefix, object_id):
    return f"{prefix}:generation:{object_id}"


def moved_on(prefix, object_ids):
    """Move the generation of each of these objects on (None is left out)."""
    for object_id in {o for o in object_ids if o is not None}:
        key = _key(prefix, object_id)
        try:
            cache.incr(key)
        except ValueError:  # not in the cache yet (or evicted): any new value will do
            cache.set(key, 1, None)


def current(prefix, object_ids):
    """[(object id, its current generation), ...] in the order of `object_ids`."""
    found = cache.get_many([_key(prefix, o) for o in object_ids])
    return [(o, found.get(_key(prefix, o), 0)) for o in object_ids]


def receiver_moving_on(changed, ids_of):
    """A post_save or post_delete receiver: changed(ids_of(instance)), unless the row comes
    from a fixture being loaded (raw)."""

    def receiver(sender, instance, raw=False, **kwargs):
        if not raw:
            changed(ids_of(instance))

    return receiver
