"""The report parser: the worked example, variants made from it, PDFs and junk.

Every variant is made here from the seed report so that what changed is visible next to
what is expected. No database is needed.
"""

from __future__ import annotations

import copy
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from inspections.importer import (
    ParseResult,
    ReportParseError,
    extract_text,
    parse_report_file,
    parse_report_text,
)

DATA = Path(__file__).resolve().parents[1] / "inspections" / "data"
SEED_PATH = DATA / "staffordshire-peel-effectiveness-2015.txt"
SEED = SEED_PATH.read_text(encoding="utf-8")
EXPECTED: dict[str, Any] = json.loads(
    (DATA / "staffordshire-peel-effectiveness-2015.expected.json").read_text(encoding="utf-8")
)
GRADES = {"Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"}
HEADER = "PEEL: Police effectiveness 2015 – Staffordshire Police"

# Exact passages of the seed that the variants edit.
Q1_AFI_END = "evaluation of tactics and sharing of effective practice.\n"
Q2_AFI_2 = (
    "•\n\nThe force should ensure that all crimes are allocated promptly to\n"
    "investigators with the appropriate skills, accreditation and support to\n"
    "investigate them to a good standard.\n\n"
)
Q3_REVIEW = "whether Staffordshire Police has improved.\n"
Q3_REVIEW_START = "Because of the serious, systemic failures"
Q4_AFIS_START = "Areas for improvement\n•\n\nThe force should produce"
Q4_AFIS_END = "experience to maximise its disruptive effect.\n"


def edit(text: str, old: str, new: str) -> str:
    """Replace a passage that must occur exactly once, so a variant cannot silently miss."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def expected(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXPECTED)
    data.update(changes)
    return data


def afi(question: int, text: str) -> dict[str, Any]:
    return {"kind": "area_for_improvement", "question": question, "text": text}


def findings_of(data: dict[str, Any], question: int) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["question"] == question]


def replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [replace_strings(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: replace_strings(item, old, new) for key, item in value.items()}
    return value


def regrade(
    text: str,
    *,
    overall: str | None = None,
    summaries: dict[int, str] | None = None,
    overview: dict[int, str] | None = None,
) -> str:
    """Change grades: the overall one, those under "Summary of findings" and the overview's."""
    lines = text.split("\n")
    if overall:
        index = lines.index("Overall judgment 1")
        lines[index + 1] = overall
    summary_at = [i for i, line in enumerate(lines) if line.strip() == "Summary of findings"]
    for number, grade in (summaries or {}).items():
        assert lines[summary_at[number - 1] + 1] in GRADES
        lines[summary_at[number - 1] + 1] = grade
    first_question = lines.index("How effective is the force at")
    introduction = lines.index(" Introduction")
    overview_at = [i for i in range(first_question, introduction) if lines[i] in GRADES]
    for number, grade in (overview or {}).items():
        lines[overview_at[number - 1]] = grade
    return "\n".join(lines)


def page_break_inside_findings(text: str) -> str:
    """Start a page in mid-finding, in the seed's way: a line beginning with a space."""
    text = edit(
        text,
        "anti-social behaviour. There needs to be routine\nevaluation",
        "anti-social behaviour.\n There needs to be routine\nevaluation",
    )
    return edit(text, "support to\ninvestigate them", "support to\n investigate them")


def paginate(text: str, header: str = HEADER) -> str:
    """Make the seed's page starts real page breaks with furniture, as pdfminer gives them:
    a running header at the top, the page number at the foot, then a form feed."""
    pages = re.split(r"\n(?= )", text)
    return "\f".join(
        f"{header}\n\n{page.lstrip()}\n\n{number}\n" for number, page in enumerate(pages, 1)
    )


def assert_parses(text: str, data: dict[str, Any], warnings: list[str] | None = None) -> None:
    result = parse_report_text(text)
    assert isinstance(result, ParseResult)
    assert result.data == data
    assert result.warnings == (warnings or [])


# --- the worked example -------------------------------------------------------------------


def test_the_seed_report_gives_the_expected_json():
    result = parse_report_text(SEED)
    assert result.data == EXPECTED
    assert result.warnings == []


def test_parse_report_file_reads_a_text_file():
    assert parse_report_file(SEED_PATH).data == EXPECTED


def test_the_json_is_serialisable_with_keys_in_order():
    data = parse_report_text(SEED).data
    assert list(data) == list(EXPECTED)
    assert json.loads(json.dumps(data)) == EXPECTED


# --- layout variants: the same content, so the same JSON ---------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: t.replace("\n", "\r"), id="cr"),
        pytest.param(lambda t: re.sub(r"\n(?= )", "\n\f", t), id="form-feeds"),
        pytest.param(lambda t: t.replace("•\n\n", "• "), id="inline-bullets"),
        pytest.param(lambda t: t.replace("•\n\n", "\uf0b7\n"), id="symbol-font-bullets"),
        pytest.param(lambda t: t.replace("•\n\n", ""), id="bullets-lost"),
        pytest.param(lambda t: t.replace("\n\n", "\n \n"), id="blank-lines-with-spaces"),
        pytest.param(lambda t: "\ufeff" + t, id="byte-order-mark"),
        pytest.param(page_break_inside_findings, id="page-starts-inside-findings"),
        pytest.param(lambda t: paginate(page_break_inside_findings(t)), id="page-furniture"),
        pytest.param(
            lambda t: paginate(page_break_inside_findings(t)).replace("\n", "\r\n"),
            id="page-furniture-crlf",
        ),
        pytest.param(
            lambda t: paginate(page_break_inside_findings(t).replace("•\n\n", "• ")),
            id="page-furniture-inline-bullets",
        ),
    ],
)
def test_layout_variants_give_the_same_json(variant):
    assert_parses(variant(SEED), EXPECTED)


def test_a_page_number_inside_a_finding_is_dropped():
    text = edit(SEED, "support to\ninvestigate them", "support to\n\n27\n\ninvestigate them")
    assert_parses(text, EXPECTED)


def test_a_page_break_between_two_sentences_of_a_finding_does_not_end_it():
    text = edit(
        SEED,
        "anti-social behaviour. There needs to be routine\n",
        "anti-social behaviour.\n\n12\n\f\nThere needs to be routine\n",
    )
    assert_parses(text, EXPECTED)


def test_a_real_line_end_hyphen_is_kept():
    text = edit(
        SEED,
        "improve continually its approach to the\nprevention of crime and anti-social behaviour.",
        "improve continually its approach to the prevention of crime and anti-\nsocial behaviour.",
    )
    assert_parses(text, EXPECTED)


def test_a_footnote_inside_a_finding_is_removed_with_its_marker():
    text = edit(SEED, "local profile which\n", "local profile 23 which\n")
    text = edit(
        text,
        "to maintain joint oversight.\n",
        "to maintain joint oversight.\n23\n\nA local profile describes the threat in an area.\n\f",
    )
    assert_parses(text, EXPECTED)


def test_a_footnote_marker_after_a_sentence_is_removed():
    # The seed's footnotes run to 4 before this point, so this note is number 5.
    text = edit(
        SEED,
        "routine\nevaluation of tactics and sharing of effective practice.\n",
        (
            "routine\nevaluation of tactics and sharing of effective practice. 5\n"
            "\n5\n\nSee the College of Policing’s What Works Centre.\n"
        ),
    )
    assert_parses(text, EXPECTED)


# --- content variants ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "area"),
    [
        ("Avon and Somerset Constabulary", "Avon and Somerset"),
        ("Metropolitan Police Service", "London"),
        ("Dyfed-Powys Police", "Dyfed-Powys"),
        ("City of London Police", "the City"),
    ],
)
def test_another_force(name, area):
    text = SEED.replace("Staffordshire Police", name).replace("Staffordshire", area)
    data = replace_strings(EXPECTED, "Staffordshire Police", name)
    assert data["force"] == name
    assert_parses(text, data)


def test_other_grades():
    grades = {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}
    text = regrade(SEED, overall="Good", summaries=grades, overview=grades)
    data = expected(overall={**EXPECTED["overall"], "grade": "Good"})
    for judgment in data["judgments"]:
        judgment["grade"] = grades[judgment["number"]]
    assert_parses(text, data)


def test_an_overview_grade_that_disagrees_gives_a_warning():
    result = parse_report_text(regrade(SEED, overview={2: "Good"}))
    assert result.data == EXPECTED  # the Summary of findings wins
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "question 2" in warning and "'Good'" in warning and "'Requires improvement'" in warning


def test_findings_added_and_removed():
    text = edit(
        SEED,
        Q1_AFI_END,
        Q1_AFI_END + "\n•\n\nThe force should make sure that neighbourhood teams record the\n"
        "results of their problem-solving plans.\n",
    )
    text = edit(text, Q2_AFI_2, "")
    start, end = text.index(Q4_AFIS_START), text.index(Q4_AFIS_END) + len(Q4_AFIS_END)
    text = text[:start] + text[end:]
    text = edit(
        text,
        Q3_REVIEW,
        Q3_REVIEW + "Areas for improvement\n•\n\nThe force should ensure that a risk assessment is"
        "\ncompleted for every victim of domestic abuse.\n\n•\n\nThe force should improve "
        "the supervision of investigations into\nmissing children.\n",
    )
    q2 = findings_of(EXPECTED, 2)
    data = expected(
        findings=[
            *findings_of(EXPECTED, 1),
            afi(
                1,
                "The force should make sure that neighbourhood teams record the results of "
                "their problem-solving plans.",
            ),
            q2[0],
            *q2[2:],
            afi(
                3,
                "The force should ensure that a risk assessment is completed for every victim "
                "of domestic abuse.",
            ),
            afi(
                3,
                "The force should improve the supervision of investigations into missing children.",
            ),
        ]
    )
    assert_parses(text, data)


CAUSES = """Cause of concern
Staffordshire Police does not assess properly the risks faced by all victims of
domestic abuse, so some victims may not get the support they need.
Recommendations
To address this cause of concern, HMIC recommends that the force:
•

immediately ensures that every victim of domestic abuse has their risk
assessed by a trained officer;

•

within three months, reviews its policy on which incidents need a formal
risk assessment; and

•

within six months, puts in place a way to check that the policy is followed.

Cause of concern
Supervisors do not always oversee the early stages of investigations into
missing children. To address this cause of concern, HMIC recommends that, within
six months, the force should:
• make sure that a supervisor reviews every missing child report within
one hour;
• check the quality of these reviews.

"""

ACCELERATED = """
Accelerated cause of concern
The force’s backlog of digital devices awaiting examination is putting
investigations at risk.
Recommendation
• Immediately, the force should put in place a plan to clear the backlog.
"""


def recommendation(question: int, number: int, parent: str, text: str, deadline: str):
    return {
        "kind": "recommendation",
        "question": question,
        "text": text,
        "reference": f"Q{question}-REC-{number}",
        "parent": parent,
        "deadline": deadline,
    }


def test_causes_of_concern_and_their_recommendations():
    text = edit(SEED, Q3_REVIEW_START, CAUSES + Q3_REVIEW_START)
    text = edit(
        text,
        "investigations to check quality and progress.\n",
        ("investigations to check quality and progress.\n" + ACCELERATED),
    )
    q3 = [
        {
            "kind": "cause_of_concern",
            "question": 3,
            "text": "Staffordshire Police does not assess properly the risks faced by all victims "
            "of domestic abuse, so some victims may not get the support they need.",
            "reference": "Q3-COC-1",
        },
        recommendation(
            3,
            1,
            "Q3-COC-1",
            "immediately ensures that every victim of domestic abuse has their risk assessed "
            "by a trained officer;",
            "immediately",
        ),
        recommendation(
            3,
            2,
            "Q3-COC-1",
            "within three months, reviews its policy on which incidents need a formal risk "
            "assessment; and",
            "within three months",
        ),
        recommendation(
            3,
            3,
            "Q3-COC-1",
            "within six months, puts in place a way to check that the policy is followed.",
            "within six months",
        ),
        {
            "kind": "cause_of_concern",
            "question": 3,
            "text": "Supervisors do not always oversee the early stages of investigations into "
            "missing children.",
            "reference": "Q3-COC-2",
        },
        recommendation(
            3,
            4,
            "Q3-COC-2",
            "make sure that a supervisor reviews every missing child report within one hour;",
            "within six months",
        ),
        recommendation(
            3, 5, "Q3-COC-2", "check the quality of these reviews.", "within six months"
        ),
    ]
    q2 = [
        *findings_of(EXPECTED, 2),
        {
            "kind": "accelerated_cause_of_concern",
            "question": 2,
            "text": "The force’s backlog of digital devices awaiting examination is putting "
            "investigations at risk.",
            "reference": "Q2-ACOC-1",
        },
        recommendation(
            2,
            1,
            "Q2-ACOC-1",
            "Immediately, the force should put in place a plan to clear the backlog.",
            "immediately",
        ),
    ]
    data = expected(findings=[*findings_of(EXPECTED, 1), *q2, *q3, *findings_of(EXPECTED, 4)])
    assert_parses(text, data)


def test_a_review_statement_in_another_question():
    statement = (
        "HMIC expects the force to provide evidence of its progress within six months.\n"
        "We will then revisit the force to review its progress.\n"
    )
    text = edit(SEED, Q1_AFI_END, Q1_AFI_END + "\n" + statement)
    result = parse_report_text(text)
    assert result.data["follow_up_reviews"] == [
        {
            "questions": [1],
            "note": "HMIC expects the force to provide evidence of its progress within six "
            "months. We will then revisit the force to review its progress.",
        },
        *EXPECTED["follow_up_reviews"],
    ]
    # the statement follows the last finding but is not part of it
    assert result.data["findings"] == EXPECTED["findings"]


def test_no_follow_up_review_when_the_report_announces_none():
    start = SEED.index(Q3_REVIEW_START)
    end = SEED.index(Q3_REVIEW) + len(Q3_REVIEW)
    text = SEED[:start] + SEED[end:]
    assert_parses(text, expected(follow_up_reviews=[]))


# --- grading scales -----------------------------------------------------------------------


def test_a_2021_report_uses_the_five_grade_scale():
    text = "PEEL: Police effectiveness 2021\n" + regrade(
        SEED, summaries={2: "Adequate"}, overview={2: "Adequate"}
    )
    data = expected(
        programme="PEEL 2021",
        grading_scale=["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"],
    )
    data["judgments"][1]["grade"] = "Adequate"
    assert_parses(text, data)


def test_a_programme_named_by_financial_year():
    text = "PEEL 2021/22\nAn inspection of Staffordshire Police\n" + SEED
    result = parse_report_text(text)
    assert result.data["programme"] == "PEEL 2021/22"
    assert len(result.data["grading_scale"]) == 5


def test_a_grade_outside_the_scale_is_an_error():
    text = regrade(SEED, summaries={2: "Adequate"}, overview={2: "Adequate"})
    with pytest.raises(ReportParseError, match=r"'Adequate' for question 2 .*PEEL 2015"):
        parse_report_text(text)


def test_an_overall_grade_outside_the_scale_is_an_error():
    with pytest.raises(ReportParseError, match=r"'Adequate' for the overall judgment"):
        parse_report_text(regrade(SEED, overall="Adequate"))


def test_a_word_that_is_no_grade_is_an_error():
    text = regrade(SEED, summaries={2: "Excellent"})
    with pytest.raises(
        ReportParseError,
        match=r"no 'Summary of findings' grade found for question 2 \(heading at line 643\).*"
        r"'Excellent'",
    ):
        parse_report_text(text)


def test_a_missing_summary_of_findings_says_which_question_and_where():
    text = edit(SEED, "Summary of findings\nInadequate\n", "")
    with pytest.raises(ReportParseError) as error:
        parse_report_text(text)
    assert str(error.value) == (
        "no 'Summary of findings' grade found for question 3 (heading at line 1066)"
    )


def test_a_missing_overall_judgment_is_an_error():
    text = edit(SEED, "Overall judgment 1\nRequires improvement\n", "")
    with pytest.raises(ReportParseError, match="Overall judgment"):
        parse_report_text(text)


# --- not a report -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\f\n",
        "Hello world",
        json.dumps(EXPECTED),
        "Minutes of the meeting\n\nThe committee agreed the budget.\nAny other business: none.",
        "Summary of findings\nGood\n",
        SEED[: len(SEED) // 20],
    ],
    ids=["empty", "blank", "hello", "json", "minutes", "fragment", "first-page"],
)
def test_text_that_is_not_a_report_is_an_error(text):
    with pytest.raises(ReportParseError):
        parse_report_text(text)


# --- files and encodings ------------------------------------------------------------------


def test_extract_text_decodes_utf8_with_a_byte_order_mark():
    assert extract_text(SEED.encode("utf-8-sig")) == SEED


def test_extract_text_falls_back_to_windows_1252():
    assert extract_text(SEED.encode("cp1252"), filename="report.txt") == SEED


def test_extract_text_reads_a_path(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(SEED.encode("cp1252"))
    assert extract_text(path) == SEED
    assert parse_report_file(path).data == EXPECTED


def test_binary_that_is_not_a_pdf_is_an_error():
    with pytest.raises(ReportParseError, match="neither a PDF nor a text file"):
        extract_text(bytes(range(256)) * 4)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n" + bytes(range(256)) * 8, b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF"],
    ids=["garbage", "truncated"],
)
def test_a_broken_pdf_is_an_error(data):
    with pytest.raises(ReportParseError, match="not a readable PDF"):
        extract_text(data, filename="report.pdf")


def test_a_pdf_name_without_pdf_content_is_an_error():
    with pytest.raises(ReportParseError, match="not a PDF"):
        extract_text(b"just some text", filename="report.pdf")


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(ReportParseError, match="cannot read"):
        parse_report_file(tmp_path / "missing.pdf")


# --- PDF ----------------------------------------------------------------------------------

LINE = 3.6  # mm between baselines
TOP, BOTTOM, LEFT, RIGHT = 22.0, 270.0, 18.0, 110.0


def _pdf():
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(format="A4", unit="mm")
    pdf.core_fonts_encoding = "cp1252"  # curly quotes, dashes and bullets in Helvetica
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=8)
    return pdf


def _page(pdf, columns: list[tuple[float, list[str]]]) -> None:
    """A page with a running header, the given columns of lines and a page number."""
    pdf.add_page()
    pdf.text(LEFT, 12, HEADER)
    for x, lines in columns:
        for row, line in enumerate(lines):
            if line:
                pdf.text(x, TOP + row * LINE, line)
    pdf.text(105, 287, str(pdf.page_no()))


def _overview_column(judgment: dict[str, Any], paragraph: str) -> list[str]:
    return [
        *textwrap.wrap(judgment["question"], 40),
        "",
        judgment["grade"],
        "",
        *textwrap.wrap(paragraph, 48),
    ]


def _single_column_pages(pdf, text: str) -> None:
    """The seed's pages (a line starting with a space starts one), one column each; a page
    longer than a sheet goes on at a blank line on the next sheet."""
    max_rows = int((BOTTOM - TOP) / LINE)
    for page in re.split(r"\n(?= )", text):
        rows = page.lstrip().split("\n")
        while rows:
            cut = len(rows)
            if cut > max_rows:
                cut = next(i for i in range(max_rows - 1, 0, -1) if not rows[i].strip())
            _page(pdf, [(LEFT, rows[:cut])])
            rows = rows[cut:]


def make_report_pdf(text: str, judgments: list[dict[str, Any]]) -> bytes:
    """The report as a PDF: one column, except the overview of the questions, set in two
    columns (Q1 | Q2, then Q3 | Q4) as the inspectorate lays it out."""
    lines = text.split("\n")
    first = lines.index("How effective is the force at")
    resume = lines.index(" Force in numbers")
    pdf = _pdf()
    _single_column_pages(pdf, "\n".join(lines[:first]))
    blurb = "The force is judged on the evidence set out in the section on this question. " * 3
    for pair in (judgments[:2], judgments[2:]):
        _page(
            pdf, [(x, _overview_column(j, blurb)) for x, j in zip((LEFT, RIGHT), pair, strict=True)]
        )
    _single_column_pages(pdf, "\n".join(lines[resume:]))
    return bytes(pdf.output())


def test_a_pdf_report_parses_the_same(tmp_path):
    data = make_report_pdf(SEED, EXPECTED["judgments"])
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = extract_text(path)
    assert "\f" in text
    # The overview's two columns were kept apart: the right one's question reads whole.
    assert "\n".join(textwrap.wrap(EXPECTED["judgments"][1]["question"], 40)) in text
    result = parse_report_file(path)
    assert result.data == EXPECTED
    assert result.warnings == []  # the overview's grades were read, and they agree


def test_a_pdf_given_as_bytes():
    data = make_report_pdf(SEED, EXPECTED["judgments"])
    assert parse_report_text(extract_text(data)).data == EXPECTED


def test_an_encrypted_pdf_is_an_error():
    pdf = _pdf()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.text(LEFT, TOP, "Overall judgment")
    with pytest.raises(ReportParseError, match="encrypted"):
        extract_text(bytes(pdf.output()), filename="report.pdf")


def test_a_pdf_without_text_is_an_error():
    pdf = _pdf()
    pdf.add_page()
    with pytest.raises(ReportParseError, match="no text"):
        extract_text(bytes(pdf.output()))


def test_a_pdf_that_is_not_a_report_is_an_error():
    pdf = _pdf()
    _page(pdf, [(LEFT, ["Quarterly newsletter", "", "Our garden party raised £300."])])
    with pytest.raises(ReportParseError, match="not an inspection report"):
        parse_report_text(extract_text(bytes(pdf.output())))


def test_publication_and_fieldwork_dates_are_read_where_the_report_states_them():
    stated = (
        "Published: 18 February 2016\n\n"
        "We inspected the force between 7th September and 20 November 2015.\n\n" + SEED
    )
    data = parse_report_text(stated).data
    assert (data["published"], data["fieldwork_start"], data["fieldwork_end"]) == (
        "2016-02-18",
        "2015-09-07",
        "2015-11-20",
    )
    # Everything else is as before.
    assert {
        k: v for k, v in data.items() if k not in ("published", "fieldwork_start", "fieldwork_end")
    } == EXPECTED


def test_months_and_other_reports_publication_are_not_dates():
    """The seed says "between September and November 2015" and "a separate report was
    published in December 2015": neither is a day, so neither is read."""
    data = parse_report_text(SEED).data
    assert not {"published", "fieldwork_start", "fieldwork_end"} & set(data)
