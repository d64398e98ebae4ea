from django.core.management.base import BaseCommand

from devdata.demo import PRINTED_LOGINS, DemoLoader, demo_counts


class Command(BaseCommand):
    help = (
        "Load the Staffordshire PEEL 2015 demo and a second demo force. Safe to run again: "
        "nothing is duplicated; passwords are reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Give every demo login this password (default: a random one each).",
        )

    def handle(self, *args, password=None, **options):
        passwords = DemoLoader(password).run()
        counts = demo_counts()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo loaded: " + ", ".join(f"{value} {name}" for name, value in counts.items())
            )
        )
        self.stdout.write("Demo logins (username / password):")
        roles = {
            "inspector": "inspector, all forces, Django admin",
            "manager": "Staffordshire Police manager",
            "officer": "Staffordshire Police staff, owns actions",
            "outsider": "Northmoor Police staff (another force)",
            "northmoor.lead": "Northmoor Police manager: a cause of concern, a review",
            "staffs.admin": "Staffordshire Police force administrator: the Team page",
        }
        for username in PRINTED_LOGINS:
            self.stdout.write(f"  {username:<14} {passwords[username]:<16} {roles[username]}")
