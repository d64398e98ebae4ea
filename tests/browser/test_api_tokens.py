"""The API tokens page as a user meets it: make a token (a mistake first), see it once,
use it from a program, see its last use, revoke it. axe-clean throughout."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from api.models import ApiToken
from improvements.models import Action

from .conftest import OVERDUE_IN_PROGRESS, assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_makes_a_token_logs_progress_with_it_and_revokes_it(page, live_server):
    action = Action.objects.get(title=OVERDUE_IN_PROGRESS)
    login(page, "officer")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_text("You have no tokens.")).to_be_visible()
    page.get_by_text("How to connect Power BI").click()
    expect(page.locator("pre.peel-code")).to_contain_text(f'Site = "{live_server.url}/"')
    assert_accessible(page)

    page.get_by_label("Read-only: it can read but never log progress").uncheck()
    page.get_by_role("button", name="Create token").click()
    expect(page).to_have_title("Error: API tokens – PEEL improvement tracker")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    assert_accessible(page)

    page.get_by_label("Name").fill("Force performance system")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    key = page.locator("#new-token").inner_text().strip()
    assert "." in key
    assert_accessible(page)
    screenshot(page, "api-tokens.png")

    api = page.context.request
    url = f"{live_server.url}/api/v1/actions/{action.pk}/updates/"
    headers = {"Authorization": f"Bearer {key}"}
    posted = api.post(url, headers=headers, data={"text": "Logged from our performance system"})
    assert posted.status == 201, posted.text()

    page.goto(f"/actions/{action.pk}/")
    expect(page.get_by_text("Logged from our performance system")).to_be_visible()

    page.goto("/account/api-tokens/")
    expect(page.get_by_text(key)).to_have_count(0)  # shown once only
    row = page.locator("tbody tr", has_text="Force performance system")
    expect(row).not_to_contain_text("Never")  # its last use
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is revoked")
    expect(page.locator("tbody tr", has_text="Force performance system")).to_contain_text("Revoked")
    assert_accessible(page)
    assert ApiToken.objects.get(name="Force performance system").revoked
    refused = api.get(f"{live_server.url}/api/v1/actions/", headers=headers)
    assert refused.status == 401
