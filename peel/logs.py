"""Logging helpers."""

import logging


class NoTracebackBelow500(logging.Filter):
    """A refused request (a 403 for permission, a 404, a 400) is logged as one line,
    not with the traceback of the exception that refused it: the console shows what
    went wrong, not the machinery of saying no."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
