"""From a report file to clean, numbered lines.

``extract_text`` reads a PDF (pdfminer.six) or a text file. ``clean_lines`` turns that text
into :class:`Line` objects with the page furniture taken out: page numbers, running headers
and footers, and footnotes (the note at the foot of the page and its marker in the text).
Where furniture was removed, or a page begins, the next line is flagged ``page_start`` so
that the parser can tell a paragraph carried over a page break from a new paragraph.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ReportParseError
from .structure import grade_label, is_marker

# Two columns stay apart when characters further apart than char_margin × their width
# start a new line and boxes are ordered by the layout analysis (boxes_flow), not only
# by their height on the page (which interleaves the columns line by line).
PDF_LAYOUT = {
    "line_margin": 0.5,
    "char_margin": 2.0,
    "word_margin": 0.1,
    "boxes_flow": 0.5,
    "detect_vertical": False,
}

# Bullet glyphs as PDF-to-text tools write them; an ASCII "-" or "*" counts only when a
# space follows (a plain-text rendering of a list), never a dash inside prose.
BULLET_RE = re.compile(
    r"^(?:[•●▪■◦‣⁃∙·\uf0b7\uf0a7\uf076\uf0d8\uf0fc]|\(cid:\d+\)|[-*](?=\s))\s*(.*)$"
)
# Typographic ligatures that PDF extraction leaves in words ("ﬁndings"): a rendering
# artefact, not the report's text.
LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
PAGE_NUMBER_RE = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.IGNORECASE)
DIGITS_RE = re.compile(r"^\d{1,3}$")
HYPHENS = ("-", "\u2010")
ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A footnote marker followed by a unit is a quantity ("within 6 months"), not a marker.
UNIT_AFTER_RE = re.compile(
    r"\s*(?:[,.]\d|%|percent\b|per\b|days?\b|weeks?\b|months?\b|years?\b|hours?\b|"
    r"minutes?\b|-)",
    re.IGNORECASE,
)
MAX_FOOTNOTE_LINES = 14
MARKER_LOOKBACK = 150
FOOTNOTE_SKIP = 2  # a note missed (say, its marker was not found) does not stop the count


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the report.

    ``number`` is the 1-based line number in the text as given (form feeds do not start a
    new number), for error messages. ``text`` has its whitespace collapsed and stripped;
    blank lines are kept as ``""`` because they separate paragraphs and list items.
    """

    number: int
    text: str
    page_start: bool = False


def extract_text(path_or_bytes: str | os.PathLike[str] | bytes, filename: str | None = None) -> str:
    """Return the text of a report given as a path or as the file's bytes.

    A PDF (recognised by its ``%PDF-`` header or a ``.pdf`` name) is read with pdfminer.six;
    anything else is decoded as UTF-8 (with or without a byte-order mark), falling back to
    Windows-1252. Raises :class:`ReportParseError` for an encrypted, broken or empty PDF and
    for binary data that is not a PDF.
    """
    if isinstance(path_or_bytes, bytes | bytearray):
        data = bytes(path_or_bytes)
        name = filename or "the uploaded file"
    else:
        path = Path(path_or_bytes)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReportParseError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if b"%PDF-" in data[:1024] or name.lower().endswith(".pdf"):
        return _pdf_text(data, name)
    return _decode_text(data, name)


def _pdf_text(data: bytes, name: str) -> str:
    # Imported here so that parsing text does not pay for loading pdfminer.
    from pdfminer.high_level import extract_text as pdfminer_extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if b"%PDF-" not in data[:1024]:
        raise ReportParseError(f"{name} is not a PDF: it has no %PDF header")
    try:
        text = pdfminer_extract_text(io.BytesIO(data), laparams=LAParams(**PDF_LAYOUT))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ReportParseError(
            f"{name} is an encrypted (password-protected) PDF; save an unprotected copy "
            "and import that"
        ) from exc
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        raise ReportParseError(
            f"{name} is not a readable PDF ({type(exc).__name__}: {exc})"
        ) from exc
    if not text.strip():
        raise ReportParseError(
            f"{name} has no text layer (a scanned PDF?); no report text could be extracted"
        )
    return text


def _decode_text(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ReportParseError(f"{name} is neither a PDF nor a text file (it contains binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def fold(parts: list[str]) -> str:
    """Join wrapped lines into one string with single spaces.

    A line ending in a hyphen straight after a letter is joined without a space when the
    next line starts in lower case: report PDFs are not hyphenated, so the hyphen belongs
    to the word ("anti-" + "social" gives "anti-social"). A soft hyphen is dropped.
    """
    pieces: list[str] = []
    for raw in parts:
        part = " ".join(raw.split())
        if not part:
            continue
        previous = pieces[-1] if pieces else ""
        if previous.endswith("\u00ad"):
            pieces[-1] = previous[:-1]
        elif pieces and not (
            previous[-2:-1].isalpha() and previous[-1:] in HYPHENS and part[0].islower()
        ):
            pieces.append(" ")
        pieces.append(part)
    return "".join(pieces).replace("\u00ad", "")


def is_bullet(text: str) -> bool:
    return bool(BULLET_RE.match(text))


def bullet_text(text: str) -> str:
    """The text after a bullet sign ("" for a bullet alone on its line)."""
    match = BULLET_RE.match(text)
    return match.group(1).strip() if match else text


def clean_lines(text: str) -> list[Line]:
    """Split ``text`` into lines and remove page furniture (see the module docstring)."""
    lines = _split(text)
    lines = _drop_footnotes(lines)
    lines = _drop_page_numbers(lines)
    return _drop_running_lines(lines)


def _split(text: str) -> list[Line]:
    text = ZERO_WIDTH_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(LIGATURES)
    lines: list[Line] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        for index, part in enumerate(raw.split("\f")):
            # pdfminer text often starts a page's first line with a space.
            page_start = index > 0 or (part.startswith(" ") and bool(part.strip()))
            if index > 0 and not part.strip():
                # A form feed ending a line: the next line starts the page.
                lines.append(Line(number, "", True))
                continue
            lines.append(Line(number, " ".join(part.split()), page_start))
    return lines


def _mark_next(lines: list[Line], dropped_from: int) -> None:
    """Flag the line that now follows removed furniture as starting a page."""
    if dropped_from < len(lines):
        lines[dropped_from] = replace(lines[dropped_from], page_start=True)


def _drop_footnotes(lines: list[Line]) -> list[Line]:
    """Remove footnotes: "12" alone on a line, the note's text, up to the page break.

    Footnotes are numbered 1, 2, 3… through a report, so a number is only taken as a
    footnote when it is the next one expected (or nearly), when its marker occurs as a separate token
    shortly before, and when the note ends at a page break within a few lines (otherwise
    it is a page number or a table figure). The marker is removed from the text as well.
    """
    lines = list(lines)
    expected = 1
    i = 0
    while i < len(lines):
        text = lines[i].text
        number = int(text) if DIGITS_RE.match(text) else 0
        if not expected <= number <= expected + FOOTNOTE_SKIP:
            i += 1
            continue
        end = _footnote_end(lines, i, number)
        marker = _find_marker(lines, i, number) if end is not None else None
        if end is None or marker is None:
            i += 1
            continue
        line_index, start, stop = marker
        marked = lines[line_index]
        lines[line_index] = replace(marked, text=f"{marked.text[:start]}{marked.text[stop:]}")
        del lines[i:end]
        _mark_next(lines, i)
        expected = number + 1
    return lines


def _footnote_end(lines: list[Line], start: int, number: int) -> int | None:
    """Index just past footnote ``number`` starting at ``start``, or None if it is not one."""
    has_text = False
    for j in range(start + 1, min(len(lines), start + MAX_FOOTNOTE_LINES + 1)):
        line = lines[j]
        if line.page_start:
            return j if has_text else None
        if DIGITS_RE.match(line.text):
            if int(line.text) == number + 1:
                return j if has_text else None
            return j + 1 if has_text else None  # a page number after the note goes too
        has_text = has_text or bool(line.text)
    if has_text and start + MAX_FOOTNOTE_LINES >= len(lines):
        return len(lines)
    return None


def _find_marker(lines: list[Line], start: int, number: int) -> tuple[int, int, int] | None:
    """Where footnote ``number``'s marker is: (line index, start, end) of the token."""
    token = re.compile(rf"(?<=[^\s£$])\s+{number}(?![\d,.]\d)")
    for j in range(start - 1, max(-1, start - MARKER_LOOKBACK), -1):
        text = lines[j].text
        for match in reversed(list(token.finditer(text))):
            if not UNIT_AFTER_RE.match(text, match.end()):
                return j, match.start(), match.end()
    return None


def _drop_page_numbers(lines: list[Line]) -> list[Line]:
    kept: list[Line] = []
    dropped = False
    for line in lines:
        if PAGE_NUMBER_RE.match(line.text):
            dropped = True
            continue
        if dropped:
            line = replace(line, page_start=True)
            dropped = False
        kept.append(line)
    return kept


def _is_structural(text: str) -> bool:
    """Lines that are never running headers even when repeated at page edges."""
    return (
        not text
        or is_bullet(text)
        or is_marker(text)
        or grade_label(text) is not None
        or text.endswith("?")
        or text.lower().startswith(("how ", "to what extent", "overview"))
    )


def _drop_running_lines(lines: list[Line]) -> list[Line]:
    """Remove running headers and footers: short lines repeated at three or more page edges."""
    for _ in range(3):  # a header of two lines comes off one line at a time
        edges = _page_edges(lines)
        counts = Counter(lines[i].text for i in edges)
        furniture = {
            text
            for text, count in counts.items()
            if count >= 3 and len(text) <= 120 and not _is_structural(text)
        }
        if not furniture:
            return lines
        drop = {i for i in edges if lines[i].text in furniture}
        kept: list[Line] = []
        flag = False
        for index, line in enumerate(lines):
            if index in drop:
                flag = True
                continue
            if flag:
                line = replace(line, page_start=True)
                flag = False
            kept.append(line)
        lines = kept
    return lines


def _page_edges(lines: list[Line]) -> list[int]:
    """Indices of the first non-blank line of each page and the last one before it."""
    edges: list[int] = []
    for index, line in enumerate(lines):
        if not line.page_start:
            continue
        after = next((j for j in range(index, len(lines)) if lines[j].text), None)
        before = next((j for j in range(index - 1, -1, -1) if lines[j].text), None)
        edges.extend(j for j in (after, before) if j is not None)
    return sorted(set(edges))
