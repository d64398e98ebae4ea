"""With the Content Security Policy enforced (the other browser tests bypass it to inject
axe-core), the main pages run without a single violation."""

from __future__ import annotations

import pytest

from improvements.models import Action
from inspections.models import FollowUpReview, Inspection

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_csp_violations(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append((page.url, message.text))
            if "Content Security Policy" in message.text
            else None
        ),
    )
    action = Action.objects.filter(finding__inspection__force__slug="staffordshire-police").first()
    inspection = Inspection.objects.get(force__slug="staffordshire-police")
    review = FollowUpReview.objects.filter(inspection=inspection).first()
    for username, paths in [
        (
            "manager",
            [
                "/actions/?scope=all&rag=red",
                f"/actions/{action.pk}/",
                "/inspections/",
                f"/inspections/{inspection.pk}/",
                f"/reviews/{review.pk}/",
                "/board/",
                "/account/reminders/",
            ],
        ),
        (
            "inspector",
            [
                "/board/national/",
                "/admin/",
                f"/admin/inspections/inspection/{inspection.pk}/change/",
                "/admin/inspections/inspection/import/",
            ],
        ),
    ]:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            assert "default-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
        context.clear_cookies()
    context.close()
    assert violations == []
