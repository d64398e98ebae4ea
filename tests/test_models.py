"""Each database rule is tried and refused."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from improvements.models import Action, ProgressUpdate, Status
from inspections.models import Finding, GradingScale, Judgment, Membership

from .factories import (
    ActionFactory,
    FindingFactory,
    InspectionFactory,
    JudgmentFactory,
    MembershipFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db


def refused(exc=IntegrityError):
    """Run the block in a savepoint so the test can go on using the database."""

    class _Ctx:
        def __enter__(self):
            self.raises = pytest.raises(exc)
            self.raises.__enter__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc_info):
            self.atomic.__exit__(*exc_info)
            return self.raises.__exit__(*exc_info)

    return _Ctx()


def test_one_judgment_per_inspection_and_question(alpha_inspection):
    JudgmentFactory(inspection=alpha_inspection, number=1)
    with refused():
        JudgmentFactory(inspection=alpha_inspection, number=1)


def test_grade_must_belong_to_the_inspections_scale():
    old = InspectionFactory(grading_scale=GradingScale.PEEL_2014)
    judgment = JudgmentFactory.build(inspection=old, number=1, grade="adequate")
    with pytest.raises(ValidationError):
        judgment.full_clean()
    with refused((IntegrityError, ValidationError)):  # the model refuses first, then the CHECK
        judgment.save()
    with refused():
        Judgment.objects.bulk_create([judgment])
    new = InspectionFactory(grading_scale=GradingScale.PEEL_2021)
    JudgmentFactory(inspection=new, number=1, grade="adequate")  # accepted on the new scale


def test_grade_check_holds_even_for_bulk_updates():
    inspection = InspectionFactory(grading_scale=GradingScale.PEEL_2014)
    judgment = JudgmentFactory(inspection=inspection, number=1, grade="good")
    with refused():
        Judgment.objects.filter(pk=judgment.pk).update(grade="adequate")
    with refused():
        Judgment.objects.filter(pk=judgment.pk).update(grade="excellent")


def test_finding_reference_unique_per_inspection(alpha_finding):
    with refused():
        FindingFactory(judgment=alpha_finding.judgment, reference=alpha_finding.reference)
    # The same reference in another inspection is fine.
    FindingFactory(reference=alpha_finding.reference)


def test_recommendation_parent_must_be_a_cause_of_concern_of_the_same_inspection(alpha_finding):
    judgment = alpha_finding.judgment
    cause = FindingFactory(judgment=judgment, kind=Finding.Kind.CAUSE_OF_CONCERN, reference="C1")
    FindingFactory(judgment=judgment, kind="recommendation", parent=cause, reference="R1")

    with pytest.raises(ValidationError, match="cause of concern"):
        FindingFactory(
            judgment=judgment, kind="recommendation", parent=alpha_finding, reference="R2"
        )
    other_cause = FindingFactory(kind=Finding.Kind.CAUSE_OF_CONCERN)
    with pytest.raises(ValidationError, match="same inspection"):
        FindingFactory(judgment=judgment, kind="recommendation", parent=other_cause, reference="R3")
    # Only recommendations have a parent, enforced by the database itself.
    with refused():
        Finding.objects.filter(pk=alpha_finding.pk).update(parent=cause)
    assert not Finding.objects.filter(reference__in=["R2", "R3"]).exists()


def test_finding_question_must_be_of_the_same_inspection(alpha_finding):
    other = JudgmentFactory()
    alpha_finding.judgment = other
    with pytest.raises(ValidationError, match="same inspection"):
        alpha_finding.save()


def test_one_membership_per_user_and_force(owner, alpha):
    with refused():
        MembershipFactory(user=owner, force=alpha, role=Membership.Role.MANAGER)


def test_progress_updates_are_append_only(action):
    update = ProgressUpdateFactory(action=action)
    update.text = "Changed my mind"
    with pytest.raises(ValidationError):
        update.save()
    with pytest.raises(ValidationError):
        update.delete()
    with pytest.raises(ValidationError):
        ProgressUpdate.objects.filter(pk=update.pk).update(text="sneaky")
    with pytest.raises(ValidationError):
        ProgressUpdate.objects.filter(pk=update.pk).delete()
    update.refresh_from_db()
    assert update.text == "Progress made."
    # A correction is a new update that refers to the old one.
    correction = ProgressUpdateFactory(action=action, corrects=update, text="Correction")
    assert correction.corrects == update


def test_owner_cannot_be_recorded_as_signing_off(action):
    with refused():
        Action.objects.filter(pk=action.pk).update(
            status=Status.SIGNED_OFF, signed_off_by=action.owner, signed_off_at="2026-01-01T10:00Z"
        )


def test_signed_off_needs_who_and_when(action):
    with refused():
        Action.objects.filter(pk=action.pk).update(status=Status.SIGNED_OFF)


def test_action_history_is_kept(action, manager):
    action.title = "Renamed"
    action._history_user = manager
    action.save()
    assert action.history.count() == 2
    assert action.history.first().history_user == manager


def test_rag_is_derived_in_the_database(action):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    overdue = ActionFactory(finding=action.finding, due_date=today - timedelta(days=1))
    soon = ActionFactory(finding=action.finding, due_date=today + timedelta(days=5))
    blocked = ActionFactory(finding=action.finding, status=Status.BLOCKED)
    rags = dict(Action.objects.with_rag().values_list("pk", "current_rag"))
    assert rags[overdue.pk] == "red"
    assert rags[soon.pk] == "amber"
    assert rags[blocked.pk] == "red"
    assert rags[action.pk] == "green"
    assert overdue.rag == "red"
