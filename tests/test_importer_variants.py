"""More of what real extractions do to a report; each still gives the expected JSON."""

import json
import re
from pathlib import Path

import pytest

from inspections.importer import parse_report_text

DATA = Path(__file__).resolve().parent.parent / "inspections" / "data"
SEED = (DATA / "staffordshire-peel-effectiveness-2015.txt").read_text(encoding="utf-8")
EXPECTED = json.loads((DATA / "staffordshire-peel-effectiveness-2015.expected.json").read_text())

GRADES = "Good|Requires improvement|Inadequate"

VARIANTS = {
    "singular list heading": lambda t: t.replace(
        "Areas for improvement\n•\n\nThe force should use evidence",
        "Area for improvement\n•\n\nThe force should use evidence",
    ),
    "bullet and tab on one line": lambda t: re.sub(r"•\n\n", "•\t", t),
    "bullet and space on one line": lambda t: re.sub(r"•\n\n", "• ", t),
    "ASCII dash bullets": lambda t: re.sub(r"•\n\n", "- ", t),
    "asterisk bullets": lambda t: re.sub(r"•\n\n", "* ", t),
    "trailing spaces": lambda t: "\n".join(line + "   " for line in t.split("\n")),
    "grade on the summary line": lambda t: re.sub(
        rf"Summary of findings\n({GRADES})\n", r"Summary of findings \1\n", t
    ),
    "overall grade on its heading line": lambda t: t.replace(
        "Overall judgment 1\nRequires improvement\n", "Overall judgment: Requires improvement\n"
    ),
    "blank line after the summary heading": lambda t: t.replace(
        "Summary of findings\n", "Summary of findings\n\n"
    ),
    "capitalised grade": lambda t: t.replace(
        "Summary of findings\nRequires improvement\n", "Summary of findings\nRequires Improvement\n"
    ),
    "upper-case list heading": lambda t: t.replace(
        "Areas for improvement\n", "AREAS FOR IMPROVEMENT\n"
    ),
    "no-break spaces": lambda t: t.replace(" force ", "\u00a0force "),
    "fi ligatures": lambda t: t.replace("fi", "\ufb01"),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_gives_the_expected_json(name):
    text = VARIANTS[name](SEED)
    assert text != SEED, "the variant must change something"
    assert parse_report_text(text).data == EXPECTED


def test_straight_quotes_are_kept_as_they_are():
    text = SEED.replace("\u2018", "'").replace("\u2019", "'")
    expected = json.loads(json.dumps(EXPECTED).replace("\\u2018", "'").replace("\\u2019", "'"))
    assert parse_report_text(text).data == expected
