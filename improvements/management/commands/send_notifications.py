import contextlib
import json as json_module
import sys

from django.core.management.base import BaseCommand, CommandError

from improvements import notifications


class Command(BaseCommand):
    help = (
        "Send the event emails still pending in the outbox (the beat task does this every "
        "five minutes). Each is sent once, whoever else is sending."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args, json=False, **options):
        # With --json, stdout carries only the JSON: console emails go to stderr.
        quiet = contextlib.redirect_stdout(sys.stderr) if json else contextlib.nullcontext()
        with quiet:
            counts = notifications.deliver()
        if json:
            self.stdout.write(json_module.dumps(counts))
        else:
            self.stdout.write(
                f"sent {counts['sent']}, failed {counts['failed']}, still pending {counts['pending']}."
            )
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} email(s) failed: see Notifications in the admin."
            )
