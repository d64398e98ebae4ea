"""`manage.py import_report`: dry run and JSON, save, re-import, conflicts, bad input."""

import json
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connections

from inspections.canonical import inspection_to_canonical
from inspections.models import Finding, FollowUpReview, Force, Inspection, Judgment

DATA = Path(settings.BASE_DIR) / "inspections" / "data"
SEED = DATA / "staffordshire-peel-effectiveness-2015.txt"
EXPECTED = json.loads((DATA / "staffordshire-peel-effectiveness-2015.expected.json").read_text())

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_report", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def exit_code(*args, capsys):
    """Run the command the way manage.py does and return (exit code, stdout, stderr).

    manage.py closes the database connections when a command ends; inside a test's
    transaction on PostgreSQL that would end the test's connection, so it is kept open.
    """
    with pytest.raises(SystemExit) as exc, mock.patch.object(connections, "close_all"):
        ManagementUtility(["manage.py", "import_report", *[str(a) for a in args]]).execute()
    captured = capsys.readouterr()
    return exc.value.code, captured.out, captured.err


def counts():
    return (
        Force.objects.count(),
        Inspection.objects.count(),
        Judgment.objects.count(),
        Finding.objects.count(),
        FollowUpReview.objects.count(),
    )


def variant(tmp_path, old, new, name="variant.txt"):
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_dry_run_json_is_exactly_the_expected_json():
    out, err = run(SEED, "--dry-run", "--json")
    assert json.loads(out) == EXPECTED
    # stdout is the JSON and nothing else, written as the report writes it.
    assert out.strip().startswith("{") and out.strip().endswith("}")
    assert "‘what works’" in out  # curly quotes kept, not \u escapes
    assert "Dry run" in err and "nothing saved" in err
    assert counts() == (0, 0, 0, 0, 0)


def test_dry_run_without_json_prints_a_summary_and_saves_nothing():
    out, _ = run(SEED, "--dry-run")
    assert "Force: Staffordshire Police" in out
    assert "PEEL 2015 Effectiveness" in out
    assert "4 judgments, 8 findings, 1 proposed follow-up review, 0 warnings" in out
    assert "would create" in out
    assert counts() == (0, 0, 0, 0, 0)


def test_import_saves_everything_and_a_reimport_is_unchanged():
    out, _ = run(SEED)
    assert "Created inspection" in out
    inspection = Inspection.objects.get()
    assert inspection.force.name == "Staffordshire Police"
    assert inspection_to_canonical(inspection) == EXPECTED
    assert counts() == (1, 1, 5, 8, 1)
    review = FollowUpReview.objects.get()
    assert review.status == FollowUpReview.Status.PROPOSED
    assert [j.number for j in review.judgments.all()] == [3]

    before = counts()
    history = Finding.history.count()
    out, _ = run(SEED)
    assert "Unchanged" in out and "nothing saved" in out
    assert counts() == before
    assert Finding.history.count() == history  # not even re-saved
    out, _ = run(SEED, "--dry-run")
    assert "unchanged" in out


def test_a_differing_reimport_lists_the_differences_and_changes_nothing(tmp_path, capsys):
    run(SEED)
    # Question 1's "Summary of findings" grade is the first one in the report.
    changed = variant(tmp_path, " Summary of findings\nGood", " Summary of findings\nOutstanding")
    data, err = run(changed, "--dry-run", "--json")
    assert json.loads(data)["judgments"][0]["grade"] == "Outstanding"
    assert "Warning:" in err  # the overview near the start still says Good

    before = counts()
    code, out, err = exit_code(changed, capsys=capsys)
    assert code != 0
    assert "question 1 grade: 'Good' → 'Outstanding'" in err
    assert "--update" in err and "Nothing saved" in err
    assert counts() == before
    assert Judgment.objects.get(number=1).grade == "good"

    out, _ = run(changed, "--update")
    assert "Updated inspection" in out
    assert "question 1 grade: 'Good' → 'Outstanding'" in out
    assert Judgment.objects.get(number=1).grade == "outstanding"
    assert counts() == before
    out, _ = run(changed)
    assert "Unchanged" in out


def test_reimport_with_a_finding_removed_needs_update_then_removes_it(tmp_path):
    run(SEED)
    text = (
        "The force should take steps to ensure that all available evidence is recorded\n"
        "at scenes of crime.\n\n•\n\n"
    )
    changed = variant(tmp_path, text, "")
    with pytest.raises(CommandError, match="finding removed"):
        run(changed)
    assert Finding.objects.count() == 8
    run(changed, "--update")
    assert Finding.objects.count() == 7


def test_force_override(tmp_path):
    out, err = run(SEED, "--dry-run", "--json", "--force", "Derbyshire Constabulary")
    assert json.loads(out) == {**EXPECTED, "force": "Derbyshire Constabulary"}
    assert "given with --force" in err and "Staffordshire Police" in err

    out, _ = run(SEED, "--force", "Derbyshire  Constabulary")
    inspection = Inspection.objects.get()
    assert inspection.force.name == "Derbyshire Constabulary"
    assert not Force.objects.filter(name="Staffordshire Police").exists()


def test_the_force_is_matched_to_an_existing_one(alpha):
    run(SEED, "--force", "alpha police")
    assert Inspection.objects.get().force == alpha
    assert Force.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "notes.txt",
            "Minutes of the meeting\n\nNothing about inspections here.\n",
            "not an inspection report",
        ),
        ("empty.txt", "", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary data"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf\n", "not a readable PDF"),
        ("fake.pdf", b"just text with a pdf name", "not a PDF"),
    ],
)
def test_bad_input_fails_cleanly_and_saves_nothing(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, out, err = exit_code(path, capsys=capsys)
    assert code != 0
    assert message in err and "Nothing saved" in err
    assert out == ""
    assert counts() == (0, 0, 0, 0, 0)


def test_a_missing_file_fails_cleanly(tmp_path, capsys):
    code, out, err = exit_code(tmp_path / "nowhere.txt", capsys=capsys)
    assert code != 0
    assert "cannot read" in err and "nowhere.txt" in err
    assert counts() == (0, 0, 0, 0, 0)


def test_a_grade_outside_the_scale_fails_and_saves_nothing(tmp_path):
    # "Adequate" exists only on the five-grade scale from 2021, not in a 2015 report.
    changed = variant(tmp_path, " Summary of findings\nGood", " Summary of findings\nAdequate")
    with pytest.raises(CommandError) as exc:
        run(changed)
    assert "Adequate" in str(exc.value) and "Nothing saved" in str(exc.value)
    assert counts() == (0, 0, 0, 0, 0)


def test_an_encrypted_pdf_fails_cleanly(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Summary of findings")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    with pytest.raises(CommandError, match="encrypted"):
        run(path, "--dry-run")
    assert counts() == (0, 0, 0, 0, 0)


def test_a_stated_publication_date_is_saved_and_gives_the_response_deadline(tmp_path):
    text = SEED.read_text(encoding="utf-8").replace("\n", "\nPublished: 18 February 2016\n", 1)
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    run(path)
    inspection = Inspection.objects.get()
    assert str(inspection.published) == "2016-02-18"
    assert str(inspection.response_due) == "2016-04-14"  # 56 days on
    assert inspection_to_canonical(inspection, dates=True)["published"] == "2016-02-18"
