"""Cursor pagination: ``next`` and ``previous`` links that Power BI's Web connector (or
any client) follows. Ordered by id, which never changes and never repeats, so a page
never skips or repeats a row while others are added."""

from __future__ import annotations

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
            return super().decode_cursor(request)
        except NotFound as exc:  # bad input, not a missing page: a 400 that says so
            raise ParseError(self.invalid_cursor_message) from exc
