"""The board's per-finding roll-up stays the same size however many findings there are."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from improvements.boards import FINDING_ROWS_LISTED
from improvements.models import Action

from .factories import ActionFactory, FindingFactory

pytestmark = pytest.mark.django_db


def test_only_the_findings_most_in_need_are_listed(client, manager, alpha_finding):
    judgment = alpha_finding.judgment
    overdue = timezone.localdate() - timedelta(days=3)
    for n in range(FINDING_ROWS_LISTED + 5):
        finding = FindingFactory(judgment=judgment, reference=f"Q1-AFI-{n + 10}")
        ActionFactory(finding=finding)
    red = FindingFactory(judgment=judgment, reference="Q1-AFI-999")
    ActionFactory(finding=red, due_date=overdue)
    client.force_login(manager)
    response = client.get(reverse("boards:force-board"))
    assert response.status_code == 200
    item = response.context["progress"][0]
    assert len(item.finding_rows) == Action.objects.values("finding").distinct().count()
    assert len(item.listed_finding_rows) == FINDING_ROWS_LISTED
    assert item.listed_finding_rows[0].reference == "Q1-AFI-999"  # red first
    assert f"See all {len(item.finding_rows)} findings" in response.content.decode()
