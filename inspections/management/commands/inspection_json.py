import json

from django.core.management.base import BaseCommand, CommandError

from inspections.canonical import inspection_to_canonical
from inspections.models import Inspection


class Command(BaseCommand):
    help = "Print the canonical inspection JSON (docs/architecture.md) of a stored inspection."

    def add_arguments(self, parser):
        parser.add_argument("--force", required=True, help="The force's slug.")
        parser.add_argument("--programme", help="For example 'PEEL 2015'.")
        parser.add_argument("--pillar", help="For example 'Effectiveness'.")

    def handle(self, *args, force, programme=None, pillar=None, **options):
        inspections = Inspection.objects.filter(force__slug=force).select_related("force")
        if programme:
            inspections = inspections.filter(programme__iexact=programme)
        if pillar:
            inspections = inspections.filter(pillar__iexact=pillar)
        found = list(inspections[:20])
        if not found:
            raise CommandError(
                f"No inspection found for force '{force}'"
                + (f" and programme '{programme}'" if programme else "")
                + "."
            )
        if len(found) > 1:
            names = "; ".join(f"{i.programme} {i.pillar}".strip() for i in found)
            raise CommandError(
                f"{len(found)} inspections match; narrow with --programme or --pillar: {names}"
            )
        data = inspection_to_canonical(found[0])
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
