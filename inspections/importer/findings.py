"""Findings and follow-up reviews inside one question's section of a report.

Shapes understood:

- "Areas for improvement" (or "Area for improvement") followed by bullet items, or by
  paragraphs without bullets; a lead-in paragraph before the bullets is skipped.
- "Cause of concern" (or "Accelerated cause of concern") followed by the concern's text,
  then "Recommendations" and bullet items (a lead-in such as "To address this cause of
  concern, we recommend that within six months the force:" may come before the bullets,
  with or without the "Recommendations" heading). Each recommendation's ``parent`` is the
  ``reference`` of its cause of concern; causes and recommendations get references in the
  project's format (``Q3-COC-1``, ``Q3-ACOC-1``, ``Q3-REC-2``); areas for improvement get
  none (the canonical JSON of the worked example has none).
- A sentence saying the inspectorate will review (revisit, re-inspect) the force's progress,
  with the sentence before it from "HMIC expects …" when there is one.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .structure import (
    AFI_RE,
    CAUSE_RE,
    RECOMMENDATIONS_RE,
    ends_sentence,
    grade_label,
    is_marker,
)
from .text import Line, bullet_text, fold, is_bullet

NUMBER_WORDS = (
    r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|"
    r"twenty-four|thirty|sixty|ninety"
)
MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
DEADLINE_RE = re.compile(
    rf"\b(immediately|within\s+(?:the\s+next\s+)?(?:{NUMBER_WORDS})\s+(?:days?|weeks?|months?|years?)"
    rf"|by\s+(?:the\s+end\s+of\s+)?(?:\d{{1,2}}\s+)?(?:{MONTHS})\s+\d{{4}})\b",
    re.IGNORECASE,
)
LEAD_IN_RE = re.compile(r"(?:^|(?<=[.!?’”]\s))([^.!?]*:)$")
REVIEW_RE = re.compile(
    r"\bwill\s+(?:then\s+|also\s+|subsequently\s+)?"
    r"(?:review|revisit|re-?inspect|re-?visit|return\s+to)\b",
    re.IGNORECASE,
)
PROGRESS_RE = re.compile(r"progress|improve", re.IGNORECASE)
EXPECTS_RE = re.compile(
    r"\b(?:HMICFRS|HMIC|we|the inspectorate)\s+(?:therefore\s+|now\s+)?expects?\b", re.IGNORECASE
)
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“\"'])|(?<=[.!?][’”])\s+(?=[A-Z‘“])")
# The worked example's expected JSON writes review notes with straight apostrophes
# (finding texts keep the report's curly quotes), so notes are straightened.
STRAIGHT_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
MAX_CAUSE_PARAGRAPHS = 3
KIND_CODES = {
    "cause_of_concern": "COC",
    "accelerated_cause_of_concern": "ACOC",
    "recommendation": "REC",
}


def section_findings(
    lines: list[Line], start: int, end: int, question: int
) -> list[dict[str, Any]]:
    """The findings in ``lines[start:end]``, the section of question ``question``."""
    findings: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()

    def reference(kind: str) -> str:
        # The format of Finding.make_reference, without importing the models.
        counts[kind] += 1
        return f"Q{question}-{KIND_CODES[kind]}-{counts[kind]}"

    def add_recommendations(lead: str, items: list[str], parent: str | None) -> None:
        for text in items:
            finding: dict[str, Any] = {
                "kind": "recommendation",
                "question": question,
                "text": text,
                "reference": reference("recommendation"),
            }
            if parent:
                finding["parent"] = parent
            deadline = find_deadline(text) or find_deadline(lead)
            if deadline:
                finding["deadline"] = deadline
            findings.append(finding)

    i = start
    while i < end:
        text = lines[i].text
        if AFI_RE.match(text):
            _, items, i = _read_list(lines, i + 1, end)
            findings.extend(
                {"kind": "area_for_improvement", "question": question, "text": item}
                for item in items
            )
        elif match := CAUSE_RE.match(text):
            cause, lead, i = _read_cause(lines, i + 1, end)
            if not cause:
                continue
            kind = "accelerated_cause_of_concern" if match.group(1) else "cause_of_concern"
            parent = reference(kind)
            findings.append(
                {"kind": kind, "question": question, "text": cause, "reference": parent}
            )
            if i < end and RECOMMENDATIONS_RE.match(lines[i].text):
                heading_lead, items, i = _read_list(lines, i + 1, end)
                add_recommendations(heading_lead or lead, items, parent)
            elif i < end and is_bullet(lines[i].text):
                _, items, i = _read_list(lines, i, end)
                add_recommendations(lead, items, parent)
        elif RECOMMENDATIONS_RE.match(text):
            lead, items, i = _read_list(lines, i + 1, end)
            add_recommendations(lead, items, None)
        else:
            i += 1
    return findings


def find_deadline(text: str) -> str | None:
    """The deadline as the report words it: "immediately", "within six months", "by May 2017"."""
    match = DEADLINE_RE.search(text)
    if not match:
        return None
    deadline = " ".join(match.group(1).split())
    return deadline[0].lower() + deadline[1:]


def _next_text(lines: list[Line], i: int, end: int) -> int:
    while i < end and not lines[i].text:
        i += 1
    return i


def _is_heading(text: str) -> bool:
    """A line that cannot continue a finding: a structural heading or a question heading."""
    return is_marker(text) or text.endswith("?") or text.startswith(("How ", "To what extent"))


def _read_block(
    lines: list[Line], i: int, end: int, parts: list[str] | None = None
) -> tuple[str, int]:
    """Read one item or paragraph from ``lines[i]``; return its folded text and where it stopped.

    It stops at a bullet or a heading, and at a blank line after the end of a sentence.
    A blank line where a page ends (page number, running header, form feed removed) does not
    stop it unless a heading follows: the finding carries on over the page.
    """
    parts = list(parts or [])
    j = i
    while j < end:
        line = lines[j]
        if not line.text:
            k = _next_text(lines, j, end)
            if k >= end:
                return fold(parts), k
            page_break = any(lines[x].page_start for x in range(j, k + 1))
            following = lines[k].text
            if is_bullet(following) or _is_heading(following):
                return fold(parts), k
            if parts and ends_sentence(parts[-1]) and not page_break:
                return fold(parts), k
            j = k
            continue
        if parts and (is_bullet(line.text) or is_marker(line.text)):
            break
        if parts and line.page_start and ends_sentence(parts[-1]) and _is_heading(line.text):
            break
        parts.append(line.text)
        j += 1
    return fold(parts), j


def _read_list(lines: list[Line], i: int, end: int) -> tuple[str, list[str], int]:
    """Read what follows a findings heading: (lead-in, items, index after the list).

    Bulleted items, with an optional lead-in paragraph before them; or, when no bullet
    follows, unbulleted paragraphs (see ``_unbulleted_items``).
    """
    i = _next_text(lines, i, end)
    lead = ""
    if i < end and not is_bullet(lines[i].text) and not is_marker(lines[i].text):
        paragraph, after = _read_block(lines, i, end)
        k = _next_text(lines, after, end)
        if not (k < end and is_bullet(lines[k].text)):
            items, after = _unbulleted_items(lines, paragraph, after, end)
            return "", items, after
        lead, i = paragraph, k
    items: list[str] = []
    while i < end and is_bullet(lines[i].text):
        first = bullet_text(lines[i].text)
        text, i = _read_block(lines, i + 1, end, [first] if first else [])
        if text:
            items.append(text)
        i = _next_text(lines, i, end)
    return lead, items, i


def _unbulleted_items(lines: list[Line], first: str, i: int, end: int) -> tuple[list[str], int]:
    """Items without bullets (lost in extraction, or never there): the first paragraph, and
    the paragraphs after it that open the same way ("The force should …")."""
    if not first:
        return [], i
    items = [first]
    opening = first.split()[:2]
    j = _next_text(lines, i, end)
    while j < end and lines[j].text.split()[:2] == opening and not _is_heading(lines[j].text):
        paragraph, i = _read_block(lines, j, end)
        items.append(paragraph)
        j = _next_text(lines, i, end)
    return items, i


def _read_cause(lines: list[Line], i: int, end: int) -> tuple[str, str, int]:
    """Read a cause of concern: (its text, a recommendations lead-in, index after it).

    The text may run over a few paragraphs when a "Recommendations" heading or a bullet
    list follows them; otherwise only its first paragraph is the cause. A last sentence
    ending in a colon ("… we recommend that the force:") is the recommendations' lead-in.
    """
    first, after_first = _read_block(lines, _next_text(lines, i, end), end)
    after_first = _next_text(lines, after_first, end)
    paragraphs, j = [first], after_first
    while j < end:
        following = lines[j].text
        if is_bullet(following) or RECOMMENDATIONS_RE.match(following):
            break
        if is_marker(following) or len(paragraphs) == MAX_CAUSE_PARAGRAPHS:
            paragraphs, j = [first], after_first
            break
        paragraph, j = _read_block(lines, j, end)
        paragraphs.append(paragraph)
        j = _next_text(lines, j, end)
    else:
        paragraphs, j = [first], after_first
    text = " ".join(paragraphs)
    lead = ""
    if match := LEAD_IN_RE.search(text):
        lead = match.group(1).strip()
        text = text[: match.start()].strip()
    return text, lead, j


def review_statements(lines: list[Line], start: int, end: int) -> list[str]:
    """Notes of the follow-up reviews the inspectorate announces in ``lines[start:end]``."""
    notes: list[str] = []
    for paragraph in _paragraphs(lines, start, end):
        sentences = SENTENCE_SPLIT_RE.split(paragraph)
        for index, sentence in enumerate(sentences):
            if not (REVIEW_RE.search(sentence) and PROGRESS_RE.search(sentence)):
                continue
            note = sentence
            own = EXPECTS_RE.search(sentence)
            before = EXPECTS_RE.search(sentences[index - 1]) if index else None
            if own:
                note = sentence[own.start() :]
            elif before:
                note = f"{sentences[index - 1][before.start() :]} {sentence}"
            note = (note[0].upper() + note[1:]).translate(STRAIGHT_QUOTES)
            if note not in notes:
                notes.append(note)
    return notes


def _paragraphs(lines: list[Line], start: int, end: int) -> list[str]:
    """Folded paragraphs; headings, grades and blank lines separate them."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines[start:end]:
        text = line.text
        if not text and current and not ends_sentence(current[-1]):
            continue  # a page break inside a sentence
        if not text or is_marker(text) or grade_label(text) or is_bullet(text):
            if current:
                paragraphs.append(fold(current))
            current = [bullet_text(text)] if is_bullet(text) and bullet_text(text) else []
            continue
        current.append(text)
    if current:
        paragraphs.append(fold(current))
    return paragraphs
