"""Exports too slow for a request: a large tracker workbook and the evidence pack.

The request records an ``ExportJob`` and queues ``improvements.build_export`` (after
commit), then sends the user to the job's page, which refreshes itself (no JavaScript
needed) until the file is ready and then offers it. The task re-checks the user's
access before it builds: a user who lost the force in between gets a failed job, not a
file. Files are private (the evidence storage), served only to the user who asked,
through a view that checks, and deleted a day later (``purge_expired``, on the beat).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone

from ..models import EXPORT_KEEP, ExportJob
from . import exports, selectors
from .filters import board_filter_for

log = logging.getLogger(__name__)


def _queue(job: ExportJob) -> ExportJob:
    from ..tasks import build_export

    transaction.on_commit(lambda: build_export.delay(str(job.pk)))
    return job


WAITING = (ExportJob.State.QUEUED, ExportJob.State.RUNNING)


def _waiting(**same) -> ExportJob | None:
    """The same request already queued or being built: a reload, or a link prefetched,
    joins it rather than queueing another."""
    return ExportJob.objects.filter(state__in=WAITING, **same).order_by("-created_at").first()


def start_tracker(user, force, query: str, total: int, filename: str) -> ExportJob:
    same = {"user": user, "force": force, "kind": ExportJob.Kind.TRACKER_XLSX, "query": query}
    if (waiting := _waiting(**same)) is not None:
        return waiting
    job = ExportJob.objects.create(
        user=user,
        force=force,
        kind=ExportJob.Kind.TRACKER_XLSX,
        query=query,
        total=total,
        filename=f"{filename}.xlsx",
    )
    return _queue(job)


def start_pack(user, review) -> ExportJob:
    if waiting := _waiting(user=user, review=review, kind=ExportJob.Kind.EVIDENCE_PACK):
        return waiting
    job = ExportJob.objects.create(
        user=user,
        force=review.inspection.force,
        kind=ExportJob.Kind.EVIDENCE_PACK,
        review=review,
        filename=exports.review_pack_filename(review),
    )
    return _queue(job)


def job_for_user_or_404(user, pk) -> ExportJob:
    """The user's own job, unexpired, of a board or review they can still see: anyone
    else's, an expired one, or one whose force the user has since lost is a 404."""
    job = (
        ExportJob.objects.filter(pk=pk, user=user)
        .select_related("force", "review__inspection")
        .first()
    )
    if job is None or job.expired or not _may_still_see(user, job):
        raise Http404("No such download, or it has expired.")
    return job


def _may_still_see(user, job: ExportJob) -> bool:
    if job.kind == ExportJob.Kind.EVIDENCE_PACK:
        return job.review is not None and selectors.user_can_see_review_pack(user, job.review)
    try:
        selectors.board_access(user, job.force.slug)
    except (PermissionDenied, Http404):
        return False
    return True


def build(job_id) -> str:
    """Build the job's file; returns the state it ends in. A rerun of a finished job
    does nothing (the task is acknowledged late and may run twice)."""
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING
    )
    job = ExportJob.objects.select_related("user", "force", "review__inspection__force").get(
        pk=job_id
    )
    if not claimed:
        return job.state
    try:
        content = _content(job)
    except (PermissionDenied, Http404):
        return _fail(job, "You can no longer see this force’s board.")
    except Exception:
        log.exception("export %s failed", job.pk)
        return _fail(job, "The file could not be built. Try again, or ask for help.")
    job.file.save(job.filename, ContentFile(content), save=False)
    job.state = ExportJob.State.READY
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "state", "finished_at", "done"])
    return job.state


def _content(job: ExportJob) -> bytes:
    user = job.user
    if job.kind == ExportJob.Kind.EVIDENCE_PACK:
        if not selectors.user_can_see_review_pack(user, job.review):
            raise PermissionDenied
        return exports.review_pack_pdf(user, job.review)
    access = selectors.board_access(user, job.force.slug)
    today = timezone.localdate()
    board_filter = board_filter_for(user, access, QueryDict(job.query), today)
    rows = selectors.export_actions(board_filter.qs)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    parts = exports.tracker_parts(user, job.force, board_filter, today)
    content = exports.actions_xlsx(rows, progress=progress, **parts)
    job.done = job.total
    return content


def _fail(job: ExportJob, message: str) -> str:
    job.state = ExportJob.State.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])
    return job.state


def purge_expired(now=None) -> int:
    """Delete jobs (and their files) older than a day."""
    cutoff = (now or timezone.now()) - EXPORT_KEEP
    removed = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed


IMPORTS_FOLDER = "django-import-export"  # where MediaStorage keeps a previewed tracker


def purge_waiting_imports(now=None) -> int:
    """Trackers uploaded for a preview that was never confirmed, older than a day."""
    from django.core.files.storage import default_storage

    cutoff = (now or timezone.now()) - EXPORT_KEEP
    try:
        _dirs, names = default_storage.listdir(IMPORTS_FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"{IMPORTS_FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed
