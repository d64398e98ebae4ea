"""At 390 px (a phone), the board fits: wide tables scroll inside their container, the
page itself never scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/board/", "/actions/?scope=all", "/team/"])
def test_no_page_level_horizontal_scroll_at_390px(page, path):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "staffs.admin")
    page.goto(path)
    expect(page.locator("main")).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    assert_accessible(page)
    if path == "/board/":
        screenshot(page, "board-390px.png")
