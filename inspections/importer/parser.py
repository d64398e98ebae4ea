"""Read an HMIC/HMICFRS PEEL inspection report into the canonical inspection JSON.

The layout followed is the one of the PEEL reports of 2015–2019 (see
``inspections/data/staffordshire-peel-effectiveness-2015.txt``):

- an "Overall judgment" with its grade, and an "Overview – <overall question>?" heading;
- an overview that repeats each question with its grade (used as a cross-check only);
- one section per question, headed by the question ("How effective is the force at …?",
  the overall question's opening words), holding a "Summary of findings" with the grade,
  then the findings (see ``findings.py``);
- annexes after the last section.

Nothing about a particular force is known here: the force is the police force the report
names most often.
"""

from __future__ import annotations

import calendar
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import ReportParseError
from .findings import review_statements, section_findings
from .structure import (
    END_RE,
    OVERALL_RE,
    SUMMARY_RE,
    TRAILING_NOTES_RE,
    grade_label,
    grading_scale,
    question_key,
)
from .text import Line, clean_lines, extract_text, fold

OVERVIEW_RE = re.compile(r"^Overview\s*[–—:-]\s*(.*)$", re.IGNORECASE)
OVERALL_QUESTION_RE = re.compile(r"overall question:?\s*[“\"‘']?(.+?\?)", re.IGNORECASE)
TITLE_RE = re.compile(r"^PEEL\b.*?\b(20\d\d(?:/\d\d)?)\b")
PROGRAMME_RE = re.compile(r"\bPEEL\s+(20\d\d/\d\d)\b")
INSPECTED_RE = re.compile(r"\binspected\b[^.]{0,150}?\b(20\d\d)\b")
YEAR_RE = re.compile(r"\b(20[1-4]\d)\b")
MONTHS = list(calendar.month_name)[1:]
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(MONTHS) + r")"
DAY_DATE = _DAY + r"\s+(20\d\d)"
# "Published: 18 February 2016", "Date of publication 18 February 2016": a line of the
# report's own, never a mention of another report ("a report published in December").
PUBLISHED_RE = re.compile(
    r"^(?:published|date of publication|publication date)\b[^0-9]{0,20}" + DAY_DATE,
    re.IGNORECASE,
)
# "We inspected the force between 9 May and 10 June 2022": both days stated.
FIELDWORK_RE = re.compile(
    r"\b(?:inspected|fieldwork|inspection took place|we visited|on site)\b[^.]{0,120}?"
    r"\b(?:between|from)\s+" + _DAY + r"(?:\s+(20\d\d))?\s+(?:and|to|until)\s+" + DAY_DATE,
    re.IGNORECASE,
)
PILLARS = {
    "effective": "Effectiveness",
    "efficient": "Efficiency",
    "legitimate": "Legitimacy",
    "well led": "Leadership",
}
PILLAR_RE = re.compile(r"^How (effective|efficient|legitimate|well[- ]led)\b", re.IGNORECASE)
TITLE_PILLAR_RE = re.compile(
    r"\bPEEL:?\s+Police\s+(effectiveness|efficiency|legitimacy|leadership)\b", re.IGNORECASE
)
NAME_WORD = r"(?!Police\b|Constabulary\b)[A-Z][\w'’-]*"
FORCE_RE = re.compile(
    rf"({NAME_WORD}(?:\s+(?:(?:and|of|&)\s+)?{NAME_WORD}){{0,5}})\s+(Police Service|Police|Constabulary)\b"
)
# Words that begin a sentence in front of a force's name, and names that are not forces.
_LEADING = (
    "The In However Because Although When Where While As For And But Whether This That At On By "
    "With Of If Since Until Unlike Like Both Whereas Overall Also Then Our We HMIC HMICFRS "
    "Reports Report Today Currently Previously"
)
LEADING_WORDS = frozenset(_LEADING.split())
NOT_FORCE_WORDS = frozenset({"National", "Regional", "Home", "Local", "Independent", "Royal"})
QUESTION_LINES = 8
INTRODUCTION = "introduction"


@dataclass
class ParseResult:
    """``data`` is the canonical inspection JSON (docs/architecture.md, "The canonical inspection JSON"); ``warnings`` say what
    looked inconsistent but did not stop the import."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Question:
    number: int
    text: str
    heading: int  # index into the lines
    end: int
    grade: str


def parse_report_file(path: str | os.PathLike[str]) -> ParseResult:
    """Parse a report PDF or text file."""
    return parse_report_text(extract_text(path))


def parse_report_text(text: str) -> ParseResult:
    """Parse a report's text; raise :class:`ReportParseError` when it is not a usable report."""
    lines = clean_lines(text)
    if not any(line.text for line in lines):
        raise ReportParseError("the report is empty")
    if not any(SUMMARY_RE.match(line.text) or OVERALL_RE.match(line.text) for line in lines):
        raise ReportParseError(
            "this is not an inspection report: it has neither an 'Overall judgment' nor a "
            "'Summary of findings' heading"
        )
    warnings: list[str] = []
    programme, year = _programme(lines)
    scale = grading_scale(year)
    overall = _overall(lines, scale, programme)
    questions = _questions(lines, overall["question"], scale, programme, warnings)
    _cross_check_overview(lines, questions, warnings)

    findings: list[dict[str, Any]] = []
    reviews: dict[str, list[int]] = {}
    for question in questions:
        findings.extend(section_findings(lines, question.heading, question.end, question.number))
        for note in review_statements(lines, question.heading, question.end):
            reviews.setdefault(note, []).append(question.number)
    for note in review_statements(lines, 0, questions[0].heading):
        reviews.setdefault(note, [0])

    data = {
        "force": _force(lines),
        "programme": programme,
        "pillar": _pillar(overall["question"], lines),
        "grading_scale": scale,
        "overall": overall,
        "judgments": [
            {"number": q.number, "question": q.text, "grade": q.grade} for q in questions
        ],
        "findings": findings,
        "follow_up_reviews": [
            {"questions": numbers, "note": note} for note, numbers in reviews.items()
        ],
    }
    data.update(_dates(lines))
    return ParseResult(data=data, warnings=warnings)


def _date(day: str, month: str, year: str) -> str | None:
    try:
        return date(int(year), MONTHS.index(month.capitalize()) + 1, int(day)).isoformat()
    except ValueError:
        return None


def _dates(lines: list[Line]) -> dict[str, str]:
    """The publication and fieldwork dates, where the report states them to the day
    (keys left out otherwise: a month is not a date)."""
    found: dict[str, str] = {}
    for line in lines:
        match = PUBLISHED_RE.match(line.text.strip())
        if match and (published := _date(*match.groups())):
            found["published"] = published
            break
    if match := FIELDWORK_RE.search(fold([line.text for line in lines])):
        start_day, start_month, start_year, end_day, end_month, end_year = match.groups()
        start = _date(start_day, start_month, start_year or end_year)
        end = _date(end_day, end_month, end_year)
        if start and end and start <= end:
            found.update(fieldwork_start=start, fieldwork_end=end)
    return found


def _programme(lines: list[Line]) -> tuple[str, int]:
    """("PEEL 2015", 2015): from the title, a "PEEL 2021/22" mention, the fieldwork dates,
    or else the year the report mentions most."""
    for line in [line for line in lines if line.text][:15]:
        if match := TITLE_RE.match(line.text):
            return f"PEEL {match.group(1)}", int(match.group(1)[:4])
    text = fold([line.text for line in lines])
    for pattern in (PROGRAMME_RE, INSPECTED_RE):
        if match := pattern.search(text):
            return f"PEEL {match.group(1)}", int(match.group(1)[:4])
    years = Counter(YEAR_RE.findall(text))
    if not years:
        raise ReportParseError("no inspection year found (no 'PEEL <year>' title and no dates)")
    year = max(years, key=lambda y: (years[y], y))
    return f"PEEL {year}", int(year)


def _check_grade(label: str, scale: list[str], programme: str, where: str) -> str:
    if label not in scale:
        raise ReportParseError(
            f"grade '{label}' {where} is not on the {programme} grading scale ({', '.join(scale)})"
        )
    return label


def _grade_after(lines: list[Line], index: int, rest: str) -> tuple[str | None, Line | None]:
    """The grade on a heading's line (``rest``) or on the next non-blank line(s).

    Returns (grade label or None, the line read); a grade wrapped over two lines
    ("Requires" / "improvement") is accepted.
    """
    if TRAILING_NOTES_RE.sub("", " " + rest).strip():
        return grade_label(rest), lines[index]
    following = [line for line in lines[index + 1 : index + 6] if line.text][:2]
    if not following:
        return None, None
    label = grade_label(following[0].text)
    if label is None and len(following) == 2:
        label = grade_label(f"{following[0].text} {following[1].text}")
    return label, following[0]


def _overall(lines: list[Line], scale: list[str], programme: str) -> dict[str, str]:
    index = next((i for i, line in enumerate(lines) if OVERALL_RE.match(line.text)), None)
    if index is None:
        raise ReportParseError("no 'Overall judgment' heading found")
    match = OVERALL_RE.match(lines[index].text)
    assert match is not None
    label, read = _grade_after(lines, index, match.group(1))
    where = f"line {lines[index].number}"
    if label is None:
        found = f": it reads '{read.text}'" if read else ""
        raise ReportParseError(f"no grade found after 'Overall judgment' ({where}){found}")
    grade = _check_grade(label, scale, programme, f"for the overall judgment ({where})")
    return {"question": _overall_question(lines), "grade": grade}


def _overall_question(lines: list[Line]) -> str:
    for index, line in enumerate(lines):
        if match := OVERVIEW_RE.match(line.text):
            parts = [match.group(1)]
            for following in lines[index + 1 : index + 5]:
                if "?" in parts[-1] or not following.text:
                    break
                parts.append(following.text)
            question = fold(parts)
            if "?" in question:
                return question[: question.index("?") + 1]
    if match := OVERALL_QUESTION_RE.search(fold([line.text for line in lines])):
        return match.group(1).strip()
    raise ReportParseError(
        "no overall question found (looked for 'Overview – How … ?' and "
        "'the overall question: “…?”')"
    )


def _pillar(overall_question: str, lines: list[Line]) -> str:
    if match := PILLAR_RE.match(overall_question):
        return PILLARS[match.group(1).lower().replace("-", " ")]
    head = fold([line.text for line in lines[:60]])
    if match := TITLE_PILLAR_RE.search(head):
        return match.group(1).capitalize()
    return ""


def _force(lines: list[Line]) -> str:
    """The police force the report names most often."""
    counts: Counter[str] = Counter()
    for match in FORCE_RE.finditer(fold([line.text for line in lines])):
        words = match.group(1).split()
        while words and (words[0] in LEADING_WORDS or words[0] in {"and", "of", "&"}):
            words.pop(0)
        if words and words[0] not in NOT_FORCE_WORDS:
            counts[f"{' '.join(words)} {match.group(2)}"] += 1
    if not counts:
        raise ReportParseError(
            "no police force named (looked for a name ending in 'Police', 'Police Service' "
            "or 'Constabulary')"
        )
    return counts.most_common(1)[0][0]


def _question_blocks(lines: list[Line], stem: str, overall_key: str) -> list[tuple[int, str]]:
    """Every (index, text) of a question starting with ``stem`` and ending in "?"."""
    blocks: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        if not lines[i].text.startswith(stem):
            i += 1
            continue
        parts: list[str] = []
        j = i
        while j < min(len(lines), i + QUESTION_LINES) and lines[j].text:
            parts.append(lines[j].text)
            if TRAILING_NOTES_RE.sub("", lines[j].text).endswith("?"):
                break
            j += 1
        text = TRAILING_NOTES_RE.sub("", fold(parts))
        if text.endswith("?") and question_key(text) != overall_key:
            blocks.append((i, text))
            i = j
        i += 1
    return blocks


def _questions(
    lines: list[Line], overall: str, scale: list[str], programme: str, warnings: list[str]
) -> list[_Question]:
    """The graded questions, in report order, with their sections and grades.

    A question's section heading is the last place its text starts a line: the overview
    and the introduction list the questions before the sections do.
    """
    stem_match = re.match(r"(.+?\bthe force)\b", overall)
    stem = stem_match.group(1) if stem_match else " ".join(overall.split()[:3])
    blocks = _question_blocks(lines, stem, question_key(overall))
    intro = next((i for i, line in enumerate(lines) if line.text.lower() == INTRODUCTION), -1)
    last: dict[str, tuple[int, str]] = {}
    for index, text in blocks:
        last[question_key(text)] = (index, text)
    headings = []
    for index, text in sorted(last.values()):
        if index < intro:
            warnings.append(f"the overview's question “{text}” has no section of its own")
        else:
            headings.append((index, text))
    if not headings:
        raise ReportParseError(
            f"no question headings found (looked for lines starting '{stem}' and ending in '?')"
        )

    questions = []
    for number, (index, text) in enumerate(headings, start=1):
        following = headings[number][0] if number < len(headings) else len(lines)
        end = next(
            (i for i in range(index + 1, following) if END_RE.match(lines[i].text)), following
        )
        where = f"for question {number} (heading at line {lines[index].number})"
        summary = next((i for i in range(index + 1, end) if SUMMARY_RE.match(lines[i].text)), None)
        if summary is None:
            raise ReportParseError(f"no 'Summary of findings' grade found {where}")
        match = SUMMARY_RE.match(lines[summary].text)
        assert match is not None
        label, read = _grade_after(lines, summary, match.group(1))
        if label is None:
            found = f": line {read.number} reads '{read.text}'" if read else ""
            raise ReportParseError(f"no 'Summary of findings' grade found {where}{found}")
        grade = _check_grade(label, scale, programme, where)
        questions.append(_Question(number, text, index, end, grade))
    return questions


def _cross_check_overview(
    lines: list[Line], questions: list[_Question], warnings: list[str]
) -> None:
    """Compare the grades the overview gives, in order, with those of the sections."""
    stem = " ".join(questions[0].text.split()[:3])
    start = next((i for i, line in enumerate(lines) if line.text.startswith(stem)), 0)
    end = questions[0].heading
    intro = next((i for i in range(start, end) if lines[i].text.lower() == INTRODUCTION), end)
    grades = [label for line in lines[start:intro] if (label := grade_label(line.text))]
    if len(grades) != len(questions):
        warnings.append(
            f"the overview gives {len(grades)} grade(s) for {len(questions)} question(s); "
            "grades were not cross-checked"
        )
        return
    for question, overview_grade in zip(questions, grades, strict=True):
        if overview_grade != question.grade:
            warnings.append(
                f"question {question.number}: the overview grades it '{overview_grade}' but "
                f"its Summary of findings (line {lines[question.heading].number} onwards) "
                f"says '{question.grade}'; the Summary of findings is used"
            )
