"""One rule decides what a user may see: for_user."""

from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from improvements.models import (
    DailySnapshot,
    Evidence,
    ExportJob,
    ExtensionRequest,
    Notification,
    Reminder,
    ReminderRule,
)

from .factories import FollowUpReviewFactory, ProgressUpdateFactory


def scoped_models():
    """Every model whose manager carries the scoping rule, found in the code rather than
    listed by hand, so a new force-owned model cannot be forgotten here."""
    return sorted(
        (model for model in apps.get_models() if hasattr(model._default_manager, "for_user")),
        key=lambda model: model.__name__,
    )


SCOPED = scoped_models()


def test_the_scoped_models_include_every_force_owned_model():
    """A model with a path to a force (a foreign key to Force, or to a scoped model) must
    be scoped; the list above then covers it."""
    from inspections.models import Force

    scoped = set(SCOPED)
    for model in apps.get_models():
        if model._meta.app_label not in ("inspections", "improvements"):
            continue
        if model.__name__.startswith("Historical") or model.__name__.endswith("_through"):
            continue
        relations = {
            f.related_model
            for f in model._meta.get_fields()
            if f.many_to_one and f.concrete and f.related_model is not None
        }
        if Force in relations or relations & scoped:
            assert model in scoped, f"{model.__name__} has a force but no for_user"
    names = {model.__name__ for model in SCOPED}
    assert {"Reminder", "DailySnapshot", "Action", "Evidence", "Force"} <= names


@pytest.fixture
def world(action, beta_action):
    """Rows of every scoped model in both forces, so each comparison has something to
    include and something to leave out."""
    for each in (action, beta_action):
        update = ProgressUpdateFactory(action=each)
        FollowUpReviewFactory(inspection=each.finding.inspection)
        Evidence.objects.create(
            action=each,
            update=update,
            link=f"https://example.org/evidence/{each.pk}",
            uploaded_by=each.owner,
        )
        force = each.finding.inspection.force
        Reminder.objects.create(
            rule=ReminderRule.objects.first(),
            subject=f"action:{each.pk}",
            action=each,
            force=force,
            recipient=each.owner,
            anchor_date=date(2027, 3, 3),
            digest_date=date(2027, 3, 3),
        )
        DailySnapshot.objects.create(force=force, date=date(2027, 3, 3))
        ExtensionRequest.objects.create(
            action=each, requested_by=each.owner, due_date=date(2027, 6, 1), reason="Slipped"
        )
        Notification.objects.create(
            event="action_assigned",
            recipient=each.owner,
            force=force,
            action=each,
            subject="s",
            body="b",
        )
        ExportJob.objects.create(
            user=each.owner, force=force, kind=ExportJob.Kind.TRACKER_XLSX, filename="t.xlsx"
        )
    return action, beta_action


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_a_user_of_another_force_sees_none_of_alpha(world, outsider, alpha, model):
    visible = model.objects.for_user(outsider)
    alpha_rows = model.objects.for_force(alpha)
    assert not visible.filter(pk__in=alpha_rows.values("pk")).exists()


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_staff_see_their_force(world, owner, alpha, beta, model):
    visible = model.objects.for_user(owner)
    alpha_rows = model.objects.for_force(alpha)
    beta_rows = model.objects.for_force(beta)
    assert alpha_rows.exists() and beta_rows.exists()
    assert set(visible.values_list("pk", flat=True)) == set(alpha_rows.values_list("pk", flat=True))
    assert not visible.filter(pk__in=beta_rows.values("pk")).exists()


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_inspectors_see_every_force(world, inspector, alpha, beta, model):
    visible = model.objects.for_user(inspector)
    assert visible.filter(pk__in=model.objects.for_force(alpha).values("pk")).exists()
    assert visible.filter(pk__in=model.objects.for_force(beta).values("pk")).exists()
    assert visible.count() == model.objects.count()


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_anonymous_and_inactive_users_see_nothing(world, owner, model):
    assert not model.objects.for_user(AnonymousUser()).exists()
    owner.is_active = False
    assert not model.objects.for_user(owner).exists()
