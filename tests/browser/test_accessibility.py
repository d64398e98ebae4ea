"""axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) finds no violations on any page, error
states included. PEEL_SCREENSHOTS=1 also refreshes docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from improvements.models import Action
from inspections.models import Finding, Inspection
from tests.factories import FindingFactory

from .conftest import (
    AWAITING_SIGN_OFF,
    OVERDUE_IN_PROGRESS,
    assert_accessible,
    login,
    screenshot,
)

# reset_sequences: the screenshots show the demo's own references (Q1-AFI-1/A2, not A14).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]


def _staffordshire():
    return Inspection.objects.get(force__name="Staffordshire Police")


def test_public_pages(page):
    page.goto("/accounts/login/")
    expect(page).to_have_title("Sign in – PEEL improvement tracker")
    assert_accessible(page)

    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Error: Sign in – PEEL improvement tracker")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    page.goto("/accessibility/")
    assert_accessible(page)

    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert_accessible(page)


def test_officer_pages(page):
    action = Action.objects.get(title=OVERDUE_IN_PROGRESS)
    inspection = _staffordshire()
    login(page, "officer")
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    assert_accessible(page)
    screenshot(page, "actions-list.png")

    page.goto(f"/actions/{action.pk}/")
    expect(page.get_by_role("heading", name="Add a progress update")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "action-page.png")

    # An empty update: the error summary, "Error: " in the title, nothing stored.
    page.get_by_role("button", name="Add update").click()
    expect(page).to_have_title(
        f"Error: {OVERDUE_IN_PROGRESS} ({action.reference}) – PEEL improvement tracker"
    )
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what has been done")
    expect(summary).to_be_focused()
    assert_accessible(page)
    screenshot(page, "action-page-error.png")
    # The summary's link leads to the field.
    summary.get_by_role("link", name="Enter what has been done").click()
    expect(page.get_by_label("What has been done?")).to_be_focused()
    assert action.updates.count() == 2  # the demo's two, no more

    page.goto("/inspections/")
    assert_accessible(page)

    page.goto(f"/inspections/{inspection.pk}/")
    assert_accessible(page)

    # The follow-up review's readiness page, from the inspection page.
    page.get_by_role("link", name="Readiness").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Follow-up review")
    assert_accessible(page)


def test_manager_pages(page):
    completed = Action.objects.get(title=AWAITING_SIGN_OFF)
    inspection = _staffordshire()
    finding = Finding.objects.get(inspection=inspection, reference="Q1-AFI-1")
    login(page, "manager")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staffordshire Police")  # the board
    page.get_by_role("link", name="My actions").first.click()
    page.get_by_role("link", name="All actions in my force").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All actions in my force")
    assert_accessible(page)

    # The filter is a plain GET form.
    page.get_by_role("checkbox", name="In progress").check()
    page.get_by_role("checkbox", name="Red").check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page).to_have_url(re.compile(r"status=in_progress.*rag=red"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text(OVERDUE_IN_PROGRESS)
    assert_accessible(page)
    screenshot(page, "actions-all-filtered.png")

    # A completed action: the update, decision and assignment forms together.
    page.goto(f"/actions/{completed.pk}/")
    expect(page.get_by_role("button", name="Record decision")).to_be_visible()
    page.get_by_text("Change the owner, lead or due date").click()
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "action-page-manager.png")

    page.goto(f"/inspections/{inspection.pk}/")
    expect(page.locator(f"#finding-{finding.pk}")).to_contain_text("Add an action")
    assert_accessible(page)
    screenshot(page, "inspection-page.png")

    page.goto(f"/findings/{finding.pk}/actions/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Add action").click()
    expect(page).to_have_title("Error: Add an action to Q1-AFI-1 – PEEL improvement tracker")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title for the action")
    assert_accessible(page)
    screenshot(page, "add-action-error.png")

    # Plan the response: every finding in one page; a row begun but not finished.
    FindingFactory(
        inspection=inspection, judgment=finding.judgment, reference="Q1-AFI-9", position=9
    )
    page.goto(f"/inspections/{inspection.pk}/plan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan the response")
    assert_accessible(page)
    title = page.locator("input[name$='-title']")
    expect(title).to_have_count(1)
    title.fill("Review the triage of calls")
    page.get_by_role("button", name="Save plan").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the owner")
    expect(title).to_have_value("Review the triage of calls")
    assert_accessible(page)
    screenshot(page, "plan-error.png")
