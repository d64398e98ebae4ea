import contextlib
import json as json_module
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from improvements import reminders


class Command(BaseCommand):
    help = (
        "Run the reminder sweep for a date, as the daily Celery beat task does, and send "
        "the digests now. Safe to run again: what was sent is not sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="Count; write and send nothing.")
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args, date=None, dry_run=False, json=False, **options):
        day = self._parse(date)
        result = reminders.sweep(day, dry_run=dry_run)
        sent = failed = 0
        recipients = set()
        if dry_run:
            recipients = result.recipients
            sent = result.created
        else:
            # With --json, stdout carries only the JSON: console emails go to stderr.
            quiet = contextlib.redirect_stdout(sys.stderr) if json else contextlib.nullcontext()
            with quiet:
                sent, failed = self._deliver_all(day, recipients)
        counts = {
            "sent": sent,
            "failed": failed,
            "skipped": result.skipped,
            "recipients": len(recipients),
        }

        if json:
            self.stdout.write(json_module.dumps(counts))
        else:
            verb = "would send" if dry_run else "sent"
            self.stdout.write(
                f"{day}: {verb} {sent} reminder(s) to {len(recipients)} recipient(s); "
                f"{failed} failed; {result.skipped} skipped (already sent, opted out or inactive)."
            )
        if failed:
            raise CommandError(f"{failed} digest(s) failed; see the reminder ledger in the admin.")

    def _deliver_all(self, day, recipients):
        sent = failed = 0
        for recipient_id in reminders.recipients_due(day):
            recipients.add(recipient_id)
            try:
                sent += reminders.deliver(recipient_id, day)
            except reminders.DeliveryFailed as exc:
                failed += 1
                self.stderr.write(f"Could not send to user {recipient_id}: {exc}")
        return sent, failed

    @staticmethod
    def _parse(value):
        if not value:
            from django.utils import timezone

            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date: use YYYY-MM-DD") from None
