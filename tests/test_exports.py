"""The action tracker exports (CSV, XLSX) and the follow-up review evidence pack (PDF)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from improvements.boards import exports, jobs
from improvements.boards.exports import COLUMNS
from improvements.models import Action, Evidence, ExportJob, Status
from inspections.models import FollowUpReview, Membership

from .factories import (
    ActionFactory,
    FindingFactory,
    FollowUpReviewFactory,
    JudgmentFactory,
    ProgressUpdateFactory,
)
from .history import writing_history

CSV_URL = "/board/export.csv"
XLSX_URL = "/board/export.xlsx"
C = {name: index for index, name in enumerate(COLUMNS)}  # a column's index by its header


@pytest.fixture
@writing_history()
def tracker(alpha_finding, action, owner, staff, manager, beta_action):
    """Alpha: the fixture's action with two updates (a formula-looking one last), a
    signed-off action with evidence, and a blocked action owned by someone else."""
    earlier = timezone.now() - timedelta(days=3)
    ProgressUpdateFactory(action=action, text="Started.", created_at=earlier)
    latest = ProgressUpdateFactory(
        action=action, text="=1+2", created_at=timezone.now() - timedelta(hours=1)
    )
    Action.objects.filter(pk=action.pk).update(last_update_at=latest.created_at)
    done = ActionFactory(
        finding=alpha_finding,
        title="@SUM(A1:A2) dashboard",
        owner=owner,
        lead=manager,
        status=Status.SIGNED_OFF,
        completed_by=owner,
        completed_at=timezone.now() - timedelta(days=2),
        signed_off_by=manager,
        signed_off_at=timezone.now() - timedelta(days=1),
        due_date=timezone.localdate() - timedelta(days=5),
    )
    ProgressUpdateFactory(action=done, text="-Done: see the policy.")
    Evidence.objects.create(
        action=done,
        link="https://intranet.example.police.uk/policy",
        uploaded_by=owner,
        description="Published policy",
    )
    blocked = ActionFactory(
        finding=alpha_finding, title="Blocked work", owner=staff, status=Status.BLOCKED
    )
    return {"action": action, "done": done, "blocked": blocked, "latest": latest}


def _csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert reader.fieldnames == COLUMNS
    return list(reader)


def _xlsx(response):
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Actions"]
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == COLUMNS
    return sheet, rows[1:]


def test_csv_has_the_columns_and_the_forces_actions_only(client, manager, alpha, tracker):
    client.force_login(manager)
    rows = _csv(client.get(CSV_URL))
    expected = Action.objects.filter(finding__inspection__force=alpha)
    assert len(rows) == expected.count() == 3
    assert {r["Reference"] for r in rows} == {f"Q1-AFI-1/A{a.pk}" for a in expected}
    assert "Beta's action" not in {r["Action"] for r in rows}
    row = next(r for r in rows if r["Reference"].endswith(f"/A{tracker['action'].pk}"))
    assert row["Force"] == "Alpha Police"
    assert row["Finding"] == tracker["action"].finding.text
    assert row["Question"] == "Question 1"
    assert row["Grade"] == "Requires improvement"
    assert row["Owner"] == tracker["action"].owner.get_full_name()
    assert row["Lead"] == tracker["action"].lead.get_full_name()
    assert row["Due date"] == tracker["action"].due_date.isoformat()
    assert row["Status"] == "Not started"
    assert row["RAG"] == "Green"
    # The latest update, by time, and written so that no spreadsheet runs it.
    assert row["Latest update"] == "'=1+2"
    local = timezone.localtime(tracker["latest"].created_at)
    assert row["Latest update date"] == local.strftime("%Y-%m-%d %H:%M")
    # The columns committees asked for.
    action = tracker["action"]
    assert row["Finding kind"] == "Area for improvement"
    assert row["Inspectorate status"] == "Open"
    assert row["Priority"] == "Medium"
    assert row["Original due date"] == row["Due date"] and row["Times re-dated"] == "0"
    assert row["Created"] == timezone.localtime(action.created_at).date().isoformat()
    assert row["Link"].endswith(f"/actions/{action.pk}/")
    done = next(r for r in rows if r["Reference"].endswith(f"/A{tracker['done'].pk}"))
    assert done["Signed off by"] == tracker["done"].signed_off_by.get_full_name()
    assert done["Completed by"] == tracker["done"].completed_by.get_full_name()
    assert done["Evidence items"] == "1"


def test_csv_writes_formula_looking_cells_as_text(client, manager, tracker):
    client.force_login(manager)
    rows = {r["Action"]: r for r in _csv(client.get(CSV_URL))}
    assert "'@SUM(A1:A2) dashboard" in rows
    assert rows["'@SUM(A1:A2) dashboard"]["Latest update"] == "'-Done: see the policy."


def test_csv_follows_the_filters(client, manager, tracker):
    client.force_login(manager)
    rows = _csv(client.get(CSV_URL, {"status": "blocked"}))
    assert [r["Action"] for r in rows] == ["Blocked work"]
    rows = _csv(client.get(CSV_URL, {"rag": ["complete"]}))
    assert [r["Status"] for r in rows] == ["Signed off"]
    rows = _csv(client.get(CSV_URL, {"owner": tracker["blocked"].owner_id}))
    assert [r["Owner"] for r in rows] == [tracker["blocked"].owner.get_full_name()]


def test_xlsx_opens_and_carries_the_columns(client, manager, alpha, tracker):
    client.force_login(manager)
    sheet, rows = _xlsx(client.get(XLSX_URL))
    assert len(rows) == Action.objects.filter(finding__inspection__force=alpha).count()
    by_reference = {row[2].value: row for row in rows}
    row = by_reference[f"Q1-AFI-1/A{tracker['action'].pk}"]
    assert isinstance(row[C["Due date"]].value, datetime)  # a real date, not text
    assert row[C["Due date"]].value.date() == tracker["action"].due_date
    assert isinstance(row[C["Latest update date"]].value, datetime)
    assert sheet.freeze_panes == "A2"


def test_a_formula_looking_update_is_text_in_the_xlsx(client, manager, tracker):
    client.force_login(manager)
    _sheet, rows = _xlsx(client.get(XLSX_URL))
    by_reference = {row[2].value: row for row in rows}
    update = by_reference[f"Q1-AFI-1/A{tracker['action'].pk}"][C["Latest update"]]
    assert update.value == "=1+2"
    assert update.data_type == "s"  # a formula would be "f"
    assert update.quotePrefix
    title = by_reference[f"Q1-AFI-1/A{tracker['done'].pk}"][C["Action"]]
    assert (title.value, title.data_type, title.quotePrefix) == ("@SUM(A1:A2) dashboard", "s", True)
    plain = by_reference[f"Q1-AFI-1/A{tracker['blocked'].pk}"][C["Action"]]
    assert not plain.quotePrefix


def test_a_redated_action_shows_its_first_due_date_and_how_often(client, manager, action):
    from improvements import services

    first = action.due_date
    for days in (10, 20):
        action.refresh_from_db()
        services.action_reassign(
            action=action,
            by=manager,
            owner=action.owner,
            lead=action.lead,
            due_date=first + timedelta(days=days),
            reason="Programme slipped",
        )
    client.force_login(manager)
    row = _csv(client.get(CSV_URL))[0]
    assert row["Original due date"] == first.isoformat()
    assert row["Due date"] == (first + timedelta(days=20)).isoformat()
    assert row["Times re-dated"] == "2"


def test_xlsx_drops_control_characters_that_xml_forbids(client, manager, action):
    ProgressUpdateFactory(action=action, text="Pasted\x0b from Word\x07")
    client.force_login(manager)
    _sheet, rows = _xlsx(client.get(XLSX_URL))
    assert rows[0][C["Latest update"]].value == "Pasted from Word"


def test_xlsx_for_an_inspector_follows_the_force_asked_for(client, inspector, beta, tracker):
    client.force_login(inspector)
    _sheet, rows = _xlsx(client.get(XLSX_URL, {"force": beta.slug}))
    assert [row[C["Action"]].value for row in rows] == ["Beta's action"]
    response = client.get(XLSX_URL)
    assert response.status_code == 302  # inspectors name a force


# --- The evidence pack --------------------------------------------------------------------


@pytest.fixture
def review(alpha_inspection, alpha_finding, tracker):
    review = FollowUpReviewFactory(
        inspection=alpha_inspection,
        title="Follow-up review of Q1",
        evidence_due=timezone.localdate() + timedelta(days=30),
        status=FollowUpReview.Status.SCHEDULED,
    )
    review.judgments.add(alpha_finding.judgment)
    other = JudgmentFactory(inspection=alpha_inspection, number=4)
    review.findings.add(FindingFactory(judgment=other, reference="Q4-AFI-1"))
    return review


def _background(client, url, params=None):
    """Ask for a file built in the background: the request answers with the job's page;
    the task (run here, as the worker would) builds it; the page then links to it."""
    response = client.get(url, params or {})
    assert response.status_code == 302
    status_url = response["Location"]
    job_id = status_url.rstrip("/").split("/")[-1]
    assert client.get(status_url).status_code == 200
    assert jobs.build(job_id) == ExportJob.State.READY
    page = client.get(status_url)
    assert b"Your file is ready" in page.content
    download = client.get(reverse("boards:export-download", args=[job_id]))
    assert download.status_code == 200
    return job_id, b"".join(download.streaming_content)


def test_the_evidence_pack_renders(client, manager, review, tracker):
    from pdfminer.high_level import extract_text

    client.force_login(manager)
    _job, content = _background(client, f"/board/reviews/{review.pk}/pack.pdf")
    assert content.startswith(b"%PDF")
    text = " ".join(extract_text(io.BytesIO(content)).split())
    assert "Evidence pack: Follow-up review of Q1" in text
    assert "Q1-AFI-1" in text and "Q4-AFI-1" in text
    assert "Blocked work" in text and "=1+2" in text
    assert "https://intranet.example.police.uk/policy" in text
    assert "0 of 2 findings in scope ready" in text


def test_the_evidence_pack_checks_access(client, inspector, staff, outsider, review):
    url = f"/board/reviews/{review.pk}/pack.pdf"
    client.force_login(staff)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(inspector)
    _job, content = _background(client, url)
    assert content.startswith(b"%PDF")


def test_the_evidence_pack_query_count_does_not_grow(client, manager, review, alpha_finding, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def build_queries() -> int:
        job = jobs.start_pack(manager, review)
        with CaptureQueriesContext(connection) as captured:
            assert jobs.build(job.pk) == ExportJob.State.READY
        return len(captured.captured_queries)

    before = build_queries()
    for n in range(10):
        extra = ActionFactory(finding=alpha_finding, owner=owner, title=f"More work {n}")
        ProgressUpdateFactory(action=extra)
        Evidence.objects.create(action=extra, link="https://example.org/e", uploaded_by=owner)
    assert build_queries() == before


# --- Built in the background ---------------------------------------------------------------


def test_a_large_workbook_is_built_in_the_background(client, manager, alpha, tracker, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_IN_REQUEST_ROWS", 0)
    client.force_login(manager)
    job_id, content = _background(client, XLSX_URL, {"status": ["in_progress", "blocked"]})
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book.active.iter_rows(min_row=2))
    expected = Action.objects.filter(force=alpha, status__in=["in_progress", "blocked"]).count()
    assert len(rows) == expected > 0
    job = ExportJob.objects.get(pk=job_id)
    assert (job.user, job.force, job.total, job.percent) == (manager, alpha, expected, 100)
    assert jobs.build(job_id) == ExportJob.State.READY  # a second delivery builds nothing


def test_a_download_is_for_the_person_who_asked_and_for_a_day(
    client, manager, owner, review, time_machine
):
    job = jobs.start_pack(manager, review)
    jobs.build(job.pk)
    job.refresh_from_db()
    status = reverse("boards:export-status", args=[job.pk])
    download = reverse("boards:export-download", args=[job.pk])
    client.force_login(owner)  # same force, not the one who asked
    assert client.get(status).status_code == 404
    assert client.get(download).status_code == 404
    client.force_login(manager)
    assert client.get(download).status_code == 200
    path = job.file.path if hasattr(job.file, "path") else None
    time_machine.move_to(timezone.now() + timedelta(days=1, minutes=1))
    client.force_login(manager)  # a day on, yesterday's session has timed out
    assert client.get(status).status_code == 404
    assert jobs.purge_expired() == 1
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    if path:
        import os

        assert not os.path.exists(path)


def test_a_job_fails_cleanly_when_access_is_lost(client, manager, review, alpha):
    job = jobs.start_pack(manager, review)
    Membership.objects.filter(user=manager, force=alpha).delete()
    assert jobs.build(job.pk) == ExportJob.State.FAILED
    job.refresh_from_db()
    assert "no longer" in job.error


# --- Sheets committees can use ---------------------------------------------------------------


def test_a_force_with_no_actions_still_exports_its_findings(client, manager, alpha_finding):
    unplanned = FindingFactory(
        inspection=alpha_finding.inspection, judgment=alpha_finding.judgment, reference="Q1-AFI-7"
    )
    client.force_login(manager)
    response = client.get(XLSX_URL)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["About", "Findings", "Actions"]
    assert book.active.title == "Actions"
    findings = list(book["Findings"].iter_rows(min_row=2, values_only=True))
    by_reference = {row[1]: row for row in findings}
    assert set(by_reference) == {alpha_finding.reference, unplanned.reference}
    assert by_reference["Q1-AFI-7"][7] == 0 and by_reference["Q1-AFI-7"][11] == "No action yet"
    assert by_reference["Q1-AFI-7"][6] == unplanned.text
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["Force"] == "Alpha Police"
    assert about["Filters"] == "None: every action of the force"
    assert "filtered" not in response["Content-Disposition"]


def test_a_filtered_workbook_says_so(client, manager, tracker):
    client.force_login(manager)
    response = client.get(XLSX_URL, {"status": ["blocked"]})
    assert "-filtered.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["Filters"] == "Applied, as below"
    assert about["  Status"] == "Blocked"
    assert [row[C["Action"]] for row in book["Actions"].iter_rows(min_row=2, values_only=True)] == [
        "Blocked work"
    ]


def test_a_download_is_refused_once_the_force_is_lost(client, manager, review, alpha):
    job = jobs.start_pack(manager, review)
    assert jobs.build(job.pk) == ExportJob.State.READY
    client.force_login(manager)
    download = reverse("boards:export-download", args=[job.pk])
    assert client.get(download).status_code == 200
    Membership.objects.filter(user=manager, force=alpha).delete()
    assert client.get(download).status_code == 404
    assert client.get(reverse("boards:export-status", args=[job.pk])).status_code == 404


def test_asking_again_while_a_file_is_being_built_joins_it(client, manager, review):
    client.force_login(manager)
    url = f"/board/reviews/{review.pk}/pack.pdf"
    first = client.get(url)["Location"]
    assert client.get(url)["Location"] == first  # a reload, a prefetch
    assert ExportJob.objects.count() == 1
    jobs.build(first.rstrip("/").split("/")[-1])
    assert client.get(url)["Location"] != first  # once built, a new request is a new file
