"""The PCC's 56-day response, drafted from the plan as Word."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from improvements import services
from inspections.models import Finding

from .factories import ActionFactory, FindingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(alpha_finding, owner):
    inspection = alpha_finding.inspection
    inspection.published = date(2026, 11, 20)
    inspection.save()
    judgment = alpha_finding.judgment
    recommendation = FindingFactory(
        inspection=inspection,
        judgment=judgment,
        kind=Finding.Kind.RECOMMENDATION,
        reference="Q1-REC-1",
        text="By 31 March 2027, the force should review how it triages calls — all of them.",
        deadline="by 31 March 2027",
    )
    unanswered = FindingFactory(
        inspection=inspection,
        judgment=judgment,
        kind=Finding.Kind.RECOMMENDATION,
        reference="Q1-REC-2",
        text="The force should publish its victims' code compliance.",
    )
    action = ActionFactory(finding=recommendation, owner=owner, title="Triage review")
    services.progress_update_add(action=action, by=owner, text="Terms of reference agreed")
    return inspection, recommendation, unanswered


def _document(response):
    from docx import Document

    document = Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return paragraphs, cells


def test_the_response_holds_every_recommendation_verbatim_with_its_plan(
    client, manager, report, alpha_finding
):
    inspection, recommendation, unanswered = report
    client.force_login(manager)
    response = client.get(reverse("improvements:inspection-response", args=[inspection.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.docx"')
    paragraphs, cells = _document(response)
    assert recommendation.text in paragraphs and unanswered.text in paragraphs
    assert alpha_finding.text in paragraphs  # areas for improvement too
    due = inspection.published + timedelta(days=56)
    assert any(f"Response due: {due.day} {due:%B %Y}" in p for p in paragraphs)
    assert "Triage review" in cells and any("Terms of reference agreed" in c for c in cells)
    assert any("No action is planned yet" in p for p in paragraphs)
    headings = [p for p in paragraphs if p in ("Recommendations", "Areas for improvement")]
    assert headings == ["Recommendations", "Areas for improvement"]


def test_the_deadline_shows_on_the_inspection_page_and_the_board(client, manager, report):
    inspection, recommendation, _ = report
    ActionFactory(finding=recommendation)
    client.force_login(manager)
    page = client.get(reverse("improvements:inspection-detail", args=[inspection.pk]))
    assert "15 January 2027 (56 days after publication)" in page.content.decode()
    assert "PCC response due 15 January 2027" in client.get("/board/").content.decode()


def test_an_unknown_publication_date_says_so(client, manager, alpha_finding):
    client.force_login(manager)
    inspection = alpha_finding.inspection
    inspection.published = None
    inspection.save()
    page = client.get(reverse("improvements:inspection-detail", args=[inspection.pk]))
    assert "Publication date unknown" in page.content.decode()
    paragraphs, _ = _document(
        client.get(reverse("improvements:inspection-response", args=[inspection.pk]))
    )
    assert "Report published: publication date unknown" in paragraphs
