"""The inspectorate's queue as an inspector meets it: a force's submitted finding with
its actions and evidence, and a decision recorded from the page."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from improvements import services
from improvements.models import Status
from inspections.models import Finding, Membership

from ..factories import ActionFactory
from .conftest import assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inspector_returns_a_submitted_finding_with_a_reason(page):
    finding = Finding.objects.get(
        inspection__force__slug="staffordshire-police", reference="Q4-AFI-3"
    )
    manager = Membership.objects.get(user__username="manager").user
    finding.actions.exclude(status=Status.SIGNED_OFF).update(status=Status.CANCELLED)
    ActionFactory(
        finding=finding,
        owner=Membership.objects.get(user__username="officer").user,
        status=Status.SIGNED_OFF,
        completed_by=Membership.objects.get(user__username="officer").user,
        completed_at=timezone.now(),
        signed_off_by=manager,
        signed_off_at=timezone.now(),
        title="Hold structured debriefs after every operation",
    )
    services.finding_submit_evidence(finding=finding, by=manager)

    login(page, "inspector")
    page.get_by_role("link", name="Awaiting the inspectorate").click()
    card = page.locator(f"#finding-{finding.pk}")
    expect(card).to_contain_text("Hold structured debriefs after every operation")
    assert_accessible(page)
    screenshot(page, "inspectorate-queue.png")
    card.get_by_role("radio", name="Return").check()
    card.get_by_role("textbox", name="Reason").fill("Show the debrief records for the last quarter")
    card.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Q4-AFI-3")
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RETURNED
