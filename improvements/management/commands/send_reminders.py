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
        parser.add_argument(
            "--preview",
            metavar="USERNAME",
            help="Print the email this person would get for --date; send and write nothing.",
        )

    def handle(self, *args, date=None, dry_run=False, json=False, preview=None, **options):
        day = self._parse(date)
        if preview:
            return self._preview(preview, day)
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
            # A dry run sends nothing: it says what it would send.
            ("would_send" if dry_run else "sent"): sent,
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

    def _preview(self, username, day):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No one has the username {username!r}.")
        message = reminders.preview(user, day)
        if message is None:
            self.stdout.write(f"{username} would get no reminder email on {day}.")
            return
        self.stdout.write(f"To: {', '.join(message.to)}")
        self.stdout.write(f"Subject: {message.subject}")
        self.stdout.write("")
        self.stdout.write(message.body)

    @staticmethod
    def _parse(value):
        if not value:
            from django.utils import timezone

            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date: use YYYY-MM-DD") from None
