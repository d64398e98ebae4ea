"""The board stays the same size however many findings there are: each finding's
progress is on the inspection page, not the board."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import ActionFactory, FindingFactory

pytestmark = pytest.mark.django_db


def _board_size(client) -> int:
    response = client.get(reverse("boards:force-board"))
    assert response.status_code == 200
    return len(response.content)


def _add_findings(judgment, start: int, count: int, owner) -> None:
    overdue = timezone.localdate() - timedelta(days=3)
    for n in range(start, start + count):
        finding = FindingFactory(judgment=judgment, reference=f"Q1-AFI-{n + 10}")
        due = overdue if n % 2 else overdue + timedelta(days=90)
        ActionFactory(finding=finding, due_date=due, owner=owner)


def test_the_board_does_not_grow_with_the_findings(client, manager, alpha_finding, owner):
    judgment = alpha_finding.judgment
    client.force_login(manager)
    _add_findings(judgment, 0, 40, owner)
    before = _board_size(client)
    _add_findings(judgment, 40, 40, owner)
    response = client.get(reverse("boards:force-board"))
    body = response.content.decode()
    # Twice the findings and actions: the lists still show ten rows a page, the question
    # one row; only the figures' digits and the pages' links change.
    assert abs(len(response.content) - before) < 1_000
    assert body.count("Q1-AFI-") <= 25
    item = response.context["progress"][0]
    assert item.findings == 81
    assert "81 findings on the inspection page" in body
