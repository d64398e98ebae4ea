"""The follow-up review page: scope, readiness per finding, access."""

import pytest
from django.urls import reverse
from django.utils import timezone

from improvements import services
from improvements.models import Action, Status

from .factories import FollowUpReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(action):
    review = FollowUpReviewFactory(inspection=action.finding.inspection, title="Review of Q1")
    review.judgments.add(action.finding.judgment)
    return review


def test_review_page_shows_readiness(client, owner, manager, review, action):
    client.force_login(owner)
    url = reverse("improvements:review-detail", args=[review.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert action.finding.reference in body and "0 of 1" in body
    assert "evidence pack" not in body  # the pack is for managers
    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED, completed_by=action.owner, completed_at=timezone.now()
    )
    action.refresh_from_db()
    services.progress_update_add(
        action=action, by=manager, text="Evidence", evidence_link="https://example.org/e"
    )
    services.action_sign_off(action=Action.objects.get(pk=action.pk), by=manager)
    client.force_login(manager)
    body = client.get(url).content.decode()
    assert "1 of 1" in body and "evidence pack" in body


def test_review_page_checks_ownership(client, outsider, review):
    client.force_login(outsider)
    assert client.get(reverse("improvements:review-detail", args=[review.pk])).status_code == 404


def test_anonymous_users_are_sent_to_login(client, review):
    url = reverse("improvements:review-detail", args=[review.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
