"""The Inspectors group: HMICFRS staff who read every force and record what the
inspectorate said (inspections, judgments, findings, reviews) through the admin."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Inspectors"

PERMISSIONS = {
    "inspections": {
        "force": ["view", "add", "change"],
        "membership": ["view"],
        "inspection": ["view", "add", "change"],
        "judgment": ["view", "add", "change", "delete"],
        "finding": ["view", "add", "change", "delete"],
        "followupreview": ["view", "add", "change", "delete"],
        "historicaljudgment": ["view"],
        "historicalfinding": ["view"],
        "historicalmembership": ["view"],
    },
    "improvements": {
        "action": ["view"],
        "historicalaction": ["view"],
        "progressupdate": ["view"],
        "evidence": ["view"],
    },
}


def create_group(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so the group can
    # be given them in the same run.
    for label in PERMISSIONS:
        create_permissions(global_apps.get_app_config(label), verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [
        (app, f"{verb}_{model}")
        for app, models in PERMISSIONS.items()
        for model, verbs in models.items()
        for verb in verbs
    ]
    perms = []
    for app, codename in codenames:
        perms.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    group.permissions.add(*perms)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("inspections", "0001_initial"),
        ("improvements", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
