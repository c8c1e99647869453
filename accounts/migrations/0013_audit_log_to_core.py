"""The audit log now belongs to core (core.0001 takes the same table): accounts stops
recording it, and the content type follows, so admin history and permissions stay attached."""

from django.db import migrations


def content_type_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="auditentry").exists():
        ContentType.objects.filter(app_label="accounts", model="auditentry").update(
            app_label="core"
        )


def content_type_to_accounts(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="accounts", model="auditentry").exists():
        ContentType.objects.filter(app_label="core", model="auditentry").update(
            app_label="accounts"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_organisation_status"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(content_type_to_core, content_type_to_accounts),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("AuditEntry")]
        ),
    ]
