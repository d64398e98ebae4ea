"""``create_api_token --user USERNAME [--read-only] [--name N] [--days D]``: prints a new
token (only the token, on stdout, so a script can capture it); what it is, on stderr."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.tokens import token_create


class Command(BaseCommand):
    help = "Make a personal API token for a user and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The username")
        parser.add_argument("--name", default="Command line", help="What the token is for")
        parser.add_argument("--read-only", action="store_true", help="GET only")
        parser.add_argument(
            "--days",
            type=int,
            default=settings.API_TOKEN_DEFAULT_DAYS,
            help=f"Days until it expires (default {settings.API_TOKEN_DEFAULT_DAYS})",
        )

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"No user is called {options['user']!r}") from None
        try:
            token, key = token_create(
                user=user,
                name=options["name"],
                read_only=options["read_only"],
                days=options["days"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stderr.write(
            f"Token “{token.name}” for {user.get_username()}"
            f"{', read-only' if token.read_only else ''}, expires {token.expiry_date:%d/%m/%Y}:"
        )
        self.stdout.write(key)
