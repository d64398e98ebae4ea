"""Import an inspection report: text or PDF in, canonical inspection JSON out.

>>> result = parse_report_file("inspections/data/staffordshire-peel-effectiveness-2015.txt")
>>> result.data["overall"]["grade"]
'Requires improvement'
"""

from .errors import ReportParseError
from .parser import ParseResult, parse_report_file, parse_report_text
from .text import extract_text

__all__ = [
    "ParseResult",
    "ReportParseError",
    "extract_text",
    "parse_report_file",
    "parse_report_text",
]
