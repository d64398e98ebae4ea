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
