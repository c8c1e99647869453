"""Small queryset helpers shared by the apps' selectors."""

from datetime import UTC, datetime

from django.db import connection
from django.db.models import FloatField, Func


class EpochSeconds(Func):
    """A time (with its time zone) as seconds since 1970 in UTC, a float, on PostgreSQL:
    exact to the microsecond until the year 2242, so `from_epoch` makes the same time again.
    Django reads a time through a loader written in Python, about ten times the cost of a
    float: for reads of thousands of times (a digest batch's replies, a search's matches)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()


def read_as_seconds(expression):
    """A time to read many of: as EpochSeconds on PostgreSQL, elsewhere as it is. Give what
    is read to from_epoch."""
    return EpochSeconds(expression) if connection.vendor == "postgresql" else expression


def from_epoch(value):
    """The time of a value read_as_seconds gave (a time read as it is, left as it is)."""
    return datetime.fromtimestamp(value, UTC) if isinstance(value, float) else value


def filtered(qs, **lookups):
    """`qs` narrowed by each lookup that was given (a filter left empty is not applied).
    One `.filter()` a lookup, as written by hand: on a relation with many rows each one may
    match a different row."""
    for lookup, value in lookups.items():
        if value:
            qs = qs.filter(**{lookup: value})
    return qs
