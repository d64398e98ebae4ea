"""Importing a force's existing spreadsheet tracker (``manage.py import_tracker`` and the
import page): each row of the tracker becomes an action on the finding it answers, with
its latest update as a first progress update marked as imported.

Where django-import-export fits, it is used: its temporary storage keeps the uploaded
file between the import page's preview and its confirmation. Its ``Resource`` is not
used for the rows: it maps one row to one model instance found by its id columns,
whereas a tracker row is matched to a finding by reference or by the likeness of its
text, names people by email or name, and becomes an action and its first log entries
through the same services as every other path (``services.actions_create``,
``services.progress_update_add``). Nor are its formats (tablib) used to read the file:
tablib's workbook reader takes the first row of the first sheet as the header and
refuses a sheet whose rows differ in length, and real trackers have a cover sheet, a
title above the header and ragged rows. openpyxl reads every sheet as it is, and the
header is looked for in the first rows of each.

The import is all or nothing. ``plan_tracker`` reads and matches without writing;
``import_tracker`` saves only when no row has a problem (unmatched rows may be left out
on request), inside one transaction, which a dry run rolls back: a dry run reports what
the real run would do, the services' own checks included.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from difflib import SequenceMatcher

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inspections.models import Finding, Membership

from .filters import PeopleDirectory, person_label
from .models import Action, Status
from .services import NewAction, PlanRefused, actions_create, progress_update_add
from .workflow import MoveRefused

HEADER_SCAN_ROWS = 15
TITLE_MAX = Action._meta.get_field("title").max_length
# How alike a row's finding text must be to a finding's (0 to 1) to count as a match.
TEXT_MATCH = 0.75
# Below this, a row's reference is trusted over a different finding whose text is alike.
TEXT_OVERRIDES_REFERENCE = 0.85
TEXT_HINT = 0.5

# Header words, in the order they are tried; a header matching none is ignored.
IGNORED_WORDS = (
    "rag",
    "original",
    "kind",
    "type",
    "created",
    "completed on",
    "completed by",
    "signed",
    "times",
    "evidence",
    "link",
    "force",
    "inspection",
    "question",
    "grade",
    "priority",
    "contributor",
    "inspectorate",
)
FIELDS = {
    "update_date": ("update date", "date of update", "last updated", "date updated", "updated on"),
    "reference": ("ref", "reference", "id", "no", "number", "#"),
    "due_date": ("due", "target date", "deadline", "completion date", "timescale", "by when"),
    "owner": ("owner", "responsible", "assigned", "action holder"),
    "lead": ("lead", "sro", "chief officer", "accountable"),
    "status": ("status", "state"),
    "update": ("update", "progress", "comment", "commentary", "notes"),
    "action": ("action", "actions", "activity", "response"),
    "finding": (
        "finding",
        "recommendation",
        "area for improvement",
        "afi",
        "cause of concern",
        "hmicfrs",
        "hmic",
    ),
}
LABELS = {
    "reference": "Reference",
    "finding": "Finding",
    "action": "Action",
    "owner": "Owner",
    "lead": "Lead",
    "due_date": "Due date",
    "status": "Status",
    "update": "Latest update",
    "update_date": "Update date",
}
STATUS_WORDS = {
    Status.NOT_STARTED: ("not started", "not yet started", "planned", "open", "new", "to do"),
    Status.IN_PROGRESS: (
        "in progress",
        "ongoing",
        "started",
        "on track",
        "progressing",
        "active",
        "underway",
        "under way",
        "at risk",
        "off track",
        "delayed",
    ),
    Status.BLOCKED: ("blocked", "on hold", "paused", "stalled"),
    Status.COMPLETED: (
        "complete",
        "completed",
        "done",
        "closed",
        "achieved",
        "finished",
        "signed off",
        "awaiting sign off",
        "awaiting sign-off",
    ),
}
# The moves an import makes from "not started" to reach each status.
STATUS_PATH = {
    Status.NOT_STARTED: [],
    Status.IN_PROGRESS: [Status.IN_PROGRESS],
    Status.BLOCKED: [Status.BLOCKED],
    Status.COMPLETED: [Status.IN_PROGRESS, Status.COMPLETED],
}
EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")


class TrackerUnreadable(Exception):
    """The file is not a tracker this can read; the message names the row or header."""


@dataclass
class Table:
    sheet: str
    header_row: int  # as the spreadsheet numbers it, from 1
    columns: dict[str, int]  # field -> column position
    rows: list[tuple[int, list]]  # (row number, cells)


def _words(text) -> str:
    return " ".join(re.sub(r"[^a-z0-9#]+", " ", str(text).lower()).split())


def classify_header(text) -> str | None:
    """The field a column header names, or None."""
    words = _words(text or "")
    if not words:
        return None
    padded = f" {words} "
    if any(f" {w} " in padded for w in IGNORED_WORDS) and "update" not in words:
        return None
    for name, synonyms in FIELDS.items():
        if any(f" {w} " in padded for w in synonyms):
            return name
    return None


def _header_columns(cells) -> dict[str, int]:
    columns: dict[str, int] = {}
    for position, cell in enumerate(cells):
        name = classify_header(cell)
        if name and name not in columns:
            columns[name] = position
    return columns


def _missing(columns) -> list[str]:
    missing = [LABELS[f] for f in ("action", "owner", "due_date") if f not in columns]
    if "reference" not in columns and "finding" not in columns:
        missing.insert(0, "Reference or Finding")
    return missing


def _find_table(sheets: list[tuple[str, list[list]]]) -> Table:
    best = None  # the likeliest header, for the message when none is complete
    for sheet, rows in sheets:
        for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
            columns = _header_columns(cells)
            if len(columns) < 2:
                continue
            if not _missing(columns):
                body = [(index + 2 + n, list(r)) for n, r in enumerate(rows[index + 1 :])]
                return Table(sheet, index + 1, columns, body)
            if best is None or len(columns) > len(best[2]):
                best = (sheet, index + 1, columns)
    if best is None:
        raise TrackerUnreadable(
            f"No header row in the first {HEADER_SCAN_ROWS} rows: a tracker needs columns "
            "such as Reference, Finding, Action, Owner and Due date."
        )
    sheet, row, columns = best
    where = f"row {row}" + (f" of sheet “{sheet}”" if sheet else "")
    raise TrackerUnreadable(
        f"The header in {where} has no {' or '.join(_missing(columns))} column."
    )


def read_tracker(content: bytes, filename: str) -> Table:
    """The tracker's table: the header row found in the first rows of a sheet (trackers
    often have a title above it), and every row below it."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04":
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheets = [
                (sheet.title, [list(r) for r in sheet.iter_rows(values_only=True)])
                for sheet in book.worksheets
            ]
        except Exception:
            raise TrackerUnreadable(
                "The file is not an Excel workbook (.xlsx) I can read."
            ) from None
    elif name.endswith(".csv") or name.endswith(".txt"):
        text = _decode(content)
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise TrackerUnreadable(f"The CSV file can't be read: {exc}.") from None
        sheets = [("", rows)]
    else:
        raise TrackerUnreadable("Upload the tracker as an Excel workbook (.xlsx) or a CSV file.")
    return _find_table(sheets)


def _decode(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise TrackerUnreadable("The file is not a CSV file: it holds binary data.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TrackerUnreadable("The CSV file's text can't be read: save it as UTF-8.")


def parse_date(value) -> date | None:
    """A tracker's date: an Excel date, dd/mm/yyyy, ISO or "3 March 2027". None if
    blank; ValueError if it is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial date (1954 to 2119)
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError
    text = " ".join(str(value).split())
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    if re.fullmatch(r"\d{4,5}(\.0)?", text):
        return parse_date(float(text))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T][\d:.]+", text):
        text = text[:10]
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError


def parse_status(value) -> str | None:
    words = _words(value or "")
    if not words:
        return None
    for status, names in STATUS_WORDS.items():
        if words in (_words(n) for n in names):
            return status
    raise ValueError


def normal_reference(text) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(text or "").upper())


def _text_key(text) -> str:
    return _words(text)


def likeness(a: str, b: str) -> float:
    """How alike two findings' texts are, 0 to 1: the tracker's text may be shortened
    or lightly reworded."""
    if not a or not b:
        return 0.0
    if len(a) >= 40 and (a in b or b in a):
        return max(0.95, SequenceMatcher(None, a, b, autojunk=False).ratio())
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _cell(cells, columns, name) -> str:
    position = columns.get(name)
    if position is None or position >= len(cells) or cells[position] is None:
        return ""
    value = cells[position]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _raw(cells, columns, name):
    position = columns.get(name)
    if position is None or position >= len(cells):
        return None
    return cells[position]


def _title_and_description(text: str) -> tuple[str, str]:
    text = text.strip()
    first = " ".join(text.splitlines()[0].split()) if text else ""
    if len(first) <= TITLE_MAX and first == " ".join(text.split()):
        return first, ""
    cut = first[: TITLE_MAX - 1]
    if len(first) > TITLE_MAX - 1:
        cut = cut.rsplit(" ", 1)[0] + "…"
    return cut, text


@dataclass
class TrackerRow:
    row: int
    reference: str = ""
    finding_text: str = ""
    title: str = ""
    description: str = ""
    owner: object = None
    lead: object = None
    due_date: date | None = None
    status: str = Status.NOT_STARTED
    update: str = ""
    update_date: date | None = None
    finding: Finding | None = None
    match: str = ""
    confidence: int = 0
    outcome: str = ""  # "create", "unchanged", "unmatched" or "error"
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    action: Action | None = None

    def message(self) -> str:
        return "; ".join(self.problems)

    def get_status_label(self) -> str:
        return Status(self.status).label


@dataclass
class TrackerImport:
    filename: str
    force: object
    table: Table | None = None
    rows: list[TrackerRow] = field(default_factory=list)
    file_error: str = ""
    skip_unmatched: bool = False
    dry_run: bool = False
    saved: bool = False
    acted_as: object = None

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def count_unmatched(self) -> int:
        return self.count("unmatched")

    @property
    def blocking(self) -> list[TrackerRow]:
        blocked = {"error"} if self.skip_unmatched else {"error", "unmatched"}
        return [r for r in self.rows if r.outcome in blocked]

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.blocking

    def errors(self) -> list[dict]:
        if self.file_error:
            return [
                {"row": self.table.header_row if self.table else None, "message": self.file_error}
            ]
        return [{"row": r.row, "message": r.message()} for r in self.blocking]

    def summary(self) -> dict:
        """What the command prints with ``--json``. A dry run creates nothing: it says
        ``would_create``."""
        creating = self.count("create") if self.ok else 0
        return {
            "rows": len(self.rows),
            "matched": sum(1 for r in self.rows if r.finding is not None),
            "created": creating if self.saved else 0,
            "would_create": creating if self.dry_run else 0,
            "unchanged": self.count("unchanged"),
            "unmatched": self.count("unmatched"),
            "errors": self.errors(),
            "skipped": (
                [
                    {"row": r.row, "message": r.message()}
                    for r in self.rows
                    if r.outcome == "unmatched"
                ]
                if self.skip_unmatched
                else []
            ),
            "dry_run": self.dry_run,
            "saved": self.saved,
        }


class _Findings:
    """The findings a tracker may answer, indexed by reference and by text."""

    def __init__(self, findings):
        self.all = list(findings)
        self.by_reference: dict[str, list[Finding]] = {}
        for finding in self.all:
            self.by_reference.setdefault(normal_reference(finding.reference), []).append(finding)
            finding._text_key = _text_key(finding.text)
            finding._words = set(finding._text_key.split())

    def by_ref(self, reference: str) -> list[Finding]:
        key = normal_reference(reference)
        if not key:
            return []
        exact = self.by_reference.get(key)
        if exact:
            return exact
        # "AFI 3" for "Q2-AFI-3": the reference without the question, if only one has it.
        return [
            f
            for k, fs in self.by_reference.items()
            if k.endswith(key) and len(key) >= 3
            for f in fs
        ]

    def by_text(self, text: str) -> list[tuple[float, Finding]]:
        key = _text_key(text)
        if not key:
            return []
        words = set(key.split())
        # Shortlist by shared words, then compare the texts themselves.
        ranked = sorted(
            self.all,
            key=lambda f: len(words & f._words) / (len(words | f._words) or 1),
            reverse=True,
        )[:5]
        scored = [(likeness(key, f._text_key), f) for f in ranked]
        return sorted(scored, key=lambda pair: pair[0], reverse=True)


def _match(row: TrackerRow, findings: _Findings) -> None:
    by_ref = findings.by_ref(row.reference) if row.reference else []
    by_text = findings.by_text(row.finding_text) if row.finding_text else []
    best_score, best = by_text[0] if by_text else (0.0, None)
    if len(by_ref) > 1:
        # The same reference in several inspections: the text decides.
        scored = sorted(
            ((likeness(_text_key(row.finding_text), f._text_key), f) for f in by_ref),
            key=lambda p: p[0],
            reverse=True,
        )
        if row.finding_text and scored[0][0] >= TEXT_MATCH:
            row.finding, row.confidence = scored[0][1], round(scored[0][0] * 100)
            row.match = "reference and text"
            return
        row.problems.append(
            f"reference “{row.reference}” is in {len(by_ref)} inspections: choose the "
            "inspection to import into"
        )
        return
    if by_ref:
        finding = by_ref[0]
        if not row.finding_text:
            row.finding, row.confidence, row.match = finding, 100, "reference"
            return
        score = likeness(_text_key(row.finding_text), finding._text_key)
        if score >= TEXT_MATCH:
            row.finding, row.confidence, row.match = finding, 100, "reference and text"
            return
        if best is not None and best is not finding and best_score >= TEXT_OVERRIDES_REFERENCE:
            row.finding, row.confidence = best, round(best_score * 100)
            row.match = f"text ({row.confidence}% alike); the reference “{row.reference}” is another finding's"
            return
        row.finding, row.confidence = finding, round(score * 100)
        row.match = f"reference only: the text is {round(score * 100)}% alike"
        return
    if best is not None and best_score >= TEXT_MATCH:
        row.finding, row.confidence = best, round(best_score * 100)
        row.match = f"text ({row.confidence}% alike)" + (
            f"; no finding has the reference “{row.reference}”" if row.reference else ""
        )
        return
    hint = ""
    if best is not None and best_score >= TEXT_HINT:
        hint = f" (the closest is {best.reference}, {round(best_score * 100)}% alike)"
    if row.reference:
        row.problems.append(f"no finding has the reference “{row.reference}” or this text{hint}")
    elif row.finding_text:
        row.problems.append(f"no finding's text matches{hint}")
    else:
        row.problems.append("no reference or finding text")


def _person(directory: PeopleDirectory, text: str, role: str, force) -> object:
    matches = directory.matching(text, ids=False)
    exact = [p for p in matches if text.lower() in (p.email.lower(), p.username.lower())]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise ValueError(
            f"{role} “{text}” is not an active member of {force}: invite them first, or give their email"
        )
    names = ", ".join(person_label(p) for p in matches[:3])
    raise ValueError(f"{role} “{text}” could be {names}: give their email instead")


def plan_tracker(table: Table, *, force, inspection=None, filename: str = "") -> TrackerImport:
    """Read and match every row, without writing: what the import would do."""
    result = TrackerImport(filename=filename, force=force, table=table)
    findings_qs = Finding.objects.filter(inspection__force=force).select_related("inspection")
    if inspection is not None:
        findings_qs = findings_qs.filter(inspection=inspection)
    findings = _Findings(findings_qs)
    members = Membership.objects.filter(force=force, user__is_active=True).values("user_id")
    from django.contrib.auth import get_user_model

    directory = PeopleDirectory(get_user_model().objects.filter(pk__in=members))
    existing: dict[tuple[int, str], Action] = {}
    for action in Action.objects.filter(finding__in=[f.pk for f in findings.all]).only(
        "pk", "finding_id", "title", "owner_id", "due_date", "status"
    ):
        existing.setdefault((action.finding_id, _words(action.title)), action)
    seen: dict[tuple[int, str], int] = {}
    columns = table.columns
    for number, cells in table.rows:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        row = TrackerRow(
            row=number,
            reference=_cell(cells, columns, "reference"),
            finding_text=_cell(cells, columns, "finding"),
            update=_cell(cells, columns, "update"),
        )
        action_text = _cell(cells, columns, "action")
        row.title, row.description = _title_and_description(action_text)
        if not row.title:
            row.problems.append("no action")
        owner_text = _cell(cells, columns, "owner")
        if not owner_text:
            row.problems.append("no owner")
        for role, text, attr in (
            ("owner", owner_text, "owner"),
            ("lead", _cell(cells, columns, "lead"), "lead"),
        ):
            if text:
                try:
                    setattr(row, attr, _person(directory, text, role.capitalize(), force))
                except ValueError as exc:
                    row.problems.append(str(exc))
        for name, label in (("due_date", "due date"), ("update_date", "update date")):
            raw = _raw(cells, columns, name)
            try:
                setattr(row, name, parse_date(raw))
            except ValueError:
                row.problems.append(
                    f"{label} “{_cell(cells, columns, name)}” is not a date: use dd/mm/yyyy"
                )
        if row.due_date is None and not any(p.startswith("due date") for p in row.problems):
            row.problems.append("no due date")
        if row.update_date and row.update_date > timezone.localdate():
            row.problems.append(f"update date {row.update_date:%d/%m/%Y} is in the future")
        try:
            row.status = parse_status(_cell(cells, columns, "status")) or Status.NOT_STARTED
        except ValueError:
            row.problems.append(
                f"status “{_cell(cells, columns, 'status')}” is not one I know: use Not started, "
                "In progress, Blocked or Complete"
            )
        if row.status == Status.COMPLETED:
            row.notes.append(
                "complete in the tracker: imported as Completed, for a manager to sign off"
            )
        _match(row, findings)
        if row.finding is not None:
            key = (row.finding.pk, _words(row.title))
            if key in existing:
                row.action = existing[key]
                row.outcome = "unchanged"
                row.problems.clear()
                _differences(row)
                result.rows.append(row)
                continue
            if key in seen:
                row.problems.append(f"the same action as row {seen[key]}")
            seen.setdefault(key, row.row)
        if row.problems:
            row.outcome = "unmatched" if row.finding is None else "error"
        else:
            row.outcome = "create"
        result.rows.append(row)
    if not result.rows:
        result.file_error = (
            f"The tracker has a header in row {table.header_row} but no rows below it."
        )
    return result


def _differences(row: TrackerRow) -> None:
    action = row.action
    if row.owner is not None and action.owner_id != row.owner.pk:
        row.notes.append("the action here has another owner")
    if row.due_date and action.due_date != row.due_date:
        row.notes.append(
            f"the action here is due {action.due_date:%d/%m/%Y}, not {row.due_date:%d/%m/%Y}"
        )


class _DryRun(Exception):
    pass


def import_tracker(
    *,
    content: bytes,
    filename: str,
    force,
    by,
    inspection=None,
    dry_run: bool = False,
    skip_unmatched: bool = False,
) -> TrackerImport:
    """Import a tracker: every row matched and checked, then, if nothing is wrong, every
    new action created with its imported status and latest update, in one transaction.
    Rows whose action is already here are left as they are, so a second import of the
    same file changes nothing. Raises TrackerUnreadable for a file that isn't one."""
    table = read_tracker(content, filename)
    result = plan_tracker(table, force=force, inspection=inspection, filename=filename)
    result.skip_unmatched, result.dry_run, result.acted_as = skip_unmatched, dry_run, by
    if not result.ok:
        return result
    try:
        with transaction.atomic():
            _save(result, by)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except MoveRefused as exc:
        result.file_error = str(exc)
        return result
    except PlanRefused as exc:
        creating = [r for r in result.rows if r.outcome == "create"]
        for index, problems in exc.errors.items():
            creating[index].outcome = "error"
            creating[index].problems.extend(
                f"{LABELS.get(name, name).lower()}: {' '.join(messages)}"
                for name, messages in problems.items()
            )
        return result
    else:
        result.saved = True
    return result


def _save(result: TrackerImport, by) -> None:
    rows = [r for r in result.rows if r.outcome == "create"]
    created = actions_create(
        new=[
            NewAction(
                finding=r.finding,
                title=r.title,
                owner=r.owner,
                lead=r.lead,
                due_date=r.due_date,
                description=r.description,
            )
            for r in rows
        ],
        by=by,
        reason=f"Imported from {result.filename}",
    )
    source = f"Imported from {result.filename}"[:255]
    for row, action in zip(rows, created, strict=True):
        row.action = action
        moves = STATUS_PATH[row.status]
        if not moves and not row.update:
            continue
        at = timezone.make_aware(
            datetime.combine(row.update_date or timezone.localdate(), time(12))
        )
        try:
            for n, target in enumerate(moves or [None]):
                last = n == len(moves or [None]) - 1
                text = (
                    row.update if last and row.update else f"{Status(target).label} in the tracker."
                )
                action = Action.objects.get(pk=action.pk)
                progress_update_add(
                    action=action,
                    by=by,
                    text=text,
                    to_status=target,
                    at=at,
                    imported_from=source,
                    no_evidence_reason=(
                        f"Complete in the tracker {result.filename}; its evidence was not imported."
                    ),
                )
        except (MoveRefused, ValidationError) as exc:
            raise PlanRefused({rows.index(row): {"status": [str(exc)]}}) from None
