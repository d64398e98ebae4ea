import json as json_module
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from improvements.tracker import TrackerUnreadable, import_tracker
from inspections.models import Force, Inspection, Membership


class Command(BaseCommand):
    help = (
        "Import a force's existing spreadsheet tracker (.xlsx or .csv): each row becomes an "
        "action on the finding it answers, with its latest update as an imported first "
        "progress update. Nothing is saved unless every row can be read and matched; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The tracker: an .xlsx workbook or a .csv file.")
        parser.add_argument("--force", required=True, help="The force's slug.")
        parser.add_argument("--inspection", type=int, help="Match only this inspection's findings.")
        parser.add_argument(
            "--by",
            help="Username of the manager the import acts for (default: the force's first "
            "administrator, else its first manager).",
        )
        parser.add_argument(
            "--skip-unmatched",
            action="store_true",
            help="Import the matched rows and leave out rows that match no finding.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report; save nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, path, force, inspection=None, by=None, **options):
        force_obj = Force.objects.filter(slug=force).first()
        if force_obj is None:
            raise CommandError(f"No force has the slug “{force}”.")
        inspection_obj = None
        if inspection is not None:
            inspection_obj = Inspection.objects.filter(pk=inspection, force=force_obj).first()
            if inspection_obj is None:
                raise CommandError(f"{force_obj} has no inspection {inspection}.")
        actor = self._actor(force_obj, by)
        file = Path(path)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Can't read {path}: {exc.strerror}.") from None
        try:
            result = import_tracker(
                content=content,
                filename=file.name,
                force=force_obj,
                by=actor,
                inspection=inspection_obj,
                dry_run=options["dry_run"],
                skip_unmatched=options["skip_unmatched"],
            )
        except TrackerUnreadable as exc:
            if options["json"]:
                self.stdout.write(
                    json_module.dumps(
                        {
                            "rows": 0,
                            "matched": 0,
                            "created": 0,
                            "unchanged": 0,
                            "unmatched": 0,
                            "errors": [{"row": None, "message": str(exc)}],
                        }
                    )
                )
            raise CommandError(f"{file.name}: {exc} Nothing was saved.") from None
        summary = result.summary()
        if options["json"]:
            self.stdout.write(json_module.dumps(summary))
        else:
            self._report(result, summary, actor)
        if not result.ok:
            raise CommandError(
                f"{len(summary['errors'])} row(s) need attention in {file.name}. Nothing was saved."
            )

    def _actor(self, force, username):
        managers = Membership.objects.managers().filter(force=force, user__is_active=True)
        if username:
            membership = managers.filter(user__username=username).select_related("user").first()
            if membership is None:
                raise CommandError(f"{username} is not an active manager of {force}.")
            return membership.user
        membership = managers.select_related("user").order_by("role", "pk").first()
        if membership is None:
            raise CommandError(
                f"{force} has no manager to import as: create one with "
                f"`manage.py create_force_admin --force {force.slug} --email …` or pass --by."
            )
        return membership.user

    def _report(self, result, summary, actor):
        write = self.stdout.write
        table = result.table
        sheet = f" of sheet “{table.sheet}”" if table.sheet else ""
        write(f"{result.filename}: header in row {table.header_row}{sheet}; acting as {actor}.")
        for row in result.rows:
            finding = row.finding.reference if row.finding else "-"
            line = f"  row {row.row}: {row.outcome:<9} {finding:<14} {row.title[:60]}"
            if row.match:
                line += f"  [{row.match}]"
            write(line)
            for text in row.problems + row.notes:
                write(f"      {text}")
        verb = "would create" if result.dry_run else "created"
        count = summary["would_create"] if result.dry_run else summary["created"]
        write(
            f"{summary['rows']} row(s): {summary['matched']} matched, {verb} {count}, "
            f"{summary['unchanged']} unchanged, {summary['unmatched']} unmatched, "
            f"{len(summary['errors'])} to fix."
        )
