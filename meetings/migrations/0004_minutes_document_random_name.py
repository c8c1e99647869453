"""Minutes documents are stored under random names from now on.

Documents stored before keep their paths (minutes/<the person's file name>): the download
reads the path from the row, so they keep working, and replacing or removing one deletes
it like any other. Their download names are sanitised here as new ones are.
"""

from pathlib import PurePath

from django.core.exceptions import SuspiciousFileOperation
from django.db import migrations, models
from django.utils.text import get_valid_filename

import meetings.models


def _download_name(name, fallback_extension):
    # A frozen copy of core.uploads.download_name: the extension is the one the
    # name has (the form accepted only a .pdf or .docx whose content matched it).
    path = PurePath((name or "").replace("\\", "/"))
    extension = path.suffix.lower().lstrip(".") or fallback_extension
    try:
        safe = get_valid_filename(path.stem)
    except SuspiciousFileOperation:
        safe = ""
    safe = safe.lstrip(".")[:120] or "file"
    return f"{safe}.{extension}"


def sanitise_document_names(apps, schema_editor):
    Minutes = apps.get_model("meetings", "Minutes")
    for minutes in Minutes.objects.exclude(document="").only("pk", "document", "document_name"):
        stored_extension = PurePath(minutes.document.name).suffix.lower().lstrip(".")
        name = _download_name(
            minutes.document_name or PurePath(minutes.document.name).name,
            stored_extension or "pdf",
        )
        if name != minutes.document_name:
            Minutes.objects.filter(pk=minutes.pk).update(document_name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_meeting_community_end_minutes_published"),
    ]

    operations = [
        migrations.AlterField(
            model_name="minutes",
            name="document",
            field=models.FileField(blank=True, upload_to=meetings.models.minutes_document_path),
        ),
        migrations.AlterField(
            model_name="minutes",
            name="document_name",
            field=models.CharField(
                blank=True,
                help_text="The uploaded file's own name, sanitised: shown and offered as the "
                "download name only (the file is stored under a random name).",
                max_length=255,
            ),
        ),
        migrations.RunPython(sanitise_document_names, migrations.RunPython.noop),
    ]
