"""Cursor pagination: ``next`` and ``previous`` links that Power BI's Web connector (or
any client) follows. Ordered by id, which never changes and never repeats, so a page
never skips or repeats a row while others are added."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    invalid_cursor_message = "The cursor is not one this API gave: start from the first page."

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:  # bad input, not a missing page: a 400 that says so
            raise ParseError(self.invalid_cursor_message) from exc
        # DRF checks a cursor's offset and direction, not its position, which goes
        # into the query: a hand-made one must not reach the database.
        position = cursor.position if cursor is not None else None
        if position is not None and not self.position_is_valid(position):
            raise ParseError(self.invalid_cursor_message)
        return cursor

    def position_is_valid(self, position: str) -> bool:
        return position.isascii() and position.isdigit() and int(position) < 2**63


class LogCursorPagination(StableCursorPagination):
    """An action's log, oldest first as it happened (an imported entry keeps its own
    time), the id breaking ties."""

    ordering = ("created_at", "id")

    def position_is_valid(self, position: str) -> bool:
        # The position goes to the database as written: an offset PostgreSQL takes
        # (under 16 hours), and a moment with a UTC form.
        try:
            moment = parse_datetime(position)
            if moment is None or moment.utcoffset() is None:
                return False
            moment.astimezone(UTC)
        except (ValueError, OverflowError):
            return False
        return abs(moment.utcoffset()) < timedelta(hours=16)
