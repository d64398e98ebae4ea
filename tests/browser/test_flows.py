"""The issue's "done when", in a real browser: the officer logs progress with a file, the
manager signs it off and the finding rolls up, an outsider gets 404, and the officer's
flow works with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from improvements import services
from improvements.models import Action, Status

from .conftest import (
    AWAITING_SIGN_OFF,
    OVERDUE_IN_PROGRESS,
    PASSWORD,
    PDF_BYTES,
    assert_accessible,
    choose_status,
    login,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_FILE = {
    "name": "panel-terms-of-reference.pdf",
    "mimeType": "application/pdf",
    "buffer": PDF_BYTES,
}


def _action(title: str = OVERDUE_IN_PROGRESS) -> Action:
    return Action.objects.select_related("finding").get(title=title)


def _summary_value(page, key: str):
    """The value of the summary list row whose key is exactly ``key``."""
    key_cell = page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    return page.locator(".govuk-summary-list__row", has=key_cell).locator("dd")


def test_officer_adds_an_update_with_a_file_and_marks_the_action_complete(page):
    action = _action()
    assert action.status == Status.IN_PROGRESS and action.is_overdue

    login(page, "officer")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=OVERDUE_IN_PROGRESS))
    expect(row).to_contain_text("Overdue")
    row.get_by_role("link", name=OVERDUE_IN_PROGRESS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OVERDUE_IN_PROGRESS)

    page.get_by_label("What has been done?").fill(
        "The panel met on Monday.\nTerms of reference agreed with the university."
    )
    choose_status(page, "status", "Completed")
    page.get_by_label("Attach a file (optional)").set_input_files(files=[PDF_FILE])
    page.get_by_label("Describe the evidence (optional)").fill("Terms of reference")
    page.get_by_role("button", name="Add update").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your update has been added."
    )
    expect(_summary_value(page, "Status")).to_have_text("Completed")
    latest = page.locator(".moj-timeline__item").first
    expect(latest).to_contain_text("Terms of reference agreed with the university.")
    expect(latest).to_contain_text("Olivia Hughes")
    expect(latest).to_contain_text("Completed")
    # The file is in the log and the evidence list; it downloads through the checked view.
    link = latest.get_by_role("link", name="panel-terms-of-reference.pdf")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "panel-terms-of-reference.pdf"

    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert action.evidence.filter(original_name="panel-terms-of-reference.pdf").exists()


def test_manager_signs_off_and_the_finding_rolls_up(page):
    action = _action()
    officer = get_user_model().objects.get(username="officer")
    services.progress_update_add(
        action=action, by=officer, text="Panel set up; terms agreed.", to_status=Status.COMPLETED
    )
    finding = action.finding
    inspection_url = f"/inspections/{finding.inspection_id}/"
    card = page.locator(f"#finding-{finding.pk}")

    login(page, "manager")
    page.goto(inspection_url)
    expect(card).to_contain_text("0 of 2 actions signed off")

    page.goto("/actions/?scope=all")
    page.get_by_role("link", name=OVERDUE_IN_PROGRESS).click()
    expect(_summary_value(page, "Status")).to_have_text("Completed")
    choose_status(page, "decision", "Sign off")
    page.get_by_role("button", name="Record decision").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Signed off")
    expect(_summary_value(page, "Status")).to_have_text("Signed off")
    expect(_summary_value(page, "Signed off")).to_contain_text("Mark Okafor")

    page.goto(inspection_url)
    expect(card).to_contain_text("1 of 2 actions signed off")
    action.refresh_from_db()
    assert action.status == Status.SIGNED_OFF


def test_manager_submits_a_finding_once_its_actions_are_signed_off(page):
    action = _action(AWAITING_SIGN_OFF)
    manager = get_user_model().objects.get(username="manager")
    services.action_change_status(
        action=action, to=Status.SIGNED_OFF, by=manager, reason="Policy checked."
    )
    finding = action.finding
    card = page.locator(f"#finding-{finding.pk}")

    login(page, "manager")
    page.goto(f"/inspections/{finding.inspection_id}/")
    expect(card).to_contain_text("1 of 1 action signed off")
    assert_accessible(page)
    card.get_by_role("button", name="Submit to the inspectorate").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{finding.reference} is submitted"
    )
    expect(card).to_contain_text("Evidence submitted")
    expect(card.get_by_role("button")).to_have_count(0)
    finding.refresh_from_db()
    assert finding.status == finding.Status.EVIDENCE_SUBMITTED


def test_an_outsider_gets_page_not_found(page):
    action = _action()
    login(page, "outsider")
    response = page.goto(f"/actions/{action.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text(OVERDUE_IN_PROGRESS)
    assert_accessible(page)


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches selector."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def _arrow_to(page, selector: str, value: str, limit: int = 12) -> None:
    """With a select or a radio group focused, press ArrowDown until value is chosen."""
    for _ in range(limit):
        if page.evaluate(
            """([s, v]) => [...document.querySelectorAll(s)].some(
                (el) => el.value === v && (el.tagName === 'SELECT' || el.checked))""",
            [selector, value],
        ):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"ArrowDown never chose {value} in {selector}")


def test_the_officer_flow_works_with_the_keyboard_alone(page):
    action = _action()
    page.goto("/accounts/login/")
    _tab_to(page, "input[name='username']")
    page.keyboard.type("officer")
    _tab_to(page, "input[name='password']")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/actions/")

    _tab_to(page, f"a[href='/actions/{action.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/actions/{action.pk}/")

    _tab_to(page, "textarea[name='text']")
    page.keyboard.type("Panel met; terms of reference agreed (keyboard only).")
    _tab_to(page, "[name='status']")
    _arrow_to(page, "[name='status']", Status.COMPLETED)
    _tab_to(page, "input[type='file'][name='evidence_file']")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(files=[PDF_FILE])
    _tab_to(page, "form[action$='/update/'] button")
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your update has been added."
    )
    expect(page.locator(".moj-timeline__item").first).to_contain_text("keyboard only")
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert action.evidence.filter(original_name="panel-terms-of-reference.pdf").exists()
