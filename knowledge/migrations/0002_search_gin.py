"""The GIN index on the weighted search vector: PostgreSQL only (SQLite searches plainly)."""

from django.db import migrations

INDEX = "knowledge_resource_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # fastupdate off: resources are written rarely and searched often; a pending list
        # would make each search scan it, and makes the planner shy of the index.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON knowledge_resource "
            "USING GIN (search_vector) WITH (fastupdate = off)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
