"""Status boards and their exports.

``/board/`` is a force's board (its managers; inspectors with ``?force=slug``),
``/board/national/`` the inspectors' view of every force. Access follows docs/architecture.md, "Who sees what":
a force the user cannot see is a 404, a board the user's role does not open is a 403.
Every figure comes from ``improvements.boards.selectors``; this module only lays them out.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from inspections.models import FollowUpReview, Grade
from inspections.roles import managed_force_ids, user_is_inspector

from .. import selectors as improvement_selectors
from ..models import DUE_SOON_DAYS, RAG, STALE_AFTER_DAYS, Status
from . import cache as board_cache
from . import charts, exports, jobs, selectors
from .filters import LIST_PARAMS, board_filter_for

STATUS_COLOURS = {
    Status.NOT_STARTED: charts.GREY,
    Status.IN_PROGRESS: charts.BLUE,
    Status.BLOCKED: charts.RED,
    Status.COMPLETED: charts.TEAL,
    Status.RETURNED: charts.ORANGE,
    Status.SIGNED_OFF: charts.GREEN,
    Status.CANCELLED: charts.LIGHT_GREY,
    Status.SUPERSEDED: charts.PURPLE,
}
RAG_COLOURS = {
    RAG.RED: charts.RED,
    RAG.AMBER: charts.ORANGE,
    RAG.GREEN: charts.GREEN,
    RAG.COMPLETE: charts.BLUE,
    RAG.CLOSED: charts.LIGHT_GREY,
}
PROGRESS_SEGMENTS = [
    charts.Segment("Signed off", charts.BLUE),
    charts.Segment("Green", charts.GREEN),
    charts.Segment("Amber", charts.ORANGE, charts.BLACK),
    charts.Segment("Red", charts.RED),
]
WORKLOAD_SEGMENTS = [
    charts.Segment("Overdue", charts.RED),
    charts.Segment("Awaiting sign-off", charts.TEAL),
    charts.Segment("Other open", charts.BLUE),
]
GRADE_COLOURS = {
    Grade.OUTSTANDING: charts.GREEN,
    Grade.GOOD: charts.GREEN,
    Grade.ADEQUATE: "#b59f00",
    Grade.REQUIRES_IMPROVEMENT: charts.ORANGE,
    Grade.INADEQUATE: charts.RED,
    "": charts.LIGHT_GREY,
}


# --- Force board ------------------------------------------------------------------------


def _board_filter(request, access, today):
    return board_filter_for(request.user, access, request.GET, today)


def _list_page(request, queryset, count: int, param: str) -> dict:
    """One page of a board list. The count is already known from the aggregate, so a
    page costs one query (no COUNT from a paginator)."""
    pages = max(1, math.ceil(count / selectors.LIST_PAGE_SIZE))
    try:
        number = min(max(1, int(request.GET.get(param, 1))), pages)
    except ValueError:
        number = 1
    start = (number - 1) * selectors.LIST_PAGE_SIZE
    # Queried even when the count is 0, so the page's query count does not depend on data.
    items = list(queryset[start : start + selectors.LIST_PAGE_SIZE])

    def url(page: int) -> str:
        params = request.GET.copy()
        params[param] = page
        return "?" + params.urlencode() + "#" + param.removesuffix("_page")

    return {
        "items": items,
        "count": count,
        "number": number,
        "pages": pages,
        "start": start + 1,
        "end": start + len(items),
        "previous_url": url(number - 1) if number > 1 else "",
        "next_url": url(number + 1) if number < pages else "",
    }


def _force_board_charts(counts, progress, workload):
    status_bars = [
        charts.Bar(label, counts[f"status_{value}"], STATUS_COLOURS[value])
        for value, label in Status.choices
    ]
    rag_bars = [
        charts.Bar(label, counts[f"rag_{value}"], RAG_COLOURS[value])
        for value, label in RAG.choices
    ]
    result = {
        "status": charts.bar_chart(status_bars, chart_id="chart-status", title="Actions by status"),
        "rag": charts.bar_chart(rag_bars, chart_id="chart-rag", title="Actions by RAG"),
    }
    for index, item in enumerate(progress, start=1):
        rows = [
            charts.StackRow(q.judgment.label, [q.signed_off, q.green, q.amber, q.red])
            for q in item.questions
        ]
        item.chart = charts.stacked_bar_chart(
            rows,
            PROGRESS_SEGMENTS,
            chart_id=f"chart-progress-{index}",
            title=f"Progress by question: {item.inspection.programme}",
        )
    if workload:
        rows = [
            charts.StackRow(w["name"], [w["overdue"], w["awaiting"], w["other_open"]])
            for w in workload
        ]
        result["workload"] = charts.stacked_bar_chart(
            rows, WORKLOAD_SEGMENTS, chart_id="chart-workload", title="Open actions by owner"
        )
    return result


def _trend_chart(trend) -> str:
    if not trend:
        return ""
    return charts.line_chart(
        [s.date for s in trend],
        [
            charts.Series("Open", [s.open_count for s in trend], charts.BLUE),
            charts.Series("Overdue", [s.overdue_count for s in trend], charts.RED, "8 5"),
            charts.Series(
                "Closed (signed off, cancelled or superseded)",
                [s.signed_off_count + s.closed_count for s in trend],
                charts.GREEN,
                "2 4",
            ),
        ],
        chart_id="chart-trend",
        title="Open, overdue and closed actions over time",
    )


def _board_fragments(
    request, force, actions, today, *, filtered: bool, force_query: str, can_plan: bool
):
    """The headline figures and the sections built on them (status, RAG, progress by
    question, workload) and the next review's readiness, rendered once and cached for the day and the force's board
    version (``boards.cache``); a filtered board is counted afresh every time."""

    def build() -> dict:
        review = selectors.next_review(request.user, force, today)
        figures = selectors.board_figures(actions, today, force=None if filtered else force)
        counts = figures.counts
        workload = selectors.owner_workload(actions, today)
        context = {
            "force": force,
            "force_query": force_query,
            "filters_applied": filtered,
            "counts": counts,
            "status_rows": [
                (value, label, counts[f"status_{value}"]) for value, label in Status.choices
            ],
            "rag_rows": [(value, label, counts[f"rag_{value}"]) for value, label in RAG.choices],
            "progress": figures.progress,
            "workload": workload,
            "charts": _force_board_charts(counts, figures.progress, workload),
            "stale_days": STALE_AFTER_DAYS,
        }
        context["review"] = review
        context["today"] = today
        context["unplanned"] = selectors.unplanned_inspections(force)
        context["can_plan"] = can_plan
        context["returned_findings"] = selectors.returned_by_inspectorate(force)
        return {
            "counts": counts,
            "review": render_to_string("boards/_review.html", context, request=request),
            "headline": render_to_string("boards/_headline.html", context, request=request),
            "sections": render_to_string("boards/_sections.html", context, request=request),
        }

    if filtered:
        return build()
    key = board_cache.fragment_key(
        force.pk, today, f"{force_query or 'own'}:{'plan' if can_plan else 'read'}"
    )
    fragments = board_cache.get(key)
    if fragments is None:
        fragments = build()
        board_cache.put(key, fragments)
    return fragments


@login_required
@require_GET
def force_board(request):
    access = selectors.board_access(request.user, request.GET.get("force"))
    if access.force is None:
        if access.is_inspector:
            return redirect("boards:national")
        return render(request, "boards/choose_force.html", {"forces": access.choices})
    force = access.force
    today = timezone.localdate()
    board_filter = _board_filter(request, access, today)
    actions = board_filter.qs
    filtered = board_filter.is_bound
    trend = selectors.snapshot_trend(request.user, force, today)
    force_query = f"force={force.slug}" if access.is_inspector or request.GET.get("force") else ""
    fragments = _board_fragments(
        request,
        force,
        actions,
        today,
        filtered=filtered,
        force_query=force_query,
        can_plan=not access.is_inspector,
    )
    counts = fragments["counts"]
    export_query = request.GET.copy()
    for name in LIST_PARAMS:
        export_query.pop(name, None)
    context = {
        "force": force,
        "is_inspector": access.is_inspector,
        "manages_several": len(managed_force_ids(request.user)) > 1,
        "filter": board_filter,
        "filters_applied": board_filter.applied,
        "force_query": force_query,
        "export_query": export_query.urlencode(),
        "today": today,
        "due_soon_until": today + timedelta(days=DUE_SOON_DAYS),
        "counts": counts,
        "headline": mark_safe(fragments["headline"]),  # noqa: S308 rendered by us above
        "sections": mark_safe(fragments["sections"]),  # noqa: S308
        "overdue": _list_page(
            request, selectors.overdue_actions(actions, today), counts["overdue"], "overdue_page"
        ),
        "due_soon": _list_page(
            request, selectors.due_soon_actions(actions, today), counts["due_soon"], "due_page"
        ),
        "stale": _list_page(
            request, selectors.stale_actions(actions, today), counts["stale"], "stale_page"
        ),
        "review_section": mark_safe(fragments["review"]),  # noqa: S308
        "trend": trend,
        "trend_chart": _trend_chart(trend),
        "stale_days": STALE_AFTER_DAYS,
        "xlsx_threshold": exports.XLSX_IN_REQUEST_ROWS,
        # The manager's own queue (not cached: it is theirs, not the force's).
        "awaiting_mine": (
            None
            if access.is_inspector
            else improvement_selectors.awaiting_my_sign_off(request.user, force)
        ),
    }
    return render(request, "boards/force_board.html", context)


# --- National board ---------------------------------------------------------------------


def _national_body(request, today) -> str:
    rows, numbers = selectors.national_rows(request.user, today)
    totals = selectors.national_totals(request.user, today, rows)
    grade_counts = selectors.latest_grade_counts(request.user)
    busiest = sorted(
        (row for row in rows if row.open_actions),
        key=lambda row: (-row.open_actions, -row.overdue_actions, row.force.name),
    )[: selectors.TOP_FORCES]
    context = {
        "rows": rows,
        "numbers": numbers,
        "totals": totals,
        "grade_counts": grade_counts,
        "reviews": selectors.reviews_due_soon(request.user, today),
        "review_days": selectors.REVIEW_SOON_DAYS,
        "today": today,
        "busiest": busiest,
        "grade_chart": charts.bar_chart(
            [
                charts.Bar(g["label"], g["count"], GRADE_COLOURS.get(g["grade"], charts.GREY))
                for g in grade_counts
            ],
            chart_id="chart-grades",
            title="Question grades in each force's latest inspection",
            unit="graded questions",
        ),
        "actions_chart": charts.stacked_bar_chart(
            [
                charts.StackRow(
                    row.force.name,
                    [row.overdue_actions, row.open_actions - row.overdue_actions],
                )
                for row in busiest
            ],
            [charts.Segment("Overdue", charts.RED), charts.Segment("Other open", charts.BLUE)],
            chart_id="chart-forces",
            title="Open actions by force",
        )
        if busiest
        else "",
    }
    return render_to_string("boards/_national.html", context, request=request)


@login_required
@require_GET
def national_board(request):
    """Every force side by side, for the inspectorate. Inspectors see every force, so
    the body is the same for all of them: cached for the day and the national board
    version (any force's change replaces it)."""
    if not user_is_inspector(request.user):
        raise PermissionDenied("The national board is for the inspectorate.")
    today = timezone.localdate()
    key = board_cache.national_key(today)
    body = board_cache.get(key)
    if body is None:
        body = _national_body(request, today)
        board_cache.put(key, body)
    return render(request, "boards/national_board.html", {"body": mark_safe(body)})  # noqa: S308


# --- Exports ----------------------------------------------------------------------------


def _export_start(request):
    access = selectors.board_access(request.user, request.GET.get("force"))
    if access.force is None:
        return access, None, "", None
    today = timezone.localdate()
    board_filter = _board_filter(request, access, today)
    filename = f"peel-actions-{access.force.slug}-{today:%Y-%m-%d}"
    if board_filter.applied:
        filename += "-filtered"
    return access, selectors.export_actions(board_filter.qs), filename, board_filter


def _export_elsewhere(access):
    return redirect("boards:national" if access.is_inspector else "boards:force-board")


@login_required
@require_GET
def export_csv(request):
    """The tracker as CSV, streamed as it is read: any size, within the request."""
    access, rows, filename, _filter = _export_start(request)
    if rows is None:
        return _export_elsewhere(access)
    return exports.actions_csv_response(rows, filename)


@login_required
@require_GET
def export_xlsx(request):
    """The tracker workbook: built in the request up to ``XLSX_IN_REQUEST_ROWS`` rows,
    above that by a Celery task while the user watches its page."""
    access, rows, filename, board_filter = _export_start(request)
    if rows is None:
        return _export_elsewhere(access)
    total = rows.order_by().count()
    if total <= exports.XLSX_IN_REQUEST_ROWS:
        today = timezone.localdate()
        parts = exports.tracker_parts(request.user, access.force, board_filter, today)
        return exports.actions_xlsx_response(rows, filename, **parts)
    query = request.GET.copy()
    query.pop("force", None)
    job = jobs.start_tracker(request.user, access.force, query.urlencode(), total, filename)
    return redirect("boards:export-status", pk=job.pk)


@login_required
@require_GET
def review_pack(request, pk: int):
    """The evidence pack: built by a Celery task; this starts it."""
    review = get_object_or_404(
        FollowUpReview.objects.for_user(request.user).select_related("inspection__force"),
        pk=pk,
    )
    if not selectors.user_can_see_review_pack(request.user, review):
        raise PermissionDenied("The evidence pack is for the force's managers.")
    job = jobs.start_pack(request.user, review)
    return redirect("boards:export-status", pk=job.pk)


@login_required
@require_GET
def export_status(request, pk):
    """A background export's progress, then its download link. The user's own only."""
    job = jobs.job_for_user_or_404(request.user, pk)
    working = job.state in (job.State.QUEUED, job.State.RUNNING)
    context = {"job": job, "working": working, "is_inspector": user_is_inspector(request.user)}
    return render(request, "boards/export_status.html", context)


@login_required
@require_GET
def export_download(request, pk):
    job = jobs.job_for_user_or_404(request.user, pk)
    if job.state != job.State.READY:
        return redirect("boards:export-status", pk=job.pk)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
