"""The boards' shape for scale (docs/architecture.md, "The tally"; docs/PERFORMANCE.md).

- ``Action.force``: a copy of the finding's inspection's force, so scoping and counting
  a force's actions needs no join. ``Action.save`` sets it; on PostgreSQL a trigger sets
  it from the finding on every insert, whatever wrote the row, and refuses a change.
- Partial covering indexes of a force's working actions by due date and of its open
  actions by owner: the date-dependent figures are counted from the index alone.
- ``ActionTally``: each question's actions by status, kept by triggers on both
  databases in the same transaction as the change (an action added, its status moved,
  removed, or its finding moved to another question). It is filled here from a recount.
"""

import django.db.models.deletion
from django.db import migrations, models

PG_FORWARD = """
CREATE OR REPLACE FUNCTION peel_action_force() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT i.force_id INTO NEW.force_id
      FROM inspections_finding f JOIN inspections_inspection i ON i.id = f.inspection_id
     WHERE f.id = NEW.finding_id;
    RETURN NEW;
END $$;
CREATE TRIGGER action_force_from_finding BEFORE INSERT OR UPDATE OF force_id, finding_id
    ON improvements_action FOR EACH ROW EXECUTE FUNCTION peel_action_force();

-- The tally, per statement: a bulk insert of 100,000 actions is one grouped upsert.
CREATE OR REPLACE FUNCTION peel_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO improvements_actiontally (force_id, judgment_id, status, n)
    SELECT a.force_id, f.judgment_id, a.status, count(*)
      FROM new_rows a JOIN inspections_finding f ON f.id = a.finding_id
     GROUP BY 1, 2, 3 ORDER BY 2, 3
    ON CONFLICT (judgment_id, status)
    DO UPDATE SET n = improvements_actiontally.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION peel_tally_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE improvements_actiontally t SET n = t.n - gone.n
      FROM (SELECT f.judgment_id, a.status, count(*) AS n
              FROM old_rows a JOIN inspections_finding f ON f.id = a.finding_id
             GROUP BY 1, 2) gone
     WHERE t.judgment_id = gone.judgment_id AND t.status = gone.status;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION peel_tally_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE improvements_actiontally t SET n = t.n - moved.n
      FROM (SELECT f.judgment_id, o.status, count(*) AS n
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              JOIN inspections_finding f ON f.id = o.finding_id
             WHERE o.status <> n.status GROUP BY 1, 2) moved
     WHERE t.judgment_id = moved.judgment_id AND t.status = moved.status;
    INSERT INTO improvements_actiontally (force_id, judgment_id, status, n)
    SELECT n.force_id, f.judgment_id, n.status, count(*)
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      JOIN inspections_finding f ON f.id = n.finding_id
     WHERE o.status <> n.status GROUP BY 1, 2, 3 ORDER BY 2, 3
    ON CONFLICT (judgment_id, status)
    DO UPDATE SET n = improvements_actiontally.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER action_tally_insert AFTER INSERT ON improvements_action
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION peel_tally_add();
CREATE TRIGGER action_tally_delete AFTER DELETE ON improvements_action
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION peel_tally_remove();
CREATE TRIGGER action_tally_update AFTER UPDATE ON improvements_action
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION peel_tally_move();

-- A finding moved to another question of its inspection takes its actions' counts along.
CREATE OR REPLACE FUNCTION peel_tally_finding_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE improvements_actiontally t SET n = t.n - moved.n
      FROM (SELECT status, count(*) AS n FROM improvements_action
             WHERE finding_id = NEW.id GROUP BY 1) moved
     WHERE t.judgment_id = OLD.judgment_id AND t.status = moved.status;
    INSERT INTO improvements_actiontally (force_id, judgment_id, status, n)
    SELECT force_id, NEW.judgment_id, status, count(*) FROM improvements_action
     WHERE finding_id = NEW.id GROUP BY 1, 3 ORDER BY 3
    ON CONFLICT (judgment_id, status)
    DO UPDATE SET n = improvements_actiontally.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER finding_tally_moved AFTER UPDATE OF judgment_id ON inspections_finding
    FOR EACH ROW WHEN (OLD.judgment_id IS DISTINCT FROM NEW.judgment_id)
    EXECUTE FUNCTION peel_tally_finding_moved();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS finding_tally_moved ON inspections_finding;
DROP TRIGGER IF EXISTS action_tally_update ON improvements_action;
DROP TRIGGER IF EXISTS action_tally_delete ON improvements_action;
DROP TRIGGER IF EXISTS action_tally_insert ON improvements_action;
DROP TRIGGER IF EXISTS action_force_from_finding ON improvements_action;
DROP FUNCTION IF EXISTS peel_tally_finding_moved();
DROP FUNCTION IF EXISTS peel_tally_move();
DROP FUNCTION IF EXISTS peel_tally_remove();
DROP FUNCTION IF EXISTS peel_tally_add();
DROP FUNCTION IF EXISTS peel_action_force();
"""

# SQLite has row triggers only; the same counts, one row at a time.
_SQLITE_ADD = """
    INSERT INTO improvements_actiontally (force_id, judgment_id, status, n)
    SELECT {row}.force_id, f.judgment_id, {row}.status, 1
      FROM inspections_finding f WHERE f.id = {row}.finding_id
    ON CONFLICT (judgment_id, status) DO UPDATE SET n = n + 1;
"""
_SQLITE_REMOVE = """
    UPDATE improvements_actiontally SET n = n - 1
     WHERE status = {row}.status
       AND judgment_id = (SELECT judgment_id FROM inspections_finding WHERE id = {row}.finding_id);
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER action_tally_insert AFTER INSERT ON improvements_action BEGIN"
    + _SQLITE_ADD.format(row="NEW")
    + "END;",
    "CREATE TRIGGER action_tally_delete AFTER DELETE ON improvements_action BEGIN"
    + _SQLITE_REMOVE.format(row="OLD")
    + "END;",
    "CREATE TRIGGER action_tally_update AFTER UPDATE OF status ON improvements_action "
    "WHEN OLD.status <> NEW.status BEGIN"
    + _SQLITE_REMOVE.format(row="OLD")
    + _SQLITE_ADD.format(row="NEW")
    + "END;",
    """CREATE TRIGGER finding_tally_moved AFTER UPDATE OF judgment_id ON inspections_finding
    WHEN OLD.judgment_id <> NEW.judgment_id BEGIN
    UPDATE improvements_actiontally SET n = n - (
        SELECT count(*) FROM improvements_action a
         WHERE a.finding_id = NEW.id AND a.status = improvements_actiontally.status)
     WHERE judgment_id = OLD.judgment_id;
    INSERT INTO improvements_actiontally (force_id, judgment_id, status, n)
    SELECT force_id, NEW.judgment_id, status, count(*) FROM improvements_action
     WHERE finding_id = NEW.id GROUP BY force_id, status
    ON CONFLICT (judgment_id, status) DO UPDATE SET n = n + excluded.n;
    END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS finding_tally_moved;",
    "DROP TRIGGER IF EXISTS action_tally_update;",
    "DROP TRIGGER IF EXISTS action_tally_delete;",
    "DROP TRIGGER IF EXISTS action_tally_insert;",
]

FILL_FORCE = """
UPDATE improvements_action SET force_id = (
    SELECT i.force_id FROM inspections_finding f
      JOIN inspections_inspection i ON i.id = f.inspection_id
     WHERE f.id = improvements_action.finding_id)
"""
RECOUNT = """
INSERT INTO improvements_actiontally (force_id, judgment_id, status, n)
SELECT a.force_id, f.judgment_id, a.status, count(*)
  FROM improvements_action a JOIN inspections_finding f ON f.id = a.finding_id
 GROUP BY a.force_id, f.judgment_id, a.status
"""


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # The closed-action rule (0006) would refuse the copy on closed actions.
            cursor.execute("SET LOCAL peel.maintenance = 'on'")
        cursor.execute(FILL_FORCE)


def triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM improvements_actiontally")
        cursor.execute(RECOUNT)
        if vendor == "postgresql":
            cursor.execute(PG_FORWARD)  # no parameters: the % signs are plpgsql's
        elif vendor == "sqlite":
            for statement in SQLITE_FORWARD:
                cursor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(PG_BACKWARD)
        elif vendor == "sqlite":
            for statement in SQLITE_BACKWARD:
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("improvements", "0008_working_actions_by_finding"),
        ("inspections", "0002_history_and_composite_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="force",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inspections.force",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="action",
            name="force",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inspections.force",
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["not_started", "in_progress", "blocked", "returned"])
                ),
                fields=["force", "due_date"],
                include=("status", "owner", "finding", "last_update_at", "created_at"),
                name="action_working_force_due",
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        ["not_started", "in_progress", "blocked", "completed", "returned"],
                    )
                ),
                fields=["force", "owner"],
                include=("status", "due_date", "last_update_at", "created_at"),
                name="action_open_force_owner",
            ),
        ),
        migrations.CreateModel(
            name="ActionTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("not_started", "Not started"),
                            ("in_progress", "In progress"),
                            ("blocked", "Blocked"),
                            ("completed", "Completed"),
                            ("returned", "Returned"),
                            ("signed_off", "Signed off"),
                            ("cancelled", "Cancelled"),
                            ("superseded", "Superseded"),
                        ],
                        max_length=20,
                    ),
                ),
                ("n", models.IntegerField(default=0)),
                (
                    "force",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="inspections.force",
                    ),
                ),
                (
                    "judgment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="inspections.judgment",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["force", "judgment"], name="tally_force_judgment")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("judgment", "status"), name="tally_judgment_status"
                    ),
                    models.CheckConstraint(condition=models.Q(("n__gte", 0)), name="tally_not_negative"),
                ],
            },
        ),
        migrations.RunPython(triggers, drop_triggers),
    ]
