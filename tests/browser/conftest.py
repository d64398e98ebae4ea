"""Browser tests: Playwright (sync API) driving Debian's chromium against live_server.

One browser per session, one context and page per test. Each test loads the demo
(Staffordshire Police's PEEL 2015 inspection with live actions, and Northmoor Police)
and signs in through the real login form.

Without /usr/bin/chromium the tests are skipped, except on CI (CI=true), where they
fail: a CI run that silently skipped them would prove nothing. Never `playwright
install`: the browser is Debian's (`apt-get install chromium`).

Set PEEL_SCREENSHOTS=1 to refresh docs/screenshots/ while the tests run.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; Django's ORM, used by the
# fixtures, refuses to run beside one unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PASSWORD = "demo-pass-123"
# Demo actions (improvements/demo.py) the flows use.
OVERDUE_IN_PROGRESS = "Set up a prevention evidence panel with academic and partner input"
AWAITING_SIGN_OFF = "Publish a crime allocation policy matched to investigator accreditation"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (browser tests must run on CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -r requirements-dev.txt")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo(transactional_db):
    """The demo data, every login with PASSWORD. Transactional tests flush the database
    after each test, the Inspectors group of a data migration included."""
    Group.objects.get_or_create(name=settings.INSPECTORS_GROUP)
    call_command("load_demo", "--password", PASSWORD, stdout=io.StringIO())


@pytest.fixture
def page(browser, live_server, demo):
    # bypass_csp: axe-core is injected as a script tag, which a strict Content
    # Security Policy would otherwise (rightly) refuse.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/London",
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Staff land on their actions, managers on their board, inspectors on the national
    # board.
    page.wait_for_url(lambda url: url.endswith(("/actions/", "/board/", "/board/national/")))


def axe_violations(page) -> list[str]:
    """WCAG 2.2 A and AA violations on the current page, one readable line each."""
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map((v) =>
                `${v.id} (${v.impact}): ${v.help} at ` +
                v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', '));
        }""",
        WCAG_TAGS,
    )
    return [f"{page.url}: {line}" for line in violations]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)


def screenshot(page, name: str) -> None:
    if os.environ.get("PEEL_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def choose_status(page, name: str, label: str) -> None:
    """Pick an option of a status field by its label, whether the form shows it as a
    select or as radios."""
    select = page.locator(f"select[name='{name}']")
    if select.count():
        select.select_option(label=label)
    else:
        page.get_by_role("radio", name=label, exact=True).check()
