"""Query count, time and memory of the reminder sweep on the current database.

    python manage.py seed_bench --forces 10 --actions-per-force 10000
    python manage.py bench_reminders [--date YYYY-MM-DD] [--days 3]

Runs the sweep as a dry run (nothing written, nothing sent) for ``--days`` consecutive
working days from ``--date``, then one real sweep whose ledger rows are rolled back.
The query count should stay flat as the number of actions grows (batches of
``reminders.BATCH``), and memory bounded by the batch, not the table.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from improvements import reminders
from improvements.models import Action, Reminder


class Command(BaseCommand):
    help = "Print query counts, timings and peak memory of the reminder sweep."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="First day (default: today).")
        parser.add_argument("--days", type=int, default=3)

    def handle(self, *args, date=None, days=3, **options):
        try:
            day = date_from(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date {date!r} is not a date: use YYYY-MM-DD") from None
        open_actions = Action.objects.open().count()
        self.stdout.write(f"{Action.objects.count()} actions, {open_actions} open")
        self.stdout.write(f"{'run':<24}{'queries':>8}{'seconds':>9}{'peak MiB':>10}{'owed':>8}")
        measured = 0
        while measured < days:
            if reminders.is_working_day(day):
                self._measure(f"dry run {day}", lambda d=day: reminders.sweep(d, dry_run=True))
                measured += 1
            day += timedelta(days=1)
        with transaction.atomic():
            self._measure(f"sweep {day}", lambda: reminders.sweep(day))
            self.stdout.write(f"ledger rows written: {Reminder.objects.count()} (rolled back)")
            transaction.set_rollback(True)

    def _measure(self, label, call):
        tracemalloc.start()
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            result = call()
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.stdout.write(
            f"{label:<24}{len(ctx.captured_queries):>8}{seconds:>9.2f}"
            f"{peak / 2**20:>10.1f}{result.owed:>8}"
        )


def date_from(value: str) -> date:
    return date.fromisoformat(value)
