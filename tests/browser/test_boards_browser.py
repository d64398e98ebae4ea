"""The boards in a real browser: axe-core finds no WCAG 2.2 A/AA violations on the force
board (plain, filtered, with a filter error) or the national board, the charts are SVG
images with names, and downloads work. PEEL_SCREENSHOTS=1 also refreshes
docs/screenshots/board.png and national-board.png."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from improvements.boards.tasks import snapshots_backfill, snapshots_record

from .conftest import assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]


@pytest.fixture
def history(demo):
    """Eight weeks of daily figures for the trend, estimated from the demo's timestamps."""
    snapshots_backfill(56)
    snapshots_record()


def test_force_board(page, history):
    login(page, "manager")
    page.goto("/board/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staffordshire Police")
    # Charts are images with a name; their numbers are in the table beside them.
    expect(page.get_by_role("img", name="Actions by status")).to_be_visible()
    expect(page.get_by_role("img", name="Actions by RAG")).to_be_visible()
    expect(
        page.get_by_role("img", name="Open, overdue and closed actions over time")
    ).to_be_visible()
    expect(page.locator("#figure-open")).to_have_text("10")
    assert_accessible(page)
    screenshot(page, "board.png")

    # Filters, opened from their details, then applied.
    page.get_by_text("Filter the board").click()
    page.get_by_label("Red", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("match the filters")
    expect(page.locator("#rag-amber")).to_have_text("0")
    assert_accessible(page)

    # A reversed date range: an error summary, and still no violations.
    page.goto("/board/?due_after=2030-01-01&due_before=2020-01-01")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    # The Excel download.
    page.goto("/board/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the tracker (Excel)").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_national_board(page, demo):
    call_command("seed_bench", forces=5, actions_per_force=60, history_days=0, stdout=io.StringIO())
    login(page, "inspector")
    page.goto("/board/national/")
    expect(page.get_by_role("heading", level=1)).to_have_text("National board")
    expect(page.get_by_role("img", name="Open actions by force")).to_be_visible()
    expect(page.locator("#grades-table")).to_contain_text("Staffordshire Police")
    assert_accessible(page)
    screenshot(page, "national-board.png")

    # Into a force's board from the table.
    page.locator("#forces-table").get_by_role("link", name="Staffordshire Police board").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staffordshire Police")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("National board")
    assert_accessible(page)
