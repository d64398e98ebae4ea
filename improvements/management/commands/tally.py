"""Check the boards' tally against a full recount, and rebuild it if asked.

    python manage.py tally            # exit 1, naming each difference, if it has drifted
    python manage.py tally --rebuild  # replace it with a recount, in one transaction

The tally is kept by database triggers (docs/architecture.md, "The tally"), so a
difference means something wrote around them (a restore of one table, a trigger
dropped by hand); the check says which question and status differ.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from improvements.boards import cache as board_cache
from improvements.boards import tally_recount, tally_rows
from improvements.models import ActionTally


class Command(BaseCommand):
    help = "Check the boards' tally of actions by question and status against a recount."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Replace it with a recount.")

    def handle(self, *args, rebuild: bool, **options):
        if rebuild:
            with transaction.atomic():
                ActionTally.objects.all().delete()
                ActionTally.objects.bulk_create(
                    ActionTally(force_id=force, judgment_id=judgment, status=status, n=n)
                    for force, judgment, status, n in tally_recount()
                )
                board_cache.bump_all()
            self.stdout.write(self.style.SUCCESS("The tally is rebuilt from a recount."))
            return
        held = {row[:3]: row[3] for row in tally_rows()}
        counted = {row[:3]: row[3] for row in tally_recount()}
        differences = [
            f"force {force}, question {judgment}, {status}: "
            f"the tally holds {held.get(key, 0)}, a recount finds {counted.get(key, 0)}"
            for key in sorted(set(held) | set(counted))
            if held.get(key, 0) != counted.get(key, 0)
            for force, judgment, status in [key]
        ]
        if differences:
            raise CommandError(
                "The tally differs from a recount (run with --rebuild):\n" + "\n".join(differences)
            )
        self.stdout.write(self.style.SUCCESS(f"The tally matches a recount ({len(held)} rows)."))
