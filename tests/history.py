"""Building a past for a test.

A test that sets up a realistic history (a signed-off action with its updates and
evidence, written after the row says it is closed) does what ``seed_bench`` does: on
PostgreSQL the "closed action" triggers refuse it unless the transaction says it is
writing history. ``writing_history`` says so for the duration of the block (or the
decorated fixture) only, so the test itself then meets every rule again.
"""

from contextlib import contextmanager

from django.db import connection


def _maintenance(value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('peel.maintenance', %s, true)", [value])


@contextmanager
def writing_history():
    _maintenance("on")
    try:
        yield
    finally:
        _maintenance("off")
