"""The action tracker exports (CSV, XLSX) and the follow-up review evidence pack (PDF)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from improvements.boards.exports import COLUMNS
from improvements.models import Action, Evidence, Status
from inspections.models import FollowUpReview

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
    assert isinstance(row[9].value, datetime)  # a real date, not text
    assert row[9].value.date() == tracker["action"].due_date
    assert isinstance(row[13].value, datetime)
    assert sheet.freeze_panes == "A2"


def test_a_formula_looking_update_is_text_in_the_xlsx(client, manager, tracker):
    client.force_login(manager)
    _sheet, rows = _xlsx(client.get(XLSX_URL))
    by_reference = {row[2].value: row for row in rows}
    update = by_reference[f"Q1-AFI-1/A{tracker['action'].pk}"][12]
    assert update.value == "=1+2"
    assert update.data_type == "s"  # a formula would be "f"
    assert update.quotePrefix
    title = by_reference[f"Q1-AFI-1/A{tracker['done'].pk}"][6]
    assert (title.value, title.data_type, title.quotePrefix) == ("@SUM(A1:A2) dashboard", "s", True)
    plain = by_reference[f"Q1-AFI-1/A{tracker['blocked'].pk}"][6]
    assert not plain.quotePrefix


def test_xlsx_drops_control_characters_that_xml_forbids(client, manager, action):
    ProgressUpdateFactory(action=action, text="Pasted\x0b from Word\x07")
    client.force_login(manager)
    _sheet, rows = _xlsx(client.get(XLSX_URL))
    assert rows[0][12].value == "Pasted from Word"


def test_xlsx_for_an_inspector_follows_the_force_asked_for(client, inspector, beta, tracker):
    client.force_login(inspector)
    _sheet, rows = _xlsx(client.get(XLSX_URL, {"force": beta.slug}))
    assert [row[6].value for row in rows] == ["Beta's action"]
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


def test_the_evidence_pack_renders(client, manager, review, tracker):
    from pdfminer.high_level import extract_text

    client.force_login(manager)
    response = client.get(f"/board/reviews/{review.pk}/pack.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(extract_text(io.BytesIO(response.content)).split())
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
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_evidence_pack_query_count_does_not_grow(client, manager, review, alpha_finding, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    url = f"/board/reviews/{review.pk}/pack.pdf"
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(10):
        extra = ActionFactory(finding=alpha_finding, owner=owner, title=f"More work {n}")
        ProgressUpdateFactory(action=extra)
        Evidence.objects.create(action=extra, link="https://example.org/e", uploaded_by=owner)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
