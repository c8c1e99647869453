"""Switch back on the e-mails that the preferences form switched off by mistake.

Until this release, "Change your e-mail preferences" drew only the digest and the meeting
reminders with their saved values: the four other boxes were always unticked, so every save
turned off new-meeting notices, minutes, resource notices and join notices, whatever the
person meant. Every save is in the audit log ("preferences.update", by the person, with every
value the form posted), so the people affected can be told apart: those whose last save wrote
all four as off (a save that ticked any of them was made knowing the form, and is kept; an
unsubscribe link cannot come later, since an e-mail that is off sends none). Their four
switches go back on. Someone who really wanted all four off cannot be told apart from the
others (the form gave them no way to say so): they get them again, and can switch them off
now that the form shows what is saved. Each repair leaves an audit entry ("preferences.repair").
"""

from django.db import migrations

# The four switches the form did not draw.
DROPPED = ["meeting_announcements", "minutes_emails", "resource_notices", "membership_notices"]


def repair(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    user_type = ContentType.objects.filter(app_label="accounts", model="user").first()
    if user_type is None:
        return  # a new database: nobody has saved the form
    saves = AuditEntry.objects.filter(action="preferences.update", target_type=user_type).order_by(
        "target_id", "-created_at", "-pk"
    )
    last_save = {}
    for entry in saves.iterator():
        if entry.actor_id is not None and str(entry.actor_id) == entry.target_id:
            last_save.setdefault(entry.target_id, entry)
    for target_id, entry in last_save.items():
        # The form's signature: every box it did not draw posted as off. Someone who ticked
        # one of them saw the form for what it was, and left the others off by choice.
        dropped = [f for f in DROPPED if f in entry.data]
        if not dropped or any(entry.data[f] is not False for f in dropped):
            continue
        user = User.objects.filter(pk=int(target_id)).first()
        if user is None:
            continue
        changed = [f for f in dropped if getattr(user, f) is False]
        if not changed:
            continue
        User.objects.filter(pk=user.pk).update(**dict.fromkeys(changed, True))
        AuditEntry.objects.create(
            actor=None,
            action="preferences.repair",
            target_type=user_type,
            target_id=target_id,
            data=dict.fromkeys(changed, True),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_outbox_lease"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
