"""Files attached to messages (core.attachments)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("member_messages", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="MessageAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("file", models.FileField(max_length=300, upload_to="")),
                ("original_name", models.CharField(max_length=200)),
                ("content_type", models.CharField(max_length=120)),
                ("size", models.PositiveBigIntegerField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="member_messages.message",
                    ),
                ),
            ],
            options={"ordering": ["pk"], "abstract": False},
        ),
    ]
