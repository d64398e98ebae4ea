"""Celery tasks: thin wrappers that take ids and dates and call a service.

Every task is idempotent (the reminder ledger's unique key and its claim make a rerun or
a second delivery send nothing twice) and acknowledged late (settings).
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import reminders
from .boards.tasks import snapshots_record

log = logging.getLogger(__name__)


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name="improvements.reminders_sweep")
def reminders_sweep(day: str | None = None) -> dict:
    """The daily sweep: write what is owed, then queue one digest per recipient."""
    target = _day(day)
    with transaction.atomic():
        result = reminders.sweep(target)
        recipients = reminders.recipients_due(target)
        for recipient_id in recipients:
            transaction.on_commit(
                lambda rid=recipient_id: reminders_deliver.delay(rid, target.isoformat())
            )
    log.info("reminder sweep %s: %s new, %s recipients", target, result.created, len(recipients))
    return {"day": target.isoformat(), "created": result.created, "recipients": len(recipients)}


@shared_task(
    name="improvements.reminders_deliver",
    bind=True,
    autoretry_for=(reminders.DeliveryFailed,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=reminders.MAX_ATTEMPTS - 1,
)
def reminders_deliver(self, recipient_id: int, day: str) -> int:
    """One digest email to one recipient; a failure is on the ledger and retried."""
    return reminders.deliver(recipient_id, _day(day))


@shared_task(name="improvements.managers_weekly_digest")
def managers_weekly_digest(day: str | None = None) -> dict:
    """Monday's run: the sweep includes the managers' weekly digest rule."""
    return reminders_sweep(day)


@shared_task(name="improvements.record_daily_snapshots")
def record_daily_snapshots(day: str | None = None) -> int:
    return snapshots_record(_day(day))


@shared_task(name="improvements.build_export")
def build_export(job_id: str) -> str:
    """A large tracker workbook or an evidence pack (``boards.jobs``)."""
    from .boards import jobs

    return jobs.build(job_id)


@shared_task(name="improvements.purge_expired_exports")
def purge_expired_exports() -> int:
    """Exports, and trackers previewed but never imported, are kept for a day."""
    from .boards import jobs

    return jobs.purge_expired() + jobs.purge_waiting_imports()


@shared_task(name="improvements.deliver_notifications")
def deliver_notifications(ids: list[int] | None = None) -> dict:
    """Send event emails from the outbox: these rows (just after a change), or every
    pending one (the beat's retry)."""
    from . import notifications

    return notifications.deliver(ids)
