"""Many outbox rows stored at once (a meeting's reminders, a digest batch, a notice to a
community), each only if no row for its (address, purpose) exists already: the outbox's
once-only key (EmailDelivery's email_delivery_once).

On PostgreSQL the rows are copied (COPY) into a temporary table and inserted from it with
one INSERT ... ON CONFLICT DO NOTHING RETURNING, which also says which rows were new. A
multi-row INSERT of the same rows sends each value as a literal that psycopg, binding on
the client, escapes in Python, and that the server then parses: for a reminder scan's 3,600
messages (1,500 characters of HTML each) 0.55 s of CPU here and 3.7 s in all, against
0.05 s and 0.6 s through COPY. Elsewhere (SQLite) Django's bulk_create, and one read back.
"""

import json

from django.db import connections, models, router, transaction
from django.utils import timezone

from accounts.models import EmailDelivery


def rows_store(rows):
    """Store these unsaved EmailDelivery rows, leaving out any whose (address, purpose) is
    in the outbox already, in one transaction. Returns {(address, purpose): id} of the
    rows this call stored."""
    wanted = {(row.to_address, row.purpose) for row in rows}
    with transaction.atomic():
        # Asked of the router inside the transaction, as a save would: the replica router
        # (core.replicas) then knows that this request or task wrote, and that the write is
        # not committed yet, and reads what follows from the primary.
        using = router.db_for_write(EmailDelivery)
        if connections[using].vendor == "postgresql":
            stored = _copied(rows, connections[using])
        else:
            stored = _inserted(rows, using)
    return {
        (address, purpose): pk for pk, address, purpose in stored if (address, purpose) in wanted
    }


def _inserted(rows, using):
    started = timezone.now()
    EmailDelivery.objects.using(using).bulk_create(rows, ignore_conflicts=True, batch_size=500)
    # The rows this call stored: those that existed already are older, or not pending.
    return (
        EmailDelivery.objects.using(using)
        .filter(
            purpose__in={row.purpose for row in rows},
            to_address__in={row.to_address for row in rows},
            created_at__gte=started,
            status=EmailDelivery.Status.PENDING,
        )
        .values_list("pk", "to_address", "purpose")
    )


def _copied(rows, connection):
    quote = connection.ops.quote_name
    meta = EmailDelivery._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    json_fields = {field.attname for field in fields if isinstance(field, models.JSONField)}
    table, staging = quote(meta.db_table), quote("outbox_incoming")
    columns = ", ".join(quote(field.column) for field in fields)
    returning = ", ".join(
        quote(meta.get_field(name).column) for name in ("id", "to_address", "purpose")
    )
    now = timezone.now()
    for row in rows:
        row.created_at = now  # auto_now_add, as an insert through the model would set it
    # Our table's and columns' names only; the values go through COPY.
    create = f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608  # nosec B608
    insert = (
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608  # nosec B608
        f"ON CONFLICT DO NOTHING RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(create)
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = [getattr(row, field.attname) for field in fields]
                copy.write_row(
                    [
                        json.dumps(value) if field.attname in json_fields else value
                        for field, value in zip(fields, values, strict=True)
                    ]
                )
        cursor.execute(insert)
        stored = cursor.fetchall()
        # Dropped now, not at the commit: the caller's transaction may store more rows.
        cursor.execute(f"DROP TABLE {staging}")
    return stored
