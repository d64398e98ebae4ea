"""The vocabulary of a report: grades, grading scales and the headings that mark structure."""

from __future__ import annotations

import re

# Best first, as the report writes them.
SCALE_2014 = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
SCALE_2021 = ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]
ALL_GRADES = SCALE_2021

SUMMARY_RE = re.compile(r"^summary of findings\b:?\s*(.*)$", re.IGNORECASE)
OVERALL_RE = re.compile(r"^overall judg(?:e)?ment\b:?\s*(.*)$", re.IGNORECASE)
AFI_RE = re.compile(r"^areas? for improvement(?:\s+\d+)?:?$", re.IGNORECASE)
CAUSE_RE = re.compile(r"^(accelerated\s+)?causes? of concern(?:\s+\d+)?:?$", re.IGNORECASE)
RECOMMENDATIONS_RE = re.compile(r"^recommendations?(?:\s+\d+)?:?$", re.IGNORECASE)
END_RE = re.compile(
    r"^(?:(?:annex|appendix)(?:\s+[a-z0-9]{1,2})?(?:\s*[–—:-].*)?|next steps|glossary|about the data)$",
    re.IGNORECASE,
)
SENTENCE_END_RE = re.compile(r"[.!?;:][’”\"')\]]*$")
TRAILING_NOTES_RE = re.compile(r"(?:\s+\d{1,3})+$")

MARKERS = (SUMMARY_RE, OVERALL_RE, AFI_RE, CAUSE_RE, RECOMMENDATIONS_RE, END_RE)


def grading_scale(year: int) -> list[str]:
    """Four grades for 2014–2019; Adequate was added in the 2021 programme."""
    return list(SCALE_2021 if year >= 2021 else SCALE_2014)


def grade_label(text: str) -> str | None:
    """The grade a line states ("requires Improvement 3" → "Requires improvement"), or None."""
    text = TRAILING_NOTES_RE.sub("", " ".join(text.split())).rstrip(".:").lower()
    return next((grade for grade in ALL_GRADES if grade.lower() == text), None)


def is_marker(text: str) -> bool:
    """A heading that starts or ends a block of findings."""
    return any(pattern.match(text) for pattern in MARKERS)


def ends_sentence(text: str) -> bool:
    return bool(SENTENCE_END_RE.search(text))


def question_key(text: str) -> str:
    """A form of a question's text for comparing two renderings of it."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("–", "-")
    return " ".join(text.replace("- ", "-").split())
