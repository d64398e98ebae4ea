"""Import an inspection report (PDF or text) into judgments, findings and reviews.

    python manage.py import_report PATH [--force NAME] [--dry-run] [--json] [--update]

Parsing is done by ``inspections.importer``; saving by ``inspection_save_canonical``, in
one transaction. A re-import that matches the stored inspection changes nothing; one that
differs lists the differences and stops unless ``--update`` is given.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from inspections.canonical import (
    CanonicalError,
    ReimportConflict,
    diff_canonical,
    inspection_save_canonical,
    inspection_to_canonical,
)
from inspections.importer import ReportParseError, parse_report_file
from inspections.models import Inspection


def find_existing(data: dict) -> Inspection | None:
    """The stored inspection a canonical document would be saved over, if any."""
    return (
        Inspection.objects.filter(
            force__name__iexact=data["force"],
            programme=data["programme"],
            pillar=data.get("pillar") or "",
        )
        .select_related("force")
        .first()
    )


def failure(path, exc: Exception) -> str:
    message = str(exc).rstrip(".")
    if str(path) not in message:
        message = f"{path}: {message}"
    return f"{message}. Nothing saved."


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary_lines(data: dict, warnings: list[str], force_note: str = "") -> list[str]:
    what = " ".join(part for part in (data["programme"], data.get("pillar")) if part)
    reviews = data.get("follow_up_reviews", [])
    return [
        f"Force: {data['force']}{force_note}",
        f"Programme: {what} (scale: {', '.join(data['grading_scale'])})",
        f"Overall: {data['overall'].get('grade') or 'ungraded'}",
        (
            f"{plural(len(data['judgments']), 'judgment')}, "
            f"{plural(len(data['findings']), 'finding')}, "
            f"{plural(len(reviews), 'proposed follow-up review')}, "
            f"{plural(len(warnings), 'warning')}"
        ),
    ]


class Command(BaseCommand):
    help = (
        "Import a PEEL inspection report (PDF or text): the inspection, its judgments, "
        "findings and proposed follow-up review, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The report: a PDF or a text file.")
        parser.add_argument(
            "--force", metavar="NAME", help="Use this force name instead of the report's."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and check only; save nothing."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print the canonical inspection JSON on stdout (the summary goes to stderr).",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Apply a re-import that differs from the stored inspection.",
        )

    def handle(
        self, *args, path, force=None, dry_run=False, as_json=False, update=False, **options
    ):
        # With --json, stdout carries the JSON and nothing else.
        info = self.stderr if as_json else self.stdout
        try:
            result = parse_report_file(path)
        except ReportParseError as exc:
            raise CommandError(failure(path, exc)) from exc
        data = result.data

        force_note = ""
        if force and force.strip():
            force = " ".join(force.split())
            if force != data["force"]:
                force_note = f" (given with --force; the report names {data['force']!r})"
            data["force"] = force

        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        for line in summary_lines(data, result.warnings, force_note):
            info.write(line)

        if dry_run:
            self._report_dry_run(data, info)
            return

        try:
            saved = inspection_save_canonical(data, update=update)
        except ReimportConflict as exc:
            raise CommandError(
                "The stored inspection differs from this report:\n  "
                + "\n  ".join(exc.differences)
                + "\nNothing saved. Re-run with --update to apply these changes."
            ) from exc
        except CanonicalError as exc:
            raise CommandError(failure(path, exc)) from exc

        inspection = saved.inspection
        label = f"inspection #{inspection.pk} “{inspection.title}”"
        if saved.created:
            info.write(self.style.SUCCESS(f"Created {label}."))
        elif not saved.changed:
            info.write(f"Unchanged: {label} already matches this report; nothing saved.")
        else:
            info.write(
                self.style.SUCCESS(
                    f"Updated {label}: {plural(len(saved.differences), 'difference')} applied:"
                )
            )
            for difference in saved.differences:
                info.write(f"  {difference}")

    def _report_dry_run(self, data, out):
        existing = find_existing(data)
        if existing is None:
            out.write("Dry run: would create a new inspection; nothing saved.")
            return
        differences = diff_canonical(inspection_to_canonical(existing, dates=True), data)
        if not differences:
            out.write(
                f"Dry run: inspection #{existing.pk} is unchanged (it already matches this "
                "report); nothing saved."
            )
            return
        out.write(
            f"Dry run: inspection #{existing.pk} differs ({plural(len(differences), 'difference')}"
            "; an import would need --update); nothing saved:"
        )
        for difference in differences:
            out.write(f"  {difference}")
