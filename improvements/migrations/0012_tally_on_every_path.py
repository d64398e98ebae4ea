"""The tally (migration 0009) on the paths a review found it missed:

- an action whose finding changes (only possible with ``peel.maintenance`` on
  PostgreSQL; refused outright on SQLite now, as PostgreSQL refuses it otherwise): its
  counts move with it;
- a finding deleted before its actions in one transaction (foreign keys are checked at
  commit): the finding's actions' counts go with the finding;
- ``TRUNCATE`` of the actions (no DELETE trigger fires): the tally is emptied too.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION peel_tally_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE improvements_actiontally t SET n = t.n - moved.n
      FROM (SELECT f.judgment_id, o.status, count(*) AS n
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              JOIN inspections_finding f ON f.id = o.finding_id
             WHERE o.status <> n.status OR o.finding_id <> n.finding_id
             GROUP BY 1, 2) moved
     WHERE t.judgment_id = moved.judgment_id AND t.status = moved.status;
    INSERT INTO improvements_actiontally (force_id, judgment_id, status, n)
    SELECT n.force_id, f.judgment_id, n.status, count(*)
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      JOIN inspections_finding f ON f.id = n.finding_id
     WHERE o.status <> n.status OR o.finding_id <> n.finding_id
     GROUP BY 1, 2, 3 ORDER BY 2, 3
    ON CONFLICT (judgment_id, status)
    DO UPDATE SET n = improvements_actiontally.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION peel_tally_finding_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE improvements_actiontally t SET n = t.n - gone.n
      FROM (SELECT status, count(*) AS n FROM improvements_action
             WHERE finding_id = OLD.id GROUP BY 1) gone
     WHERE t.judgment_id = OLD.judgment_id AND t.status = gone.status;
    RETURN OLD;
END $$;
CREATE TRIGGER finding_tally_deleted BEFORE DELETE ON inspections_finding
    FOR EACH ROW EXECUTE FUNCTION peel_tally_finding_deleted();

CREATE OR REPLACE FUNCTION peel_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM improvements_actiontally;
    RETURN NULL;
END $$;
CREATE TRIGGER action_tally_truncate AFTER TRUNCATE ON improvements_action
    FOR EACH STATEMENT EXECUTE FUNCTION peel_tally_truncated();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS action_tally_truncate ON improvements_action;
DROP TRIGGER IF EXISTS finding_tally_deleted ON inspections_finding;
DROP FUNCTION IF EXISTS peel_tally_truncated();
DROP FUNCTION IF EXISTS peel_tally_finding_deleted();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER action_finding_is_fixed BEFORE UPDATE OF finding_id, force_id
    ON improvements_action
    WHEN OLD.finding_id <> NEW.finding_id OR OLD.force_id <> NEW.force_id BEGIN
    SELECT RAISE(ABORT, 'an action cannot move to another finding or force');
    END;""",
    """CREATE TRIGGER finding_tally_deleted BEFORE DELETE ON inspections_finding BEGIN
    UPDATE improvements_actiontally SET n = n - (
        SELECT count(*) FROM improvements_action a
         WHERE a.finding_id = OLD.id AND a.status = improvements_actiontally.status)
     WHERE judgment_id = OLD.judgment_id;
    END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS finding_tally_deleted;",
    "DROP TRIGGER IF EXISTS action_finding_is_fixed;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(PG_FORWARD)  # no parameters: the % signs are plpgsql's
        elif vendor == "sqlite":
            for statement in SQLITE_FORWARD:
                cursor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(PG_BACKWARD)
        elif vendor == "sqlite":
            for statement in SQLITE_BACKWARD:
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("improvements", "0011_lists_in_index_order")]

    operations = [migrations.RunPython(forward, backward)]
