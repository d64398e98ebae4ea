from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from inspections.models import Force
from people.services import create_force_admin


class Command(BaseCommand):
    help = (
        "Make someone the first administrator of a force: a new account (an invitation email "
        "with a set-password link is sent, and the link printed), or an existing member made "
        "administrator. They then invite the force's people from the Team page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", required=True, help="The force's slug.")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help='Their full name, e.g. "Jane Smith".')

    def handle(self, *args, force, email, name, **options):
        force_obj = Force.objects.filter(slug=force).first()
        if force_obj is None:
            known = ", ".join(Force.objects.values_list("slug", flat=True)[:10]) or "none yet"
            raise CommandError(f"No force has the slug “{force}” (forces: {known}).")
        first, _, last = " ".join(name.split()).rpartition(" ")
        try:
            invited = create_force_admin(
                force=force_obj,
                email=email,
                first_name=first or last,
                last_name=last if first else "",
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        user = invited.user
        self.stdout.write(
            f"{user.get_username()} ({user.email}) is an administrator of {force_obj}."
        )
        if invited.link:
            self.stdout.write(f"Set-password link (works once, for 3 days): {invited.link}")
        else:
            self.stdout.write("They sign in with the password they already have.")
