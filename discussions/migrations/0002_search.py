"""Search of discussions: a stored vector on replies too, the vectors of what was written
before (PostgreSQL), and a GIN index on each (PostgreSQL only: SQLite searches plainly)."""

import django.contrib.postgres.search
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = {
    "discussions_discussion": "discussions_discussion_search_gin",
    "discussions_reply": "discussions_reply_search_gin",
}


def fill_and_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # As discussions.services.search_vectors_update, which a migration cannot import.
    apps.get_model("discussions", "Discussion").objects.update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english")
    )
    apps.get_model("discussions", "Reply").objects.update(
        search_vector=SearchVector("body", weight="B", config="english")
    )
    for table, index in INDEXES.items():
        # fastupdate off, as the library's: a pending list would make each search scan it.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
            "USING GIN (search_vector) WITH (fastupdate = off)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES.values():
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("discussions", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="reply",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.RunPython(fill_and_index, drop_indexes),
    ]
