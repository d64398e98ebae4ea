"""Reminders of the PCC's response deadline (publication + 56 days) for force managers."""

from django.db import migrations

RULES = [
    # name, anchor, offset, audience, repeat, mandatory
    ("PCC response due in 14 days", "response_due", -14, "managers", None, True),
    ("PCC response due in 3 days", "response_due", -3, "managers", None, True),
]


def create(apps, schema_editor):
    Rule = apps.get_model("improvements", "ReminderRule")
    for name, anchor, offset, audience, repeat, mandatory in RULES:
        Rule.objects.get_or_create(
            name=name,
            defaults={
                "anchor": anchor,
                "offset_days": offset,
                "audience": audience,
                "repeat_days": repeat,
                "mandatory": mandatory,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("improvements", "ReminderRule").objects.filter(
        name__in=[r[0] for r in RULES], reminders__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("improvements", "0013_progress_update_imported_from")]

    operations = [migrations.RunPython(create, remove)]
