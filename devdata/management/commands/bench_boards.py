"""Query counts and timings of the boards and exports on the current database.

    python manage.py seed_bench --forces 5 --actions-per-force 400
    python manage.py bench_boards

Requests go through Django's test client (the whole middleware stack, templates
included), signed in as a manager of the force with the most actions and as an
inspector. Each page is fetched ``--repeat`` times; the query count must be the same
every time and should not change with the size of the data.
"""

from __future__ import annotations

import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvements.models import Action, ProgressUpdate
from inspections.models import FollowUpReview, Force, Membership


class Command(BaseCommand):
    help = "Print query counts and timings of the boards and exports for the current data."

    def add_arguments(self, parser):
        parser.add_argument("--force", help="Slug of the force to measure (default: the biggest).")
        parser.add_argument("--manager", help="Username of a manager of that force.")
        parser.add_argument("--inspector", help="Username of an inspector.")
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--no-pdf", action="store_true", help="Skip the evidence pack.")

    def handle(
        self, *args, force=None, manager=None, inspector=None, repeat=5, no_pdf=False, **options
    ):
        User = get_user_model()
        forces = Force.objects.annotate(n=Count("inspections__findings__actions"))
        target = (
            forces.filter(slug=force).first() if force else forces.order_by("-n", "name").first()
        )
        if target is None:
            raise CommandError("No force to measure: load the demo or run seed_bench first.")
        manager_user = (
            User.objects.filter(username=manager).first()
            if manager
            else User.objects.filter(
                is_active=True,
                memberships__force=target,
                memberships__role=Membership.Role.MANAGER,
            )
            .order_by("pk")
            .first()
        )
        inspector_user = (
            User.objects.filter(username=inspector).first()
            if inspector
            else User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name=settings.INSPECTORS_GROUP))
            .order_by("pk")
            .first()
        )
        review = (
            FollowUpReview.objects.filter(inspection__force=target)
            .order_by("evidence_due", "pk")
            .first()
        )

        self.stdout.write(
            f"Data: {Force.objects.count()} forces, {Action.objects.count()} actions, "
            f"{ProgressUpdate.objects.count()} progress updates; measuring {target.name} "
            f"({target.n} actions), {repeat} runs each, database {connection.vendor}."
        )
        board = reverse("boards:force-board")
        filters = "status=in_progress&status=blocked&rag=red&rag=amber"
        pages = []
        if manager_user:
            pages += [
                (manager_user, "force board", board),
                (manager_user, "force board, filtered", f"{board}?{filters}"),
                (manager_user, "export CSV", reverse("boards:export-csv")),
                (manager_user, "export XLSX", reverse("boards:export-xlsx")),
            ]
            if review and not no_pdf:
                pages.append(
                    (
                        manager_user,
                        "evidence pack PDF",
                        reverse("boards:review-pack", args=[review.pk]),
                    )
                )
        else:
            self.stdout.write(self.style.WARNING(f"No manager of {target.name}: skipped."))
        if inspector_user:
            pages += [
                (inspector_user, "national board", reverse("boards:national")),
                (inspector_user, "force board (inspector)", f"{board}?force={target.slug}"),
            ]
        else:
            self.stdout.write(self.style.WARNING("No inspector: national board skipped."))

        host = next(
            (h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))), "localhost"
        )
        header = f"{'page':<28} {'queries':>8} {'median ms':>10} {'min ms':>8} {'size':>9}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for user, label, url in pages:
            client = Client(HTTP_HOST=host)
            client.force_login(user)
            counts, times, size = [], [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    body = (
                        b"".join(response.streaming_content)
                        if response.streaming
                        else response.content
                    )
                    times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code} for {user}")
                counts.append(len(captured.captured_queries))
                size = len(body)
            client.logout()
            steady = "" if len(set(counts)) == 1 else f"  (varied: {sorted(set(counts))})"
            self.stdout.write(
                f"{label:<28} {counts[-1]:>8} {statistics.median(times):>10.1f} "
                f"{min(times):>8.1f} {size / 1024:>7.0f} kB{steady}"
            )
