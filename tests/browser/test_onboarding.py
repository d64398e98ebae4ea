"""A force administrator onboards people without a superuser, and a manager brings in
the force's spreadsheet tracker with a preview first, as a user would in the browser."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from improvements.models import Action, ProgressUpdate
from inspections.models import Inspection

from .conftest import assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "correct-horse-battery-2027"


def test_an_administrator_invites_someone_who_signs_in_with_their_link(page, browser, live_server):
    login(page, "staffs.admin")
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    assert_accessible(page)
    screenshot(page, "team.png")

    page.get_by_role("link", name="Invite someone").click()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Email address").fill("jane.smith@staffordshire.police.uk")
    page.get_by_role("radio", name="Manager", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Jane Smith is invited")

    (message,) = [m for m in mail.outbox if "jane.smith@" in m.to[0]]
    link = re.search(r"https?://\S+/welcome/\S+/", message.body).group(0)
    path = "/" + link.split("/", 3)[3]

    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    newcomer = context.new_page()
    newcomer.goto(path)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Choose your password")
    assert_accessible(newcomer)
    newcomer.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Save password and sign in").click()
    newcomer.wait_for_url(re.compile(r"/board/$"))  # a manager starts at the board
    newcomer.goto(path)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(
        "This invitation link has expired"
    )
    context.close()


def test_deactivating_someone_lists_their_open_actions(page):
    login(page, "staffs.admin")
    page.goto("/team/")
    page.get_by_role("link", name="Olivia Hughes").click()
    assert_accessible(page)
    screenshot(page, "team-member.png")
    page.get_by_role("button", name="Deactivate Olivia Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Olivia Hughes is deactivated")
    expect(page.locator("#open-actions li").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Reassign their actions").click()
    expect(page).to_have_url(re.compile(r"/actions/\?scope=all&owner=officer"))


def test_a_manager_imports_the_forces_tracker_after_a_preview(page, tmp_path):
    inspection = Inspection.objects.get(force__slug="staffordshire-police")
    finding = inspection.findings.get(reference="Q1-AFI-1")
    before = Action.objects.filter(finding__inspection=inspection).count()
    tracker = tmp_path / "staffs-peel-tracker.csv"
    tracker.write_text(
        "Staffordshire Police PEEL tracker\n\n"
        "Ref,Recommendation / AFI,Action,Action owner,Target date,Status,RAG,Latest update,Date of update\n"
        f'Q1-AFI-1,"{finding.text[:80]}",Brief every response team on the new triage,'
        "Olivia Hughes,31/03/2027,In progress,Amber,Four of nine teams briefed.,01/11/2026\n",
        encoding="utf-8",
    )
    login(page, "manager")
    page.goto(f"/inspections/{inspection.pk}/plan/")
    page.get_by_role("link", name="Import your tracker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import your tracker")
    assert_accessible(page)
    page.get_by_label("Your tracker").set_input_files(str(tracker))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="What the import will do")).to_be_visible()
    expect(page.locator("#row-4")).to_contain_text("New action")
    assert_accessible(page)
    screenshot(page, "tracker-import-preview.png")
    assert Action.objects.filter(finding__inspection=inspection).count() == before

    page.get_by_role("button", name="Import 1 action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 action imported from staffs-peel-tracker.csv"
    )
    created = Action.objects.get(title="Brief every response team on the new triage")
    assert created.owner.username == "officer" and created.status == "in_progress"
    update = ProgressUpdate.objects.get(action=created)
    assert update.imported_from == "Imported from staffs-peel-tracker.csv"
