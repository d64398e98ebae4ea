"""The boards' tally (each question's actions by status) is what a recount finds,
whatever path wrote the actions: services, plain saves, bulk inserts, raw SQL, a finding
moved to another question, an action deleted, and the bench seeder."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from improvements import services
from improvements.boards import tally_recount, tally_rows
from improvements.models import Action, ActionTally, Status

from .factories import ActionFactory, FindingFactory, JudgmentFactory

pytestmark = pytest.mark.django_db


def assert_tally_is_a_recount():
    assert tally_rows() == tally_recount()


def test_services_keep_the_tally(manager, owner, alpha_finding):
    action = services.action_create(
        finding=alpha_finding,
        title="Review the triage",
        owner=owner,
        due_date=timezone.localdate() + timedelta(days=20),
        by=manager,
    )
    assert_tally_is_a_recount()
    row = ActionTally.objects.get(judgment=alpha_finding.judgment, status=Status.NOT_STARTED)
    assert (row.n, row.force_id) == (1, alpha_finding.inspection.force_id)
    services.action_change_status(action=action, to=Status.IN_PROGRESS, by=owner)
    assert_tally_is_a_recount()
    assert (
        ActionTally.objects.get(judgment=alpha_finding.judgment, status=Status.IN_PROGRESS).n == 1
    )
    assert (
        ActionTally.objects.get(judgment=alpha_finding.judgment, status=Status.NOT_STARTED).n == 0
    )


def test_bulk_inserts_and_raw_updates_keep_the_tally(alpha_finding, owner):
    Action.objects.bulk_create(
        [
            Action(
                finding=alpha_finding,
                force_id=alpha_finding.inspection.force_id,
                title=f"Bulk {n}",
                owner=owner,
                due_date=timezone.localdate(),
                status=Status.IN_PROGRESS if n % 2 else Status.NOT_STARTED,
            )
            for n in range(7)
        ]
    )
    assert_tally_is_a_recount()
    Action.objects.filter(status=Status.NOT_STARTED).update(status=Status.BLOCKED)
    assert_tally_is_a_recount()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE improvements_action SET status = %s WHERE status = %s",
            [Status.RETURNED, Status.BLOCKED],
        )
    assert_tally_is_a_recount()
    assert ActionTally.objects.get(judgment=alpha_finding.judgment, status=Status.RETURNED).n == 4


def test_a_finding_moved_to_another_question_takes_its_counts(alpha_finding):
    ActionFactory.create_batch(3, finding=alpha_finding)
    other = JudgmentFactory(inspection=alpha_finding.inspection, number=7)
    alpha_finding.judgment = other
    alpha_finding.save()
    assert_tally_is_a_recount()
    assert ActionTally.objects.get(judgment=other, status=Status.NOT_STARTED).n == 3


def test_deleting_actions_keeps_the_tally(alpha_finding):
    actions = ActionFactory.create_batch(4, finding=alpha_finding)
    actions[0].delete()
    Action.objects.filter(pk=actions[1].pk).delete()
    assert_tally_is_a_recount()


def test_the_force_copy_follows_the_finding(alpha_finding, beta):
    action = ActionFactory(finding=alpha_finding)
    assert action.force_id == alpha_finding.inspection.force_id
    if connection.vendor == "postgresql":
        # The database sets it from the finding, whatever the writer said.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE improvements_action SET force_id = %s WHERE id = %s", [beta.pk, action.pk]
            )
        action.refresh_from_db()
        assert action.force_id == alpha_finding.inspection.force_id


def test_the_bench_seeder_keeps_the_tally(db):
    call_command("seed_bench", forces=2, actions_per_force=60, history_days=0, stdout=io.StringIO())
    assert_tally_is_a_recount()
    assert sum(n for *_, n in tally_rows()) == Action.objects.count() == 120
    finding = FindingFactory()
    ActionFactory(finding=finding, status=Status.IN_PROGRESS)
    assert_tally_is_a_recount()


def test_the_tally_command_names_a_drift_and_rebuilds(alpha_finding):
    from io import StringIO

    from django.core.management.base import CommandError

    ActionFactory.create_batch(2, finding=alpha_finding)
    out = StringIO()
    call_command("tally", stdout=out)
    assert "matches a recount" in out.getvalue()
    ActionTally.objects.filter(status=Status.NOT_STARTED).update(n=5)  # written around
    with pytest.raises(CommandError, match=r"not_started: the tally holds 5, a recount finds 2"):
        call_command("tally", stdout=StringIO())
    call_command("tally", rebuild=True, stdout=StringIO())
    assert_tally_is_a_recount()


def test_a_finding_deleted_before_its_actions_takes_its_counts(alpha_finding):
    ActionFactory.create_batch(2, finding=alpha_finding)
    with transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are checked at commit, so raw SQL may delete the finding first.
        cursor.execute("DELETE FROM inspections_finding WHERE id = %s", [alpha_finding.pk])
        cursor.execute("DELETE FROM improvements_action WHERE finding_id = %s", [alpha_finding.pk])
    assert_tally_is_a_recount()
    assert sum(n for *_, n in tally_rows()) == 0


def test_an_action_never_changes_finding_in_the_database(alpha_finding):
    action = ActionFactory(finding=alpha_finding)
    other = FindingFactory(inspection=alpha_finding.inspection, judgment=alpha_finding.judgment)
    with pytest.raises(DatabaseError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(finding=other)
    assert_tally_is_a_recount()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="maintenance mode and TRUNCATE")
def test_a_finding_change_in_maintenance_and_a_truncate_keep_the_tally(alpha_finding):
    action = ActionFactory(finding=alpha_finding)
    other_judgment = JudgmentFactory(inspection=alpha_finding.inspection, number=6)
    other = FindingFactory(inspection=alpha_finding.inspection, judgment=other_judgment)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL peel.maintenance = 'on'")
        cursor.execute(
            "UPDATE improvements_action SET finding_id = %s WHERE id = %s", [other.pk, action.pk]
        )
    assert_tally_is_a_recount()
    assert ActionTally.objects.get(judgment=other_judgment, status=Status.NOT_STARTED).n == 1
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before TRUNCATE
        cursor.execute("TRUNCATE improvements_action CASCADE")
    assert tally_rows() == tally_recount() == []
