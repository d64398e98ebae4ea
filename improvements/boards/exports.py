"""The action tracker as CSV and XLSX, and a follow-up review's evidence pack as PDF.

The tracker's columns are the ones committee papers use. Rows come from
``selectors.export_actions`` (the user's scope and the board's filters, the latest update by
a subquery): one query, streamed in chunks. Text a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@`` …) is written as text in both formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from inspections.exports import FORMULA_PREFIXES, safe_cell
from inspections.models import Grade

from ..models import Action
from . import selectors

# Above this, the workbook is built by a Celery task: openpyxl writes about 1,000 rows a
# second, so a request stays under half a second (docs/PERFORMANCE.md).
XLSX_IN_REQUEST_ROWS = 500
COLUMNS = [
    "Force",
    "Inspection",
    "Reference",
    "Finding kind",
    "Finding",
    "Question",
    "Grade",
    "Inspectorate status",
    "Action",
    "Priority",
    "Owner",
    "Lead",
    "Contributors",
    "Created",
    "Original due date",
    "Due date",
    "Times re-dated",
    "Status",
    "RAG",
    "Completed on",
    "Completed by",
    "Signed off on",
    "Signed off by",
    "Evidence items",
    "Latest update",
    "Latest update date",
    "Link",
]
# Column widths for the XLSX, in characters.
WIDTHS = [
    20,
    22,
    16,
    18,
    60,
    12,
    20,
    18,
    50,
    9,
    20,
    20,
    24,
    12,
    12,
    12,
    8,
    14,
    10,
    12,
    20,
    12,
    20,
    9,
    60,
    18,
    40,
]
CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _grade(value: str) -> str:
    return Grade(value).label if value else "Not graded"


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def export_row(action: Action) -> list:
    """One action as the tracker's cells (plain values: the writers make them safe)."""
    finding = action.finding
    inspection = finding.inspection
    return [
        inspection.force.name,
        " – ".join(p for p in (inspection.programme, inspection.pillar) if p),
        f"{finding.reference}/A{action.pk}",
        finding.get_kind_display(),
        finding.text,
        finding.judgment.label,
        _grade(finding.judgment.grade),
        finding.get_status_display(),
        action.title,
        action.get_priority_display(),
        _person(action.owner),
        _person(action.lead),
        ", ".join(_person(p) for p in action.contributors.all()),
        timezone.localtime(action.created_at).date(),
        action.original_due_date,
        action.due_date,
        action.times_redated,
        action.get_status_display(),
        action.get_rag_display(),
        _local(action.completed_at),
        _person(action.completed_by),
        _local(action.signed_off_at),
        _person(action.signed_off_by),
        action.evidence_items or 0,
        action.latest_update_text or "",
        _local(action.latest_update_at),
        f"{settings.SITE_URL}{action.get_absolute_url()}",
    ]


def _rows(actions) -> Iterator[list]:
    for action in actions.iterator(chunk_size=CHUNK):
        yield export_row(action)


# --- CSV --------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _csv_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_cell(value)


def _csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte order mark, so that Excel opens the UTF-8 file with its accents intact.
    yield "\ufeff" + writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def actions_csv_response(actions, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(_rows(actions)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- XLSX -------------------------------------------------------------------------------


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        # Control characters pasted from other programs are not allowed in the XML.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        # openpyxl would store "=…" as a formula: store it as a string, and mark it
        # quote-prefixed so that Excel keeps it text when someone edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = "dd/mm/yyyy hh:mm"
    elif hasattr(value, "isoformat"):
        cell.number_format = "dd/mm/yyyy"
    return cell


FINDING_COLUMNS = [
    "Inspection",
    "Reference",
    "Kind",
    "Question",
    "Grade",
    "Inspectorate status",
    "Finding",
    "Actions",
    "Signed off",
    "Open",
    "Overdue",
    "Roll-up",
]


def _roll_up(finding) -> str:
    if not finding.n_actions:
        return "No action yet"
    if finding.n_overdue:
        return "Overdue actions"
    if finding.n_signed_off == finding.n_actions:
        return "All signed off"
    return "In progress"


def finding_row(finding) -> list:
    inspection = finding.inspection
    return [
        " – ".join(p for p in (inspection.programme, inspection.pillar) if p),
        finding.reference,
        finding.get_kind_display(),
        finding.judgment.label,
        _grade(finding.judgment.grade),
        finding.get_status_display(),
        finding.text,
        finding.n_actions,
        finding.n_signed_off,
        finding.n_open,
        finding.n_overdue,
        _roll_up(finding),
    ]


def _sheet(book, title, columns, widths):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def actions_xlsx(actions, progress=None, findings=None, cover=None) -> bytes:
    """The tracker workbook: a cover sheet (``cover``: lines of label and value), the
    Findings sheet (``findings``, from ``selectors.export_findings``: every finding, with
    or without actions) and the Actions sheet. ``progress(rows_done)`` is called every
    ``CHUNK`` action rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    if cover is not None:
        front = book.create_sheet("About")
        front.column_dimensions["A"].width = 24
        front.column_dimensions["B"].width = 80
        title = WriteOnlyCell(front, value="PEEL improvement tracker: action plan")
        title.font = Font(bold=True, size=14)
        front.append([title])
        for label, value in cover:
            front.append([_xlsx_cell(front, label), _xlsx_cell(front, value)])
    if findings is not None:
        listed = _sheet(
            book, "Findings", FINDING_COLUMNS, [24, 16, 22, 12, 20, 18, 70, 9, 9, 9, 9, 16]
        )
        n = 0
        for finding in findings.iterator(chunk_size=CHUNK):
            listed.append([_xlsx_cell(listed, value) for value in finding_row(finding)])
            n += 1
        listed.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_COLUMNS))}{n + 1}"
    sheet = _sheet(book, "Actions", COLUMNS, WIDTHS)
    book.active = len(book.worksheets) - 1  # the workbook opens on its actions
    count = 0
    for row in _rows(actions):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def tracker_cover(force, user, board_filter, today) -> list[tuple[str, str]]:
    filters = board_filter.described()
    lines = [
        ("Force", force.name),
        ("Produced", f"{today:%d/%m/%Y} by {_person(user)}"),
        ("Filters", "None: every action of the force" if not filters else "Applied, as below"),
    ]
    lines += [(f"  {label}", value) for label, value in filters]
    lines.append(("Sheets", "Findings: every finding, with or without actions. Actions."))
    return lines


def tracker_parts(user, force, board_filter, today) -> dict:
    """What a tracker workbook holds besides its actions: the cover and the findings."""
    return {
        "findings": selectors.export_findings(board_filter.findings(), today),
        "cover": tracker_cover(force, user, board_filter, today),
    }


def actions_xlsx_response(actions, filename: str, **parts) -> HttpResponse:
    response = HttpResponse(actions_xlsx(actions, **parts), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# --- Evidence pack (PDF) ----------------------------------------------------------------


def _refuse_urls():
    """WeasyPrint fetches nothing: the pack is plain text and tables, and evidence links
    are printed, never followed."""
    import weasyprint

    fetcher_class = getattr(weasyprint, "URLFetcher", None)
    if fetcher_class is not None:
        return fetcher_class(allowed_protocols=())

    def refuse(url, *args, **kwargs):
        raise ValueError(f"The evidence pack does not load {url}")

    return refuse


def review_pack_html(user, review) -> str:
    findings = selectors.review_pack(user, review)
    readiness = selectors.reviews_with_readiness(type(review).objects.filter(pk=review.pk)).get()
    return render_to_string(
        "boards/review_pack.html",
        {
            "review": review,
            "inspection": review.inspection,
            "force": review.inspection.force,
            "findings": findings,
            "scope_count": readiness.scope_count,
            "ready_count": readiness.ready_count,
            "generated_at": timezone.localtime(),
            "produced_by": user,
        },
    )


def review_pack_pdf(user, review) -> bytes:
    import weasyprint

    html = review_pack_html(user, review)
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_refuse_urls()).write_pdf()


def review_pack_filename(review) -> str:
    return f"evidence-pack-{review.inspection.force.slug}-review-{review.pk}.pdf"
