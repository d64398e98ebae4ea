"""Pinning the clock in tests that pin a date.

A test that runs the reminders for a fixed day (``sweep(WED)``, ``--date 2027-03-03``)
while its rows take ``created_at`` from the real clock passes or fails depending on
when it is run: "no update for 30 days" counts from ``created_at``. Such tests set the
clock to the day they pin, with time-machine::

    @pytest.fixture(autouse=True)
    def _clock(time_machine):
        time_machine.move_to(at(WED))

or ``@pytest.mark.time_machine(at(day))`` on a single test, or
``with time_machine.travel(at(day)):`` around one step.
"""

import zoneinfo
from datetime import date, datetime, time

from django.conf import settings


def at(day: date, hour: int = 7, minute: int = 0) -> datetime:
    """``hour:minute`` on ``day`` in TIME_ZONE; by default 07:00, when the daily
    reminder sweep runs (CELERY_BEAT_SCHEDULE)."""
    return datetime.combine(day, time(hour, minute), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
