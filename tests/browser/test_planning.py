"""From a freshly imported report to every finding owned and dated, in one page: the
path the planning issue timed at 28 page loads and 8–9 minutes. Here it is three page
loads; the elapsed time is printed for reading, never asserted."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from improvements.models import Action
from inspections.canonical import inspection_save_canonical

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = {
    "force": "Staffordshire Police",
    "programme": "PEEL 2024",
    "pillar": "Planning walk",
    "grading_scale": ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"],
    "overall": {"question": "Overall", "grade": ""},
    "judgments": [
        {"number": 1, "question": "Preventing crime", "grade": "Good"},
        {"number": 2, "question": "Investigating crime", "grade": "Adequate"},
    ],
    "findings": [
        {"kind": "area_for_improvement", "question": 1 + n % 2, "text": f"Finding number {n}."}
        for n in range(8)
    ],
    "follow_up_reviews": [],
}


def test_every_finding_owned_and_dated_in_one_submission(page, capsys):
    inspection = inspection_save_canonical(REPORT, title="PEEL 2024 planning walk").inspection
    due = timezone.localdate() + timedelta(days=90)
    started = time.perf_counter()
    login(page, "manager")
    page.goto(f"/inspections/{inspection.pk}/")
    expect(page.locator("#unplanned")).to_contain_text("8 findings without an action")
    page.get_by_role("link", name="Plan the response in one page").click()
    titles = page.locator("input[name$='-title']")
    expect(titles).to_have_count(8)
    for index in range(8):
        titles.nth(index).fill(f"Answer finding {index}")
        page.locator("input[name$='-owner']").nth(index).fill("officer")
        page.locator("input[name$='-due_date']").nth(index).fill(due.isoformat())
    page.get_by_role("button", name="Save plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "8 actions added to the plan"
    )
    elapsed = time.perf_counter() - started
    actions = Action.objects.filter(finding__inspection=inspection)
    assert actions.count() == 8
    assert {(a.owner.username, a.due_date) for a in actions} == {("officer", due)}
    with capsys.disabled():
        print(f"\nplanning walk: 8 findings owned and dated, 3 page loads, {elapsed:.1f} s")
