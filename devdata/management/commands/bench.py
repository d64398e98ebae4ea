"""The benchmark: build a dataset of a given scale, then measure every page that grows.

    python manage.py bench --scale small|national|stress [--json] [--repeat 7] [--reuse]

- ``small``: 3 forces of 300 actions (a minute's check, and the test's scale);
- ``national``: 43 forces of about 2,300 actions with 5–15 updates each: about 100,000
  actions and 1,000,000 progress updates;
- ``stress``: one force with 100,000 actions, for the slope.

Each page is requested through the whole Django stack (the test client, middleware and
templates, DEBUG off) ``--repeat`` times after a warm-up: p50 and p95, the query count
(the same every time, or it says so), the HTML size and, on PostgreSQL, the SQL floor: the
sum of PostgreSQL's own execution times (``EXPLAIN ANALYZE``) for the statements the page
ran. The reminder sweep runs as a dry run over every open action; the seed report's import
runs in a transaction that is rolled back. ``--reuse`` measures the data already there.

Timings are for reading, not for asserting: tests pin query counts, never times.
"""

from __future__ import annotations

import json
import statistics
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from improvements import reminders
from improvements.boards import jobs
from improvements.models import Action, ExportJob, ProgressUpdate
from inspections.canonical import inspection_save_canonical
from inspections.importer import parse_report_file
from inspections.models import (
    Finding,
    FollowUpReview,
    Force,
    Inspection,
    Membership,
    review_scope_q,
)

SCALES = {
    "small": {"forces": 3, "actions_per_force": 300, "updates_per_action": "1-6"},
    "national": {"forces": 43, "actions_per_force": 2300, "updates_per_action": "5-15"},
    "stress": {"forces": 1, "actions_per_force": 100_000, "updates_per_action": "5-15"},
}
SEED_REPORT = Path(settings.BASE_DIR) / "inspections" / "data"
SEED_REPORT = SEED_REPORT / "staffordshire-peel-effectiveness-2015.txt"


PACK_MAX_FINDINGS = 200


class Rollback(Exception):
    """Raised to undo the import measured."""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _sql_floor(queries) -> float:
    """PostgreSQL's own execution time for the SELECTs a page ran, in milliseconds."""
    if connection.vendor != "postgresql":
        return 0.0
    total = 0.0
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            total += cursor.fetchone()[0][0]["Execution Time"]
    return total


class Command(BaseCommand):
    help = "Seed a dataset of a given scale and print the figures of every page that grows."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object."
        )
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument(
            "--actions-per-force",
            type=int,
            help="Override the scale's actions per force (the slope: 1000, 10000, 100000).",
        )
        parser.add_argument(
            "--reuse", action="store_true", help="Measure the data already in the database."
        )

    def handle(self, *args, scale, as_json: bool, repeat: int, reuse: bool, **options):
        settings_for_scale = dict(SCALES[scale])
        if options.get("actions_per_force"):
            settings_for_scale["actions_per_force"] = options["actions_per_force"]
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        self.repeat = repeat
        seed_seconds = None
        if not reuse:
            started = time.perf_counter()
            call_command("seed_bench", **settings_for_scale, history_days=30, stdout=StringIO())
            seed_seconds = round(time.perf_counter() - started, 1)
        # DEBUG off as in production; static files without a collectstatic manifest.
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(DEBUG=False, STORAGES=storages):
            figures = self.measure()
        figures.update(scale=scale, seed_s=seed_seconds, database=connection.vendor)
        if as_json:
            self.stdout.write(json.dumps(figures, indent=2, default=str))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key:<26} {value}")

    # --- who and what ------------------------------------------------------------------

    def measure(self) -> dict:
        User = get_user_model()
        forces = Force.objects.annotate(n=Count("inspections__findings__actions")).filter(n__gt=0)
        ranked = list(forces.order_by("-n", "name"))
        if not ranked:
            raise CommandError("No actions to measure: run seed_bench (or drop --reuse).")
        largest, typical = ranked[0], ranked[len(ranked) // 2]
        inspector = (
            User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name=settings.INSPECTORS_GROUP))
            .order_by("pk")
            .first()
        )
        if inspector is None:
            inspector = User.objects.create(username="bench-inspector", is_superuser=True)
        figures = {
            "actions": Action.objects.count(),
            "updates": ProgressUpdate.objects.count(),
            "largest_force_actions": largest.n,
            "typical_force_actions": typical.n,
        }
        board = reverse("boards:force-board")
        for label, force in (("board", typical), ("largest_board", largest)):
            page = self.page(self.manager(force), board)
            figures.update({f"{label}_{key}": value for key, value in page.items()})
            # The first request of the day, or after a change: nothing cached.
            cold = self.page(self.manager(force), board, before=cache.clear)
            figures.update({f"{label}_cold_{key}": cold[key] for key in ("ms_p50", "ms_p95")})
            figures[f"{label}_cold_queries"] = cold["queries"]
            figures[f"{label}_cold_sql_floor_ms"] = cold["sql_floor_ms"]
        national = self.page(inspector, reverse("boards:national"))
        figures.update({f"national_{key}": value for key, value in national.items()})
        cold = self.page(inspector, reverse("boards:national"), before=cache.clear)
        figures.update({f"national_cold_{key}": cold[key] for key in ("ms_p50", "ms_p95")})
        figures["national_cold_queries"] = cold["queries"]
        figures["national_cold_sql_floor_ms"] = cold["sql_floor_ms"]
        manager = self.manager(largest)
        listing = self.page(manager, reverse("improvements:action-list") + "?scope=all")
        figures.update({f"list_{key}": value for key, value in listing.items()})
        inspection = (
            Inspection.objects.filter(force=largest)
            .annotate(n=Count("findings__actions"))
            .order_by("-n")
            .first()
        )
        detail = self.page(manager, reverse("improvements:inspection-detail", args=[inspection.pk]))
        figures.update({f"inspection_{key}": value for key, value in detail.items()})
        figures["inspection_actions"] = inspection.n
        csv = self.page(manager, reverse("boards:export-csv"), repeat=1)
        figures.update(csv_ms=csv["ms_p50"], csv_queries=csv["queries"])
        figures.update(self.background(manager, reverse("boards:export-xlsx"), "export"))
        figures.update(self.pack(manager, largest))
        figures.update(self.sweep())
        figures["import_ms"] = self.import_seed()
        return figures

    def manager(self, force):
        user = (
            get_user_model()
            .objects.filter(
                is_active=True, memberships__force=force, memberships__role=Membership.Role.MANAGER
            )
            .order_by("pk")
            .first()
        )
        if user is None:
            raise CommandError(f"{force} has no manager to measure its board as.")
        return user

    # --- measurements ------------------------------------------------------------------

    def page(self, user, url: str, repeat: int | None = None, before=None) -> dict:
        client = Client(HTTP_HOST=_host())
        client.force_login(user)
        client.get(url)  # warm-up: caches, the session, the templates
        times, counts, floor, size = [], [], 0.0, 0
        for _ in range(repeat or self.repeat):
            if before is not None:
                before()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (200, 302):
                raise CommandError(f"{url} answered {response.status_code} for {user}")
            counts.append(len(captured.captured_queries))
            size = len(body)
            floor = _sql_floor(captured.captured_queries)
        result = {
            "ms_p50": round(statistics.median(times), 1),
            "ms_p95": round(_percentile(times, 0.95), 1),
            "queries": counts[-1],
            "sql_floor_ms": round(floor, 1),
            "kb": round(size / 1024, 1),
        }
        if len(set(counts)) > 1:
            result["queries_varied"] = sorted(set(counts))
        return result

    def background(self, user, url: str, label: str) -> dict:
        """A file built by a task: the request (which answers with the job's page, or
        the file itself when small), then the build, as the worker runs it."""
        client = Client(HTTP_HOST=_host())
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            request_ms = (time.perf_counter() - started) * 1000
        result = {f"{label}_ms": round(request_ms, 1), f"{label}_queries": len(captured)}
        if response.status_code == 302:
            job_id = response["Location"].rstrip("/").split("/")[-1]
            started = time.perf_counter()
            state = jobs.build(job_id)
            result[f"{label}_build_s"] = round(time.perf_counter() - started, 2)
            result[f"{label}_state"] = state
            job = ExportJob.objects.get(pk=job_id)
            if job.file:
                result[f"{label}_kb"] = round(job.file.size / 1024, 1)
                job.file.delete(save=False)
            job.delete()
        elif response.status_code == 200:
            result[f"{label}_built_in_request"] = True
        return result

    def pack(self, manager, force) -> dict:
        """The evidence pack of the force's first review, when its scope is of a real
        review's size (the stress data puts a thousand findings under a question)."""
        review = FollowUpReview.objects.filter(inspection__force=force).order_by("pk").first()
        if review is None:
            return {}
        scope = Finding.objects.filter(review_scope_q(review.pk)).count()
        if scope > PACK_MAX_FINDINGS:
            return {"pack_skipped_scope_findings": scope}
        url = reverse("boards:review-pack", args=[review.pk])
        return {"pack_scope_findings": scope, **self.background(manager, url, "pack")}

    def sweep(self) -> dict:
        day = timezone.localdate()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = reminders.sweep(day, dry_run=True)
            seconds = time.perf_counter() - started
        return {
            "sweep_s": round(seconds, 2),
            "sweep_queries": len(captured.captured_queries),
            "sweep_owed": result.owed,
            "sweep_open_actions": Action.objects.working().count(),
        }

    def import_seed(self) -> float:
        data = parse_report_file(SEED_REPORT).data
        data = {**data, "programme": f"{data['programme']} (bench {timezone.now():%H%M%S})"}
        started = time.perf_counter()
        try:
            with transaction.atomic():
                inspection_save_canonical(data)
                elapsed = (time.perf_counter() - started) * 1000
                raise Rollback
        except Rollback:
            pass
        return round(elapsed, 1)


def _host() -> str:
    return next(
        (h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))), "localhost"
    )
