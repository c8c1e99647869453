from django.db import migrations

PROFESSIONS = [
    "Pharmacist",
    "Pharmacy technician",
    "General practitioner",
    "Hospital doctor",
    "Nurse",
    "Advanced nurse practitioner",
    "Midwife",
    "Paramedic",
    "Occupational therapist",
    "Physiotherapist",
    "Dietitian",
    "Speech and language therapist",
    "Healthcare assistant",
    "Care home manager",
    "Care worker",
    "Social worker",
    "Commissioner or manager",
    "Quality improvement or patient safety lead",
    "Researcher or academic",
    "Patient or carer representative",
    "Other",
]


def add(apps, schema_editor):
    Profession = apps.get_model("accounts", "Profession")
    for position, name in enumerate(PROFESSIONS):
        Profession.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
