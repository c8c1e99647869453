"""A named survey may let each person answer anonymously; answers get random ids.

An answer's id counted up: listed by id, the answers of an anonymous survey came in the order
they were sent, which the times people opened their invitation could match. The answers are
copied, in no particular order, into a table with random ids (nothing points at an answer)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


FIELDS = ("response_id", "question_id", "not_applicable", "choices", "value", "text")


def copy_answers(apps, schema_editor):
    before = apps.get_model("evaluation", "Answer")
    after = apps.get_model("evaluation", "AnswerCopy")
    rows = before.objects.order_by("?").values(*FIELDS).iterator()
    after.objects.bulk_create((after(id=uuid.uuid4(), **row) for row in rows), batch_size=1000)


def copy_back(apps, schema_editor):
    before = apps.get_model("evaluation", "Answer")
    after = apps.get_model("evaluation", "AnswerCopy")
    rows = after.objects.values(*FIELDS).iterator()
    before.objects.bulk_create((before(**row) for row in rows), batch_size=1000)


def _answer_fields(related_name):
    return [
        (
            "id",
            models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
        ),
        ("not_applicable", models.BooleanField(default=False)),
        ("choices", models.JSONField(blank=True, default=list)),
        ("value", models.PositiveSmallIntegerField(blank=True, null=True)),
        ("text", models.TextField(blank=True)),
        ("response", _to("response", related_name)),
        ("question", _to("question", related_name)),
    ]


def _to(model, related_name):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to=f"evaluation.{model}",
    )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_value")]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="may_answer_anonymously",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="survey",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("anonymous", True), ("may_answer_anonymously", True), _negated=True
                ),
                name="survey_anonymous_or_choice",
            ),
        ),
        # A new table, filled, then in the old one's place: renaming the old table first
        # would leave its constraints' names (PostgreSQL's "evaluation_answer_pkey") taken.
        migrations.CreateModel(name="AnswerCopy", fields=_answer_fields("+")),
        migrations.RunPython(copy_answers, copy_back),
        migrations.DeleteModel("Answer"),
        migrations.RenameModel("AnswerCopy", "Answer"),
        migrations.AlterField("answer", "response", _to("response", "answers")),
        migrations.AlterField("answer", "question", _to("question", "answers")),
    ]
