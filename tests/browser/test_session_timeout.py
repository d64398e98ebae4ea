"""The idle timeout's warning, as a user meets it: shortly before the session runs out a
dialog says so; "Stay signed in" keeps the session; ignoring it signs the user out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_warning_comes_before_the_timeout_and_can_be_answered(page, settings):
    settings.SESSION_IDLE_SECONDS = 8  # the warning comes 4 seconds before
    login(page, "officer")
    dialog = page.locator("#timeout-warning")
    expect(dialog).to_be_hidden()
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("You’re about to be signed out")
    assert_accessible(page)
    screenshot(page, "timeout-warning.png")
    page.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")

    # Left alone, the page goes to the sign-in page when the time is up.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/actions/"), timeout=20_000)
    expect(page.locator("main")).to_contain_text("signed out after 8 seconds without activity")
