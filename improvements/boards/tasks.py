"""Daily snapshots of every force's action counts, for the boards' trend chart.

``snapshots_record(day)`` is what the nightly beat task calls: one grouped count of
every force's actions and one upsert, so running it twice for a day writes the same
rows (idempotent, safe under retries and ``acks_late``). ``snapshots_backfill`` estimates
earlier days from the actions' timestamps, for a new installation or a seeded dataset.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from inspections.models import Force

from ..models import (
    INACTIVE_STATUSES,
    Action,
    DailySnapshot,
    Status,
    awaiting_sign_off_q,
    live_q,
    overdue_q,
)

COUNT_FIELDS = [
    "open_count",
    "overdue_count",
    "awaiting_sign_off_count",
    "signed_off_count",
    "closed_count",
]
CLOSED = INACTIVE_STATUSES


def _upsert(day: date, counts_by_force: dict[int, dict], *, replace: bool) -> int:
    rows = [
        DailySnapshot(force_id=force_id, date=day, **counts_by_force.get(force_id, {}))
        for force_id in Force.objects.values_list("pk", flat=True)
    ]
    if replace:
        DailySnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["force", "date"],
            update_fields=COUNT_FIELDS,
        )
    else:
        DailySnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def snapshots_record(day: date | None = None) -> int:
    """Record (or re-record) every force's counts for ``day`` from the actions' current
    status. Returns the number of forces written. Two queries and one upsert."""
    day = day or timezone.localdate()
    counts = (
        Action.objects.order_by()
        .values("force_id")
        .annotate(
            open_count=Count("pk", filter=live_q()),
            overdue_count=Count("pk", filter=overdue_q(day)),
            awaiting_sign_off_count=Count("pk", filter=awaiting_sign_off_q()),
            signed_off_count=Count("pk", filter=Q(status=Status.SIGNED_OFF)),
            closed_count=Count("pk", filter=Q(status__in=CLOSED)),
        )
    )
    by_force = {row.pop("force_id"): row for row in counts}
    with transaction.atomic():
        return _upsert(day, by_force, replace=True)


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def snapshots_backfill(days: int, *, today: date | None = None, replace: bool = False) -> int:
    """Estimate the ``days`` days before ``today`` from the actions' timestamps.

    An action counts from the day it was created; it is signed off from ``signed_off_at``,
    awaiting sign-off from ``completed_at``, and cancelled or superseded from its last
    change. Days that already have a snapshot are kept unless ``replace``. One grouped
    query a day. Returns the number of rows offered."""
    today = today or timezone.localdate()
    written = 0
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        end = _end_of(day)
        exists = Q(created_at__lt=end)
        signed = Q(status=Status.SIGNED_OFF, signed_off_at__lt=end)
        closed = Q(status__in=CLOSED, updated_at__lt=end)
        is_open = exists & ~signed & ~closed
        awaiting = is_open & Q(
            status__in=[Status.COMPLETED, Status.SIGNED_OFF], completed_at__lt=end
        )
        counts = (
            Action.objects.order_by()
            .values("force_id")
            .annotate(
                open_count=Count("pk", filter=is_open),
                overdue_count=Count("pk", filter=is_open & ~awaiting & Q(due_date__lt=day)),
                awaiting_sign_off_count=Count("pk", filter=awaiting),
                signed_off_count=Count("pk", filter=signed),
                closed_count=Count("pk", filter=closed),
            )
        )
        by_force = {row.pop("force_id"): row for row in counts}
        with transaction.atomic():
            written += _upsert(day, by_force, replace=replace)
    return written
