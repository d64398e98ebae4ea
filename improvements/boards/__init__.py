"""The status boards: a force's board, the national board, their exports and charts.

- ``selectors``: every figure the boards show, counted by the database (its public
  names are re-exported here, so ``from improvements import boards`` then
  ``boards.reviews_with_readiness(...)`` works);
- ``views`` and ``urls``: the pages under ``/board/`` (URL namespace ``boards``);
- ``filters``: the force board's django-filter ``BoardFilter``;
- ``charts``: server-side SVG charts;
- ``exports``: the tracker as CSV and XLSX, a follow-up review's evidence pack as PDF;
- ``tasks``: the daily snapshots behind the trend chart (called by the
  ``improvements.record_daily_snapshots`` Celery task in ``improvements/tasks.py``).
"""

from inspections.models import LIVE_REVIEW_STATUSES, OPEN_FINDING_STATUSES

from ..models import DUE_SOON_DAYS, INACTIVE_STATUSES
from .selectors import (
    LIST_PAGE_SIZE,
    REVIEW_SOON_DAYS,
    TOP_FORCES,
    TOP_OWNERS,
    TREND_DAYS,
    BoardAccess,
    BoardFigures,
    ForceRow,
    InspectionProgress,
    QuestionRow,
    action_counts,
    board_access,
    board_actions,
    board_figures,
    due_soon_actions,
    export_actions,
    finding_ready_q,
    force_owner_choices,
    latest_grade_counts,
    national_rows,
    national_totals,
    next_review,
    overdue_actions,
    owner_workload,
    review_findings,
    review_pack,
    reviews_due_soon,
    reviews_with_readiness,
    snapshot_trend,
    stale_actions,
    tally_recount,
    tally_rows,
    user_can_see_review_pack,
)

__all__ = [
    "DUE_SOON_DAYS",
    "INACTIVE_STATUSES",
    "LIST_PAGE_SIZE",
    "LIVE_REVIEW_STATUSES",
    "OPEN_FINDING_STATUSES",
    "REVIEW_SOON_DAYS",
    "TOP_FORCES",
    "TOP_OWNERS",
    "TREND_DAYS",
    "BoardAccess",
    "BoardFigures",
    "ForceRow",
    "InspectionProgress",
    "QuestionRow",
    "action_counts",
    "board_access",
    "board_actions",
    "due_soon_actions",
    "export_actions",
    "finding_ready_q",
    "force_owner_choices",
    "latest_grade_counts",
    "national_rows",
    "national_totals",
    "next_review",
    "overdue_actions",
    "owner_workload",
    "board_figures",
    "review_findings",
    "review_pack",
    "reviews_due_soon",
    "reviews_with_readiness",
    "snapshot_trend",
    "stale_actions",
    "tally_recount",
    "tally_rows",
    "user_can_see_review_pack",
]
