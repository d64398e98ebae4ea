"""The one exception the importer raises for input it cannot use."""


class ReportParseError(Exception):
    """The input is not a readable inspection report.

    The message says what was not found and where, for example
    "no 'Summary of findings' grade found for question 3 (heading at line 1066)".
    """
