"""One rule decides what a user may see: for_user."""

import pytest
from django.contrib.auth.models import AnonymousUser

from improvements.models import Action, Evidence, ProgressUpdate
from inspections.models import Finding, FollowUpReview, Force, Inspection, Judgment, Membership

from .factories import FollowUpReviewFactory, ProgressUpdateFactory

SCOPED = [
    Force,
    Membership,
    Inspection,
    Judgment,
    Finding,
    FollowUpReview,
    Action,
    ProgressUpdate,
    Evidence,
]


@pytest.fixture
def world(action, beta_action):
    ProgressUpdateFactory(action=action)
    ProgressUpdateFactory(action=beta_action)
    FollowUpReviewFactory(inspection=action.finding.inspection)
    FollowUpReviewFactory(inspection=beta_action.finding.inspection)
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
    if model is not Evidence:
        assert alpha_rows.exists()
    assert set(visible.values_list("pk", flat=True)) == set(alpha_rows.values_list("pk", flat=True))


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_inspectors_see_every_force(world, inspector, model):
    assert model.objects.for_user(inspector).count() == model.objects.count()


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_anonymous_and_inactive_users_see_nothing(world, owner, model):
    assert not model.objects.for_user(AnonymousUser()).exists()
    owner.is_active = False
    assert not model.objects.for_user(owner).exists()
