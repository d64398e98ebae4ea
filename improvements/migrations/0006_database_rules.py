"""The rules PostgreSQL holds itself, whatever path writes (raw SQL included).

docs/architecture.md lists each rule with its model-level twin. SQLite (the demo's
embedded database) relies on the model and service checks alone.

A bench seeder that writes a realistic history in bulk may set the transaction-local
``peel.maintenance = 'on'`` (``SET LOCAL``) to lift the two "closed action" rules for that
transaction only; nothing lifts the append-only or the cross-inspection rules.
"""

from django.db import migrations, models

CLOSED = "('signed_off', 'cancelled', 'superseded')"

FORWARD = f"""
CREATE OR REPLACE FUNCTION peel_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER progressupdate_append_only BEFORE UPDATE OR DELETE ON improvements_progressupdate
    FOR EACH ROW EXECUTE FUNCTION peel_refuse_change();
CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON improvements_evidence
    FOR EACH ROW EXECUTE FUNCTION peel_refuse_change();

CREATE OR REPLACE FUNCTION peel_action_closed_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('peel.maintenance', true) = 'on' THEN RETURN NEW; END IF;
    IF OLD.status IN {CLOSED} THEN
        RAISE EXCEPTION 'action % is closed (%): it accepts no changes', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.finding_id <> OLD.finding_id THEN
        RAISE EXCEPTION 'action % cannot move to another finding', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER action_closed_is_final BEFORE UPDATE ON improvements_action
    FOR EACH ROW EXECUTE FUNCTION peel_action_closed_is_final();

CREATE OR REPLACE FUNCTION peel_action_is_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('peel.maintenance', true) = 'on' THEN RETURN NEW; END IF;
    IF EXISTS (SELECT 1 FROM improvements_action WHERE id = NEW.action_id AND status IN {CLOSED})
    THEN
        RAISE EXCEPTION 'action % is closed: % refused', NEW.action_id, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER progressupdate_on_open_action BEFORE INSERT ON improvements_progressupdate
    FOR EACH ROW EXECUTE FUNCTION peel_action_is_open();
CREATE TRIGGER evidence_on_open_action BEFORE INSERT ON improvements_evidence
    FOR EACH ROW EXECUTE FUNCTION peel_action_is_open();

-- A finding's question and a recommendation's cause of concern are of its inspection.
ALTER TABLE inspections_finding ADD CONSTRAINT finding_judgment_same_inspection
    FOREIGN KEY (inspection_id, judgment_id) REFERENCES inspections_judgment (inspection_id, id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE inspections_finding ADD CONSTRAINT finding_parent_same_inspection
    FOREIGN KEY (inspection_id, parent_id) REFERENCES inspections_finding (inspection_id, id)
    DEFERRABLE INITIALLY DEFERRED;

-- Judgments, findings and reviews never move between inspections.
CREATE OR REPLACE FUNCTION peel_inspection_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.inspection_id <> OLD.inspection_id THEN
        RAISE EXCEPTION '% % cannot move to another inspection', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER judgment_inspection_fixed BEFORE UPDATE ON inspections_judgment
    FOR EACH ROW EXECUTE FUNCTION peel_inspection_is_fixed();
CREATE TRIGGER finding_inspection_fixed BEFORE UPDATE ON inspections_finding
    FOR EACH ROW EXECUTE FUNCTION peel_inspection_is_fixed();
CREATE TRIGGER followupreview_inspection_fixed BEFORE UPDATE ON inspections_followupreview
    FOR EACH ROW EXECUTE FUNCTION peel_inspection_is_fixed();

-- An inspection with findings stays with the force inspected.
CREATE OR REPLACE FUNCTION peel_inspection_force_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.force_id <> OLD.force_id
       AND EXISTS (SELECT 1 FROM inspections_finding WHERE inspection_id = OLD.id) THEN
        RAISE EXCEPTION 'inspection % has findings: it cannot move to another force', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER inspection_force_fixed BEFORE UPDATE ON inspections_inspection
    FOR EACH ROW EXECUTE FUNCTION peel_inspection_force_fixed();

-- A review's scope belongs to its inspection.
CREATE OR REPLACE FUNCTION peel_review_finding_in_inspection() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM inspections_followupreview r JOIN inspections_finding f
            ON f.inspection_id = r.inspection_id
        WHERE r.id = NEW.followupreview_id AND f.id = NEW.finding_id
    ) THEN
        RAISE EXCEPTION 'finding % is not of review %''s inspection', NEW.finding_id,
            NEW.followupreview_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER review_findings_in_inspection BEFORE INSERT OR UPDATE
    ON inspections_followupreview_findings
    FOR EACH ROW EXECUTE FUNCTION peel_review_finding_in_inspection();

CREATE OR REPLACE FUNCTION peel_review_judgment_in_inspection() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM inspections_followupreview r JOIN inspections_judgment j
            ON j.inspection_id = r.inspection_id
        WHERE r.id = NEW.followupreview_id AND j.id = NEW.judgment_id
    ) THEN
        RAISE EXCEPTION 'judgment % is not of review %''s inspection', NEW.judgment_id,
            NEW.followupreview_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER review_judgments_in_inspection BEFORE INSERT OR UPDATE
    ON inspections_followupreview_judgments
    FOR EACH ROW EXECUTE FUNCTION peel_review_judgment_in_inspection();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS review_judgments_in_inspection ON inspections_followupreview_judgments;
DROP TRIGGER IF EXISTS review_findings_in_inspection ON inspections_followupreview_findings;
DROP FUNCTION IF EXISTS peel_review_judgment_in_inspection();
DROP FUNCTION IF EXISTS peel_review_finding_in_inspection();
DROP TRIGGER IF EXISTS inspection_force_fixed ON inspections_inspection;
DROP FUNCTION IF EXISTS peel_inspection_force_fixed();
DROP TRIGGER IF EXISTS followupreview_inspection_fixed ON inspections_followupreview;
DROP TRIGGER IF EXISTS finding_inspection_fixed ON inspections_finding;
DROP TRIGGER IF EXISTS judgment_inspection_fixed ON inspections_judgment;
DROP FUNCTION IF EXISTS peel_inspection_is_fixed();
ALTER TABLE inspections_finding DROP CONSTRAINT IF EXISTS finding_parent_same_inspection;
ALTER TABLE inspections_finding DROP CONSTRAINT IF EXISTS finding_judgment_same_inspection;
DROP TRIGGER IF EXISTS evidence_on_open_action ON improvements_evidence;
DROP TRIGGER IF EXISTS progressupdate_on_open_action ON improvements_progressupdate;
DROP FUNCTION IF EXISTS peel_action_is_open();
DROP TRIGGER IF EXISTS action_closed_is_final ON improvements_action;
DROP FUNCTION IF EXISTS peel_action_closed_is_final();
DROP TRIGGER IF EXISTS evidence_append_only ON improvements_evidence;
DROP TRIGGER IF EXISTS progressupdate_append_only ON improvements_progressupdate;
DROP FUNCTION IF EXISTS peel_refuse_change();
"""


def clean_existing_rows(apps, schema_editor):
    """Rows written before these rules: a follow-up review's scope entries from another
    inspection are removed (they showed another force's findings on this force's review
    and owed its people reminders); a finding whose question or concern is of another
    inspection stops the migration with a list to correct by hand."""
    Review = apps.get_model("inspections", "FollowUpReview")
    Finding = apps.get_model("inspections", "Finding")
    F = models.F
    Review.findings.through.objects.exclude(
        finding__inspection_id=F("followupreview__inspection_id")
    ).delete()
    Review.judgments.through.objects.exclude(
        judgment__inspection_id=F("followupreview__inspection_id")
    ).delete()
    broken = list(
        Finding.objects.exclude(judgment__inspection_id=F("inspection_id")).values_list(
            "pk", flat=True
        )
    ) + list(
        Finding.objects.filter(parent__isnull=False)
        .exclude(parent__inspection_id=F("inspection_id"))
        .values_list("pk", flat=True)
    )
    if broken:
        raise RuntimeError(
            "These findings' question or cause of concern is of another inspection; "
            f"correct them before migrating: {sorted(set(broken))}"
        )


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % signs are plpgsql's

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("improvements", "0005_history_and_integrity"),
        ("inspections", "0002_history_and_composite_keys"),
    ]

    operations = [
        migrations.RunPython(clean_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
