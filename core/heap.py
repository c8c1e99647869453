"""How the server's processes collect their garbage.

A page makes tens of thousands of objects, many of them in reference cycles (querysets and
their models, template contexts, the request and its response), that die when it is
answered. With CPython's default first threshold (a young collection every 700 new
objects), a page runs dozens of young collections while those objects are still alive:
they are promoted, and only a full collection frees them, which walks every object of the
process. Measured on the library's search (full benchmark data, 60 requests in one
process): full collections of 15, 37 and 63 ms fell in the middle of three requests, the
slowest 102 ms against a median of 30 ms. With a young collection every 10,000 new objects
a page's garbage mostly dies young: no full collection in the same 60 requests, the slowest
36 ms, the median unchanged. The later thresholds stay CPython's.

The web processes (wsgi.py, asgi.py) and the Celery worker (celery.py, as it starts, before
its pool forks) call tune() once.
"""

import gc

YOUNG_THRESHOLD = 10_000


def tune():
    """Set the first collection threshold of this process to YOUNG_THRESHOLD."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
