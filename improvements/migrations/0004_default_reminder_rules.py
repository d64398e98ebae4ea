"""The default reminder rules of docs/architecture.md, "Reminders" (editable in the admin afterwards)."""

from django.db import migrations

RULES = [
    # name, anchor, offset, audience, repeat, mandatory
    ("Due in 14 days", "due_date", -14, "owner", None, False),
    ("Due in 7 days", "due_date", -7, "owner", None, False),
    ("Due tomorrow", "due_date", -1, "owner", None, False),
    ("Overdue (weekly)", "due_date", 0, "owner", 7, True),
    ("Escalation to lead: 7 days overdue", "due_date", 7, "lead", None, True),
    ("No update for 30 days", "last_update", 30, "owner", None, False),
    ("Review evidence due in 28 days", "evidence_due", -28, "review_owners", None, True),
    ("Review evidence due in 14 days", "evidence_due", -14, "review_owners", None, True),
    ("Review evidence due in 7 days", "evidence_due", -7, "review_owners", None, True),
    ("Managers' weekly digest", "weekly", 0, "managers", None, False),
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
    dependencies = [("improvements", "0003_reminders_and_snapshots")]

    operations = [migrations.RunPython(create, remove)]
