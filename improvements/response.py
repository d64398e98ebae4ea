"""The police and crime commissioner's response to an inspection report, drafted from
the plan as a Word document (python-docx).

Section 55 of the Police Act 1996 requires the PCC to publish comments on each report
within 56 days of its publication, explaining for each recommendation what action has
been or will be taken, or why none. Forces and PCCs write it from the action plan: this
drafts it, for them to edit. Recommendations come first, then areas for improvement (as
forces also answer them), each verbatim with its planned actions, owners, due dates and
latest progress. Three queries however long the report.
"""

from __future__ import annotations

import io

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from inspections.models import Finding

from .models import INACTIVE_STATUSES, Action, ProgressUpdate

ANSWERED = [
    (Finding.Kind.ACCELERATED_CAUSE_OF_CONCERN, "Accelerated causes of concern"),
    (Finding.Kind.CAUSE_OF_CONCERN, "Causes of concern"),
    (Finding.Kind.RECOMMENDATION, "Recommendations"),
    (Finding.Kind.AREA_FOR_IMPROVEMENT, "Areas for improvement"),
]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def response_findings(inspection):
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    actions = (
        Action.objects.exclude(status__in=INACTIVE_STATUSES)
        .select_related("owner")
        .annotate(
            latest_text=Subquery(latest.values("text")[:1]),
            latest_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("due_date", "pk")
    )
    return (
        inspection.findings.filter(kind__in=[kind for kind, _ in ANSWERED])
        .select_related("judgment", "parent")
        .prefetch_related(Prefetch("actions", queryset=actions, to_attr="planned"))
        .order_by("judgment__number", "position", "pk")
    )


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _date(value) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def response_docx(inspection) -> bytes:
    from docx import Document
    from docx.shared import Pt

    findings = list(response_findings(inspection))
    force = inspection.force
    doc = Document()
    doc.core_properties.title = f"Response to {inspection.title}"
    doc.core_properties.author = force.name
    doc.add_heading(f"Response to the inspection report: {inspection.title}", level=0)
    p = doc.add_paragraph()
    p.add_run("Draft for the police and crime commissioner: edit before publication.").bold = True
    doc.add_paragraph(f"Force: {force.name}")
    doc.add_paragraph(
        "Report published: "
        + (_date(inspection.published) if inspection.published else "publication date unknown")
    )
    due = inspection.response_due
    doc.add_paragraph(
        "Response due: "
        + (
            f"{_date(due)} (56 days after publication, Police Act 1996, section 55)"
            if due
            else "56 days after publication (the publication date is unknown)"
        )
    )
    doc.add_paragraph(f"Drafted from the action plan on {_date(timezone.localdate())}.")
    doc.add_heading("Introduction", level=1)
    doc.add_paragraph(
        "[The commissioner's comments on the report as a whole: what it found, and how the "
        "force's plan answers it.]"
    )
    for kind, heading in ANSWERED:
        of_kind = [f for f in findings if f.kind == kind]
        if not of_kind:
            continue
        doc.add_heading(heading, level=1)
        for finding in of_kind:
            doc.add_heading(f"{finding.reference} ({finding.judgment.label})", level=2)
            quote = doc.add_paragraph(finding.text, style="Intense Quote")
            quote.paragraph_format.space_after = Pt(6)
            if finding.deadline:
                doc.add_paragraph(f"Deadline set by the inspectorate: {finding.deadline}")
            if not finding.planned:
                doc.add_paragraph(
                    "No action is planned yet. [Say what action will be taken, or why none "
                    "is needed.]"
                )
                continue
            doc.add_paragraph("Action taken or planned:")
            table = doc.add_table(rows=1, cols=5)
            table.style = "Table Grid"
            for cell, text in zip(
                table.rows[0].cells,
                ("Action", "Owner", "Due", "Status", "Latest progress"),
                strict=True,
            ):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for action in finding.planned:
                latest = action.latest_text or ""
                if latest and action.latest_at:
                    latest = f"{_date(timezone.localtime(action.latest_at))}: {latest}"
                for cell, text in zip(
                    table.add_row().cells,
                    (
                        action.title,
                        _person(action.owner),
                        _date(action.due_date),
                        action.get_status_display(),
                        latest,
                    ),
                    strict=True,
                ):
                    cell.text = text
            doc.add_paragraph("[The commissioner's comment on this finding.]")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def response_filename(inspection) -> str:
    day = inspection.published or timezone.localdate()
    return f"pcc-response-{inspection.force.slug}-{day:%Y-%m-%d}.docx"
