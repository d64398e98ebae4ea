"""Importing a force's spreadsheet tracker: rows matched to findings by reference or
text, people by email or name; a re-run changes nothing; problems are named by row and
nothing is saved."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from improvements.models import Action, ProgressUpdate, Status
from improvements.tracker import (
    TrackerUnreadable,
    classify_header,
    import_tracker,
    parse_date,
    read_tracker,
)
from inspections.models import Membership

from .factories import FindingFactory, MembershipFactory, UserFactory

# The fixture's update dates (November 2026) must be in the past: the clock is pinned.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime(2026, 12, 2, 12, 0), tick=True),
]

TEXTS = [
    "The force should improve how it identifies vulnerable people when they first call.",
    "The force should ensure that neighbourhood teams have the time to solve local problems.",
    "The force should review its use of police bail for suspects of domestic abuse offences.",
]


@pytest.fixture
def findings(alpha_finding):
    judgment = alpha_finding.judgment
    alpha_finding.text = TEXTS[0]
    alpha_finding.save()
    return [alpha_finding] + [
        FindingFactory(
            inspection=judgment.inspection,
            judgment=judgment,
            reference=f"Q1-AFI-{n + 1}",
            text=TEXTS[n],
            position=n,
        )
        for n in (1, 2)
    ]


@pytest.fixture
def people(alpha):
    jane = UserFactory(
        username="jsmith", first_name="Jane", last_name="Smith", email="jane.smith@alpha.police.uk"
    )
    pat = UserFactory(
        username="pjones", first_name="Pat", last_name="Jones", email="pj@alpha.police.uk"
    )
    for user in (jane, pat):
        MembershipFactory(user=user, force=alpha, role=Membership.Role.STAFF)
    return jane, pat


HEADER = [
    "Ref",
    "HMICFRS finding",
    "Action to be taken",
    "Action owner",
    "Chief officer lead",
    "Target date",
    "Status",
    "RAG",
    "Latest update",
    "Date of update",
]


def workbook(rows, header=HEADER, title_rows=(("Alpha Police PEEL action plan",), ())) -> bytes:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Read me"
    cover.append(["This workbook is the force's PEEL tracker."])
    sheet = book.create_sheet("Tracker")
    for row in title_rows:
        sheet.append(list(row))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows():
    return [
        # by reference and text, an Excel date, with an update
        [
            "Q1-AFI-1",
            TEXTS[0],
            "Train call handlers in THRIVE",
            "jane.smith@alpha.police.uk",
            "alice",
            datetime(2027, 3, 31),
            "In progress",
            "Amber",
            "Two of five cohorts trained.",
            datetime(2026, 11, 20),
        ],
        # the reference written differently, the text shortened: matched by text
        [
            "AFI 9",
            TEXTS[1][:70],
            "Protect neighbourhood time",
            "Pat Jones",
            "",
            "30/06/2027",
            "Complete",
            "Green",
            "Abstraction policy published.",
            "01/11/2026",
        ],
        # by reference alone, ISO date, not started
        ["Q1-AFI-3", "", "Audit bail decisions", "pjones", "", "2027-05-01", "", "", "", ""],
    ]


@time_machine.travel(datetime(2026, 12, 2, 12), tick=False)
def test_rows_become_actions_with_an_imported_first_update(findings, people, manager):
    result = import_tracker(
        content=workbook(good_rows()),
        filename="tracker.xlsx",
        force=manager.memberships.get().force,
        by=manager,
    )
    summary = result.summary()
    assert result.saved and summary["errors"] == []
    assert (summary["rows"], summary["matched"], summary["created"], summary["unmatched"]) == (
        3,
        3,
        3,
        0,
    )
    assert result.table.sheet == "Tracker" and result.table.header_row == 3

    jane, pat = people
    first, second, third = (
        Action.objects.get(finding=findings[0]),
        Action.objects.get(finding=findings[1]),
        Action.objects.get(finding=findings[2]),
    )
    assert (first.title, first.owner, first.lead.username, first.due_date) == (
        "Train call handlers in THRIVE",
        jane,
        "alice",
        date(2027, 3, 31),
    )
    assert first.status == Status.IN_PROGRESS
    update = first.updates.get()
    assert update.text == "Two of five cohorts trained."
    assert update.imported_from == "Imported from tracker.xlsx"
    assert update.created_at.date() == date(2026, 11, 20)
    assert update.author == manager

    assert second.owner == pat and second.status == Status.COMPLETED
    assert second.completed_by == manager and second.signed_off_by is None
    row2 = result.rows[1]
    assert row2.match.startswith("text (") and row2.confidence >= 75
    assert "sign off" in " ".join(row2.notes)
    assert second.updates.order_by("pk").last().text == "Abstraction policy published."

    assert third.status == Status.NOT_STARTED and not third.updates.exists()
    assert third.history.first().history_change_reason == "Imported from tracker.xlsx"


def test_importing_the_same_file_again_changes_nothing(findings, people, manager, alpha):
    content = workbook(good_rows())
    import_tracker(content=content, filename="tracker.xlsx", force=alpha, by=manager)
    counts = (Action.objects.count(), ProgressUpdate.objects.count())

    again = import_tracker(content=content, filename="tracker.xlsx", force=alpha, by=manager)
    summary = again.summary()
    assert (summary["created"], summary["unchanged"], summary["errors"]) == (0, 3, [])
    assert (Action.objects.count(), ProgressUpdate.objects.count()) == counts


def test_unknown_people_unmatched_findings_and_bad_cells_are_named_by_row(
    findings, people, manager, alpha
):
    rows = good_rows() + [
        ["Q1-AFI-1", "", "Second action", "Nobody Known", "", "01/01/2027", "", "", "", ""],
        [
            "Q7-REC-4",
            "Something no report ever said about traffic cones.",
            "X",
            "pjones",
            "",
            "01/01/2027",
            "",
            "",
            "",
            "",
        ],
        ["Q1-AFI-2", "", "Y", "pjones", "", "next spring", "Sort of", "", "", "31/02/2026"],
    ]
    result = import_tracker(content=workbook(rows), filename="t.xlsx", force=alpha, by=manager)
    summary = result.summary()
    assert not result.saved and Action.objects.count() == 0
    by_row = {e["row"]: e["message"] for e in summary["errors"]}
    assert set(by_row) == {7, 8, 9}
    assert "Nobody Known" in by_row[7] and "not an active member" in by_row[7]
    assert "no finding has the reference “Q7-REC-4”" in by_row[8]
    assert "next spring" in by_row[9] and "Sort of" in by_row[9] and "31/02/2026" in by_row[9]
    assert summary["unmatched"] == 1 and summary["created"] == 0


def test_unmatched_rows_can_be_left_out_on_request(findings, people, manager, alpha):
    rows = good_rows() + [
        ["Q7-REC-4", "About cones.", "X", "pjones", "", "01/01/2027", "", "", "", ""]
    ]
    result = import_tracker(
        content=workbook(rows), filename="t.xlsx", force=alpha, by=manager, skip_unmatched=True
    )
    summary = result.summary()
    assert result.saved and summary["created"] == 3
    assert [s["row"] for s in summary["skipped"]] == [7]


def test_a_dry_run_saves_nothing_and_says_what_it_would_do(findings, people, manager, alpha):
    result = import_tracker(
        content=workbook(good_rows()), filename="t.xlsx", force=alpha, by=manager, dry_run=True
    )
    summary = result.summary()
    assert (summary["would_create"], summary["created"], summary["saved"]) == (3, 0, False)
    assert Action.objects.count() == 0 and ProgressUpdate.objects.count() == 0


def test_another_forces_people_and_findings_are_not_matched(
    findings, people, manager, alpha, beta, outsider
):
    rows = [["Q1-AFI-1", "", "A", outsider.username, "", "01/01/2027", "", "", "", ""]]
    result = import_tracker(content=workbook(rows), filename="t.xlsx", force=alpha, by=manager)
    assert "not an active member of Alpha Police" in result.summary()["errors"][0]["message"]
    other = import_tracker(content=workbook(good_rows()), filename="t.xlsx", force=beta, by=manager)
    assert other.summary()["unmatched"] == 3 and not other.saved


def test_csv_with_a_plain_header(findings, people, manager, alpha):
    text = (
        "Reference,Finding,Action,Owner,Due date,Status,Latest update,Update date\r\n"
        "Q1-AFI-2,,Protect neighbourhood time,Jane Smith,31/03/2027,In progress,Started.,01/11/2026\r\n"
    )
    result = import_tracker(
        content=text.encode("cp1252"), filename="t.csv", force=alpha, by=manager
    )
    assert result.saved and Action.objects.get().owner.username == "jsmith"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "photo.csv", "binary"),
        (b"PK\x03\x04 not really a zip", "tracker.xlsx", "not an Excel workbook"),
        (b"Name,Colour\r\nRed,Blue\r\n", "colours.csv", "No header row"),
        (
            b"Reference,Action,Status\r\nQ1-AFI-1,Do it,Done\r\n",
            "t.csv",
            "row 1 has no Owner or Due date",
        ),
        (b"hello", "notes.docx", "Excel workbook (.xlsx) or a CSV"),
    ],
)
def test_junk_is_refused_naming_what_was_wrong_and_saves_nothing(
    findings, manager, alpha, content, filename, message
):
    with pytest.raises(
        TrackerUnreadable, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        import_tracker(content=content, filename=filename, force=alpha, by=manager)
    assert Action.objects.count() == 0


def test_the_command_prints_one_json_object_and_exits_non_zero_on_problems(
    tmp_path, findings, people, manager, alpha, capsys
):
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(workbook(good_rows()))
    call_command("import_tracker", str(path), "--force", "alpha-police", "--dry-run", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) >= {"rows", "matched", "created", "unchanged", "unmatched", "errors"}
    assert printed["would_create"] == 3 and Action.objects.count() == 0

    call_command("import_tracker", str(path), "--force", "alpha-police", "--json")
    assert json.loads(capsys.readouterr().out)["created"] == 3
    call_command("import_tracker", str(path), "--force", "alpha-police", "--json")
    assert json.loads(capsys.readouterr().out)["unchanged"] == 3

    bad = tmp_path / "bad.csv"
    bad.write_text("Reference,Action,Owner,Due date\nQ1-AFI-1,New thing,ghost,01/01/2027\n")
    with pytest.raises(CommandError, match="Nothing was saved"):
        call_command("import_tracker", str(bad), "--force", "alpha-police", "--json")
    assert json.loads(capsys.readouterr().out)["errors"][0]["row"] == 2

    junk = tmp_path / "junk.csv"
    junk.write_text("just some words\n")
    with pytest.raises(CommandError, match="junk.csv: No header row"):
        call_command("import_tracker", str(junk), "--force", "alpha-police")
    with pytest.raises(CommandError, match="No force has the slug"):
        call_command("import_tracker", str(path), "--force", "nowhere")


def test_our_own_export_reads_back_as_a_tracker(client, findings, people, manager, alpha):
    """The Actions sheet of the site's own workbook is a tracker too (its About and
    Findings sheets are not): headers like "Finding kind" or "Original due date" are
    not mistaken for the finding or the due date, and every row is already here."""
    assert classify_header("Finding kind") is None
    assert classify_header("Original due date") is None
    assert classify_header("Latest update date") == "update_date"
    import_tracker(content=workbook(good_rows()), filename="t.xlsx", force=alpha, by=manager)
    client.force_login(manager)
    exported = client.get("/board/export.xlsx").content

    table = read_tracker(exported, "export.xlsx")
    assert table.sheet == "Actions"
    again = import_tracker(content=exported, filename="export.xlsx", force=alpha, by=manager)
    summary = again.summary()
    assert (summary["unchanged"], summary["created"], summary["errors"]) == (3, 0, [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2027, 1, 5, 0, 0), date(2027, 1, 5)),
        (46392, date(2027, 1, 5)),  # Excel counts 45658 as 1 January 2025
        ("05/01/2027", date(2027, 1, 5)),
        ("5/1/27", date(2027, 1, 5)),
        ("2027-01-05", date(2027, 1, 5)),
        ("5th January 2027", date(2027, 1, 5)),
        ("", None),
    ],
)
def test_dates_as_trackers_write_them(value, expected):
    assert parse_date(value) == expected


def test_header_below_a_title_is_found():
    table = read_tracker(workbook([]), "t.xlsx")
    assert table.header_row == 3 and set(table.columns) >= {
        "reference",
        "finding",
        "action",
        "owner",
    }


def _import_url(finding):
    return f"/inspections/{finding.inspection_id}/import/"


def test_the_import_page_previews_then_imports_on_confirmation(client, findings, people, manager):
    client.force_login(manager)
    upload = io.BytesIO(workbook(good_rows()))
    upload.name = "our tracker.xlsx"
    preview = client.post(_import_url(findings[0]), {"file": upload})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "What the import will do" in page and "Import 3 actions" in page
    assert "Train call handlers in THRIVE" in page and "for a manager to sign off" in page
    assert Action.objects.count() == 0
    name = client.session["tracker_import"]["name"]

    done = client.post(_import_url(findings[0]), {"confirm": name}, follow=True)
    assert done.redirect_chain[-1][0] == f"/inspections/{findings[0].inspection_id}/plan/"
    assert "3 actions imported from our tracker.xlsx" in done.content.decode()
    assert Action.objects.count() == 3
    # The file is gone with the confirmation: confirming twice imports nothing more.
    again = client.post(_import_url(findings[0]), {"confirm": name}, follow=True)
    assert "expired" in again.content.decode() and Action.objects.count() == 3


def test_the_import_page_shows_problems_and_offers_no_confirmation(
    client, findings, people, manager
):
    client.force_login(manager)
    rows = good_rows() + [
        ["Q1-AFI-1", "", "Another", "Nobody Known", "", "01/01/2027", "", "", "", ""]
    ]
    upload = io.BytesIO(workbook(rows))
    upload.name = "t.xlsx"
    page = client.post(_import_url(findings[0]), {"file": upload}).content.decode()
    assert "There is a problem" in page and "Row 7:" in page and "Nobody Known" in page
    assert 'name="confirm"' not in page


def test_junk_on_the_import_page_is_a_form_error(client, findings, manager):
    client.force_login(manager)
    upload = io.BytesIO(b"just words")
    upload.name = "t.csv"
    response = client.post(_import_url(findings[0]), {"file": upload})
    assert response.status_code == 400
    assert "No header row" in response.content.decode() and Action.objects.count() == 0
    wrong = io.BytesIO(b"x")
    wrong.name = "t.pdf"
    response = client.post(_import_url(findings[0]), {"file": wrong})
    assert response.status_code == 400 and ".xlsx or a .csv" in response.content.decode()


def test_a_confirmation_from_another_session_is_refused(client, findings, people, manager):
    client.force_login(manager)
    response = client.post(_import_url(findings[0]), {"confirm": "0" * 32}, follow=True)
    assert "expired" in response.content.decode() and Action.objects.count() == 0
    response = client.post(_import_url(findings[0]), {"confirm": "../../etc/passwd"}, follow=True)
    assert "expired" in response.content.decode()


def test_staff_cannot_import(client, findings, owner):
    client.force_login(owner)
    assert client.get(_import_url(findings[0])).status_code == 403


def test_a_preview_never_confirmed_is_purged_after_a_day(client, findings, people, manager):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from improvements.boards import jobs

    client.force_login(manager)
    upload = io.BytesIO(workbook(good_rows()))
    upload.name = "t.xlsx"
    client.post(_import_url(findings[0]), {"file": upload})
    name = client.session["tracker_import"]["name"]
    path = f"{jobs.IMPORTS_FOLDER}/{name}"
    assert default_storage.exists(path)
    import os

    # The file's time as the (possibly travelled) clock says it is now, not the disk's.
    stamp = timezone.now().timestamp()
    os.utime(default_storage.path(path), (stamp, stamp))
    assert jobs.purge_waiting_imports() == 0  # not a day old yet
    assert jobs.purge_waiting_imports(now=timezone.now() + timedelta(days=1, minutes=1)) >= 1
    assert not default_storage.exists(path)
