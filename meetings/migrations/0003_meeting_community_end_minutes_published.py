"""Two indexes for reading what is coming and what is new:

- meetings by (community, ends_at): the next meetings of a person's communities (the
  member's home) are those not yet ended, read from this index for a handful of communities
  instead of from every meeting those communities ever held;
- minutes by published_at: the minutes published since a date (the home's feed and the
  digest) are a short range of it, instead of a scan of every minutes row.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0002_alter_meeting_kind"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["community", "ends_at"], name="meeting_community_end"),
        ),
        migrations.AddIndex(
            model_name="minutes",
            index=models.Index(fields=["published_at"], name="minutes_published"),
        ),
    ]
