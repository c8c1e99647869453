"""Organisations wait for staff: a status, "confirmed" for every organisation already listed
(the default fills the existing rows), "pending" for a name someone types from now on."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_retention_sweep"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="status",
            field=models.CharField(
                choices=[("confirmed", "Confirmed"), ("pending", "Waiting for confirmation")],
                default="confirmed",
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["status", "name"], name="organisation_status"),
        ),
    ]
