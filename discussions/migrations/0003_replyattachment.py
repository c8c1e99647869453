"""Files attached to replies (core.attachments)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("discussions", "0002_search")]

    operations = [
        migrations.CreateModel(
            name="ReplyAttachment",
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
                    "reply",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="discussions.reply",
                    ),
                ),
            ],
            options={"ordering": ["pk"], "abstract": False},
        ),
    ]
