"""Writing rows fast: one bulk statement per table."""

import contextlib
import functools
import itertools
from datetime import UTC, datetime

from django.core.management.color import no_style


class Loader:
    """Bulk writes, one statement per table: COPY on PostgreSQL, executemany elsewhere.

    Columns are attnames; every other concrete field gets its default (auto_now fields
    get `now`), so a new field with a default does not break the seeding.
    """

    def __init__(self, connection, now, batch_size=5_000):
        self.connection = connection
        self.now = now
        self.batch_size = batch_size
        self.postgres = connection.vendor == "postgresql"
        self.explicit_ids = set()

    def next_id(self, model):
        table, pk = model._meta.db_table, model._meta.pk.column
        qn = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            # Names from the model's metadata, quoted: nothing here comes from outside.
            cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")  # noqa: S608  # nosec B608
            (highest,) = cursor.fetchone()
        self.explicit_ids.add(model)
        return (highest or 0) + 1

    def _extras(self, model, columns):
        given = set(columns)
        extras = []
        for field in model._meta.concrete_fields:
            if field.attname in given or field.primary_key:
                continue
            if field.has_default():
                if callable(field.default) and field.unique:
                    raise ValueError(f"seed_scale must set {model.__name__}.{field.name}")
                value = field.get_default()
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            elif field.null:
                value = None
            elif field.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(f"seed_scale must set {model.__name__}.{field.name}")
            extras.append((field, value))
        return extras

    def insert(self, model, columns, rows):
        """Write the rows (tuples in the order of columns); returns how many."""
        opts = model._meta
        given = [opts.get_field(name) for name in columns]
        extras = self._extras(model, columns)
        qn = self.connection.ops.quote_name
        names = ", ".join(qn(f.column) for f in given + [f for f, _ in extras])
        tail = tuple(f.get_db_prep_save(v, self.connection) for f, v in extras)
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                rows = self._json_adapted(given, rows)
                with cursor.copy(f"COPY {qn(opts.db_table)} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    if tail:
                        for row in rows:
                            write(row + tail)
                            count += 1
                    else:
                        for row in rows:
                            write(row)
                            count += 1
                return count
            marks = ", ".join(["%s"] * (len(given) + len(extras)))
            sql = f"INSERT INTO {qn(opts.db_table)} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608  # quoted model metadata; values are parameters
            prep = [
                functools.partial(f.get_db_prep_save, connection=self.connection) for f in given
            ]
            rows = iter(rows)
            while batch := list(itertools.islice(rows, self.batch_size)):
                cursor.executemany(
                    sql,
                    [tuple(p(v) for p, v in zip(prep, row, strict=True)) + tail for row in batch],
                )
                count += len(batch)
        return count

    def _json_adapted(self, given, rows):
        """COPY takes most values as they are; a JSON column's (a list, a dict) goes through
        its field, which wraps it for psycopg."""
        json = [i for i, f in enumerate(given) if f.get_internal_type() == "JSONField"]
        if not json:
            return rows
        fields = {i: given[i] for i in json}

        def adapt(row):
            row = list(row)
            for i, f in fields.items():
                row[i] = f.get_db_prep_save(row[i], self.connection)
            return tuple(row)

        return (adapt(row) for row in rows)

    def reset_sequences(self):
        """Explicit ids were written: move the id sequences past them (PostgreSQL)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(self.explicit_ids))
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def as_utc(ts):
    """A timestamp (seconds) as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


@contextlib.contextmanager
def search_indexes_rebuilt(connection, models):
    """Around filling the search vectors of these models' rows in bulk: their GIN indexes
    on the vector are dropped first and built again after, in one pass each, from their
    own stored definitions. They are kept with fastupdate off, so keeping them up to date
    row by row would cost more than the UPDATE itself. Yields how many were rebuilt.

    Between the two, each table is written again in the order of its key (CLUSTER): a
    live table holds its rows in the order they were written, each with its vector, where
    the bulk UPDATE left every row's new copy in the order of its hash join (a week's
    replies spread over the whole table) and the old copies as dead space."""
    qn = connection.ops.quote_name
    indexes = []
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s AND indexdef ILIKE %s",
                [model._meta.db_table, "%USING gin%search_vector%"],
            )
            indexes += cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield len(indexes)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT indexrelid::regclass::text FROM pg_index "
                "WHERE indrelid = %s::regclass AND indisprimary",
                [table],
            )
            (key,) = cursor.fetchone()
            cursor.execute(f"CLUSTER {qn(table)} USING {qn(key)}")
        for _, definition in indexes:
            cursor.execute(definition)
