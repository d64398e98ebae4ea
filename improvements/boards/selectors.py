"""Reads for the status boards and exports: a force board, the national board, readiness.

Every figure is counted by the database (``aggregate`` / ``annotate`` with
``Count(filter=Q(...))``), and every function issues a fixed number of queries whatever
the number of actions: the boards' query counts are tested against the demo and against
``seed_bench`` data. Everything starts from the scoped ``for_user`` querysets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from inspections.models import (
    LIVE_REVIEW_STATUSES,
    OPEN_FINDING_STATUSES,
    Finding,
    FollowUpReview,
    Force,
    Grade,
    Inspection,
    Judgment,
    review_scope_q,
)
from inspections.roles import managed_force_ids, user_is_inspector, user_is_manager_of

from ..models import (
    INACTIVE_STATUSES,
    OPEN_STATUSES,
    RAG,
    Action,
    ActionTally,
    DailySnapshot,
    Evidence,
    ProgressUpdate,
    Status,
    awaiting_sign_off_q,
    due_soon_q,
    live_q,
    overdue_q,
    stale_q,
    working_q,
)
from ..selectors import counted_actions_of_finding, force_members, unplanned_q

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
REVIEW_SOON_DAYS = 60
TREND_DAYS = 91
LIST_PAGE_SIZE = 10
TOP_OWNERS = 12
TOP_FORCES = 15


# --- Which force's board --------------------------------------------------------------


@dataclass
class BoardAccess:
    """The force whose board a user asked for, or the forces to choose from."""

    force: Force | None
    choices: list[Force] = field(default_factory=list)
    is_inspector: bool = False


def board_access(user, slug: str | None) -> BoardAccess:
    """Resolve ``?force=slug`` for a user (docs/architecture.md, "Who sees what").

    A force the user cannot see is a 404; a force they can see but whose board is for
    managers only is a 403. Inspectors may open any force's board. A manager of one force
    gets it; a manager of several chooses (``force`` is None and ``choices`` lists them).
    """
    if slug and not SLUG.fullmatch(slug):
        raise Http404("No such force.")  # never a query (a NUL is PostgreSQL's error)
    if user_is_inspector(user):
        if not slug:
            return BoardAccess(force=None, is_inspector=True)
        force = Force.objects.for_user(user).filter(slug=slug).first()
        if force is None:
            raise Http404("No such force.")
        return BoardAccess(force=force, is_inspector=True)
    managed = managed_force_ids(user)
    if slug:
        force = Force.objects.for_user(user).filter(slug=slug).first()
        if force is None:
            raise Http404("No such force.")
        if force.pk not in managed:
            raise PermissionDenied("The board is for the force's managers.")
        return BoardAccess(force=force)
    if not managed:
        raise PermissionDenied("The board is for the force's managers.")
    forces = list(Force.objects.for_user(user).filter(pk__in=managed).order_by("name"))
    if len(forces) == 1:
        return BoardAccess(force=forces[0])
    return BoardAccess(force=None, choices=forces)


def user_can_see_review_pack(user, review: FollowUpReview) -> bool:
    return user_is_inspector(user) or user_is_manager_of(user, review.inspection.force_id)


# --- Querysets ----------------------------------------------------------------------------


def board_actions(user, force, today: date | None = None):
    """The force's actions the user may see, with RAG computed by the database."""
    return Action.objects.for_user(user).for_force(force).with_rag(today)


def _count(condition: Q | None = None) -> Count:
    return Count("pk", filter=condition) if condition is not None else Count("pk")


# --- The figures: date-free counts by status, date-dependent counts of working actions ---
#
# Every count on a board is one of two kinds (docs/architecture.md, "The tally"):
# - by status (total, open, awaiting sign-off, signed off, closed): for a whole force
#   these come from ``ActionTally``, a few rows per question kept by triggers; for a
#   filtered board, from one grouped count of the matching actions;
# - by date (overdue, due soon, stale, red, amber, green): only working actions can be
#   any of these, so they are counted from the working actions alone, which a partial
#   covering index holds by force and due date (closed actions, most of a force's
#   history, never take part).
# Both arrive per question; the headline figures are their sums.

DATED = ("overdue", "due_soon", "stale", "red", "amber", "working_green")


def _status_rows(actions, force) -> list[tuple[int, str, int]]:
    """(judgment id, status, actions) for the board's actions."""
    if force is not None:
        return list(
            ActionTally.objects.filter(force=force, n__gt=0)
            .order_by()
            .values_list("judgment_id", "status", "n")
        )
    return list(
        actions.order_by()
        .values_list("finding__judgment_id", "status")
        .annotate(n=Count("pk"))
        .values_list("finding__judgment_id", "status", "n")
    )


def _dated_rows(actions, today: date) -> dict[int, dict]:
    """Per question, the date-dependent counts of the working actions among ``actions``."""
    rows = (
        actions.filter(working_q())
        .order_by()
        .values("finding__judgment_id")
        .annotate(
            overdue=_count(overdue_q(today)),
            due_soon=_count(due_soon_q(today)),
            stale=_count(stale_q(today)),
            red=_count(Q(current_rag=RAG.RED)),
            amber=_count(Q(current_rag=RAG.AMBER)),
            working_green=_count(Q(current_rag=RAG.GREEN)),
        )
    )
    return {row.pop("finding__judgment_id"): row for row in rows}


def _figures(statuses: dict[str, int], dated: dict) -> dict[str, int]:
    """The board's figures from counts by status and the working actions' dated counts.
    A completed action (awaiting sign-off) is green: it is neither late nor idle."""
    figures = {f"status_{value}": statuses.get(value, 0) for value in Status.values}
    figures.update({name: dated.get(name, 0) for name in DATED})
    figures["total"] = sum(statuses.values())
    figures["open"] = sum(statuses.get(value, 0) for value in OPEN_STATUSES)
    figures["awaiting_sign_off"] = statuses.get(Status.COMPLETED, 0)
    figures["signed_off"] = statuses.get(Status.SIGNED_OFF, 0)
    figures["rag_red"] = figures["red"]
    figures["rag_amber"] = figures["amber"]
    figures["rag_green"] = figures["working_green"] + figures["awaiting_sign_off"]
    figures["rag_complete"] = figures["signed_off"]
    figures["rag_closed"] = sum(statuses.get(value, 0) for value in INACTIVE_STATUSES)
    figures["green"] = figures["rag_green"]
    return figures


@dataclass
class QuestionRow:
    judgment: Judgment
    findings: int = 0
    total: int = 0
    signed_off: int = 0
    awaiting: int = 0
    open: int = 0
    overdue: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0

    @property
    def percent_signed_off(self) -> int:
        active = self.signed_off + self.open
        return round(100 * self.signed_off / active) if active else 0


@dataclass
class InspectionProgress:
    inspection: Inspection
    overall: Judgment | None
    questions: list[QuestionRow]
    chart: str = ""  # filled in by the view

    @property
    def findings(self) -> int:
        return sum(question.findings for question in self.questions)


@dataclass
class BoardFigures:
    counts: dict[str, int]
    progress: list[InspectionProgress]


def board_figures(actions, today: date, force=None) -> BoardFigures:
    """The headline figures and the progress of every inspection, question by question.

    ``force`` given: the whole force's board, by status from the tally. Without it:
    ``actions`` is a filtered selection, counted directly. Five queries either way."""
    by_judgment: dict[int, dict[str, int]] = {}
    for judgment_id, status, n in _status_rows(actions, force):
        by_judgment.setdefault(judgment_id, {})[status] = n
    dated = _dated_rows(actions, today)
    question_figures = {
        pk: _figures(by_judgment.get(pk, {}), dated.get(pk, {}))
        for pk in set(by_judgment) | set(dated)
    }
    totals: dict[str, int] = {}
    for figures in question_figures.values():
        for name, value in figures.items():
            totals[name] = totals.get(name, 0) + value
    counts = _figures({}, {}) | totals
    counts["owners_with_open"] = (
        actions.filter(live_q()).order_by().aggregate(n=Count("owner", distinct=True))["n"]
    )
    return BoardFigures(counts, _progress(question_figures))


def _progress(question_figures: dict[int, dict[str, int]]) -> list[InspectionProgress]:
    """Every question of the inspections with counted actions, with its grade, its
    findings and its figures. Two queries."""
    judgments = list(
        Judgment.objects.filter(
            inspection__in=Judgment.objects.filter(pk__in=list(question_figures)).values(
                "inspection_id"
            )
        )
        .select_related("inspection")
        .order_by("-inspection__published", "-inspection__pk", "number")
    )
    findings = dict(
        Finding.objects.filter(judgment__in=[j.pk for j in judgments])
        .order_by()
        .values("judgment_id")
        .annotate(n=Count("pk"))
        .values_list("judgment_id", "n")
    )
    progress: list[InspectionProgress] = []
    for judgment in judgments:
        if not progress or progress[-1].inspection.pk != judgment.inspection_id:
            progress.append(InspectionProgress(judgment.inspection, None, []))
        current = progress[-1]
        if judgment.number == 0:
            current.overall = judgment
        figures = question_figures.get(judgment.pk)
        if judgment.number == 0 and figures is None:
            continue  # the overall judgment only gets a row when findings sit under it
        question = QuestionRow(judgment=judgment, findings=findings.get(judgment.pk, 0))
        if figures is not None:
            question.total = figures["total"]
            question.signed_off = figures["signed_off"]
            question.awaiting = figures["awaiting_sign_off"]
            question.open = figures["open"]
            question.overdue = figures["overdue"]
            question.red = figures["red"]
            question.amber = figures["amber"]
            question.green = figures["green"]
        current.questions.append(question)
    return progress


def action_counts(actions, today: date) -> dict[str, int]:
    """The headline figures of a selection of actions (a force's, for an email)."""
    return board_figures(actions, today).counts


def tally_recount(force=None) -> list[tuple[int, int, str, int]]:
    """What the tally should hold: (force, judgment, status, actions) counted afresh."""
    actions = Action.objects.all() if force is None else Action.objects.filter(force=force)
    return sorted(
        actions.order_by()
        .values_list("force_id", "finding__judgment_id", "status")
        .annotate(n=Count("pk"))
        .values_list("force_id", "finding__judgment_id", "status", "n")
    )


def tally_rows(force=None) -> list[tuple[int, int, str, int]]:
    """What the tally holds, in the same shape (rows counting nothing left out)."""
    rows = ActionTally.objects.filter(n__gt=0)
    if force is not None:
        rows = rows.filter(force=force)
    return sorted(rows.values_list("force_id", "judgment_id", "status", "n"))


def unplanned_inspections(force) -> list[tuple[Inspection, int]]:
    """The force's inspections with findings that have no action yet, and how many:
    what the plan page is for (``unplanned_q``). One query."""
    unplanned = Finding.objects.filter(inspection=OuterRef("pk")).filter(unplanned_q())
    inspections = (
        Inspection.objects.filter(force=force)
        .annotate(unplanned=_subquery_count(unplanned))
        .filter(unplanned__gt=0)
        .order_by("-published", "-pk")
    )
    return [(inspection, inspection.unplanned) for inspection in inspections]


# --- Lists --------------------------------------------------------------------------------


def _listed(actions):
    return actions.select_related(
        "finding__judgment", "finding__inspection", "owner", "lead"
    ).order_by("due_date", "pk")


def overdue_actions(actions, today: date):
    return _listed(actions.filter(overdue_q(today)))


def due_soon_actions(actions, today: date):
    return _listed(actions.filter(due_soon_q(today)))


def stale_actions(actions, today: date):
    return (
        _listed(actions.filter(stale_q(today)))
        .order_by("activity_at", "pk")
        .annotate(last_activity=F("activity_at"))
    )


def owner_workload(actions, today: date, limit: int = TOP_OWNERS) -> list[dict]:
    """Owners with the most open actions, with their overdue, due-soon, awaiting sign-off
    and stale counts. Two queries: the counts, from the open actions' index alone, then
    the names of the few listed (ties at the cut go to the longer-standing account)."""
    rows = list(
        actions.filter(live_q())
        .order_by()
        .values("owner_id")
        .annotate(
            open=_count(),
            overdue=_count(overdue_q(today)),
            due_soon=_count(due_soon_q(today)),
            awaiting=_count(awaiting_sign_off_q()),
            stale=_count(stale_q(today)),
        )
        .order_by("-open", "-overdue", "owner_id")[:limit]
    )
    people = get_user_model().objects.in_bulk([row["owner_id"] for row in rows])
    for row in rows:
        person = people[row["owner_id"]]
        row["name"] = person.get_full_name() or person.get_username()
        row["sort_name"] = (person.last_name, person.first_name, person.get_username())
        row["other_open"] = row["open"] - row["overdue"] - row["awaiting"]
    return sorted(rows, key=lambda row: (-row["open"], -row["overdue"], row["sort_name"]))


# --- Follow-up reviews and readiness ------------------------------------------------------


def finding_ready_q() -> Q:
    """A finding is ready for its review when it has actions that are not cancelled or
    superseded, and every one of them is signed off with at least one piece of evidence."""
    live = counted_actions_of_finding()
    not_ready = live.filter(
        ~Q(status=Status.SIGNED_OFF) | ~Exists(Evidence.objects.filter(action=OuterRef("pk")))
    )
    return Q(Exists(live)) & ~Q(Exists(not_ready))


def _subquery_count(queryset) -> Coalesce:
    counted = (
        queryset.order_by()
        .annotate(_group=Value(1, output_field=IntegerField()))
        .values("_group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def reviews_with_readiness(reviews):
    """Annotate reviews with ``scope_count`` and ``ready_count`` (subqueries, no joins)."""
    # The scope's own subqueries sit one level deeper: they look two levels out.
    in_scope = Finding.objects.filter(review_scope_q(OuterRef(OuterRef("pk"))))
    return reviews.annotate(
        scope_count=_subquery_count(in_scope),
        ready_count=_subquery_count(in_scope.filter(finding_ready_q())),
    )


def next_review(user, force, today: date):
    """The force's next live follow-up review with its readiness, or None."""
    reviews = (
        FollowUpReview.objects.for_user(user)
        .filter(inspection__force=force, status__in=LIVE_REVIEW_STATUSES)
        .filter(Q(evidence_due__gte=today) | Q(evidence_due__isnull=True))
        .select_related("inspection")
        .order_by(F("evidence_due").asc(nulls_last=True), "pk")
    )
    return reviews_with_readiness(reviews).first()


def review_findings(review: FollowUpReview):
    """Findings in a review's scope, each with ``is_ready`` and its action counts."""
    live = ~Q(actions__status__in=INACTIVE_STATUSES)
    return (
        Finding.objects.filter(review_scope_q(review.pk))
        .select_related("judgment")
        .annotate(
            is_ready=ExpressionWrapper(finding_ready_q(), output_field=BooleanField()),
            n_actions=Count("actions", filter=live),
            n_signed_off=Count("actions", filter=Q(actions__status=Status.SIGNED_OFF)),
        )
        .order_by("judgment__number", "position", "reference")
    )


# --- Trend ----------------------------------------------------------------------------------


def snapshot_trend(user, force, today: date, days: int = TREND_DAYS) -> list[DailySnapshot]:
    return list(
        DailySnapshot.objects.for_user(user)
        .filter(force=force, date__gt=today - timedelta(days=days), date__lte=today)
        .order_by("date")
    )


# --- Filter choices -------------------------------------------------------------------------


def force_owner_choices(force):
    """People who can own the force's actions: its members, by name."""
    return force_members(force)


# --- National board -------------------------------------------------------------------------


@dataclass
class ForceRow:
    force: Force
    inspection: Inspection | None = None
    grades: dict[int, Judgment] = field(default_factory=dict)
    open_actions: int = 0
    overdue_actions: int = 0
    open_findings: int = 0
    overdue_findings: int = 0
    cells: list[Judgment | None] = field(default_factory=list)  # one per question column


def national_rows(user, today: date) -> tuple[list[ForceRow], list[int]]:
    """Every force with its latest inspection's grades and its open and overdue findings
    and actions. Four queries, whatever the number of forces, inspections or actions."""
    rows = {force.pk: ForceRow(force) for force in Force.objects.for_user(user).order_by("name")}
    numbers: set[int] = set()
    for judgment in (
        Judgment.objects.for_user(user)
        .filter(inspection_id__in=_latest_inspection_ids(user))
        .select_related("inspection")
        .order_by("inspection_id", "number")
    ):
        row = rows[judgment.inspection.force_id]
        row.inspection = judgment.inspection
        row.grades[judgment.number] = judgment
        numbers.add(judgment.number)

    for force_id, open_actions, overdue_actions in _force_action_totals(user, today):
        row = rows.get(force_id)
        if row:
            row.open_actions, row.overdue_actions = open_actions, overdue_actions

    overdue_action = Action.objects.filter(finding=OuterRef("pk")).filter(overdue_q(today))
    finding_totals = (
        Finding.objects.for_user(user)
        .order_by()
        .values("inspection__force_id")
        .annotate(
            open=_count(Q(status__in=OPEN_FINDING_STATUSES)),
            overdue=_count(Q(status__in=OPEN_FINDING_STATUSES) & Q(Exists(overdue_action))),
        )
    )
    for total in finding_totals:
        row = rows.get(total["inspection__force_id"])
        if row:
            row.open_findings, row.overdue_findings = total["open"], total["overdue"]
    columns = sorted(numbers)
    for row in rows.values():
        row.cells = [row.grades.get(n) for n in columns]
    return list(rows.values()), columns


def _force_action_totals(user, today: date) -> list[tuple[int, int, int]]:
    """(force, open actions, overdue actions) for every force the user sees: open from
    the tally, overdue from the working actions' index. Two queries."""
    forces = Force.objects.for_user(user).values("pk")
    open_by_force = dict(
        ActionTally.objects.filter(force__in=forces, status__in=OPEN_STATUSES)
        .order_by()
        .values("force_id")
        .annotate(n=Sum("n"))
        .values_list("force_id", "n")
    )
    overdue_by_force = dict(
        Action.objects.filter(force__in=forces)
        .filter(overdue_q(today))
        .order_by()
        .values("force_id")
        .annotate(n=Count("pk"))
        .values_list("force_id", "n")
    )
    return [
        (force_id, open_by_force.get(force_id, 0), overdue_by_force.get(force_id, 0))
        for force_id in set(open_by_force) | set(overdue_by_force)
    ]


def national_totals(user, today: date, rows: list[ForceRow] | None = None) -> dict[str, int]:
    """Open and overdue findings and actions across every force the user sees: the sums
    of ``national_rows`` (counted here when not given)."""
    if rows is None:
        rows, _numbers = national_rows(user, today)
    return {
        "forces": len(rows),
        "open_findings": sum(row.open_findings for row in rows),
        "overdue_findings": sum(row.overdue_findings for row in rows),
        "open_actions": sum(row.open_actions for row in rows),
        "overdue_actions": sum(row.overdue_actions for row in rows),
    }


def _latest_inspection_ids(user):
    latest = (
        Inspection.objects.filter(force=OuterRef("pk"))
        .order_by(F("published").desc(nulls_last=True), "-created_at", "-pk")
        .values("pk")[:1]
    )
    return Force.objects.for_user(user).annotate(latest=Subquery(latest)).values("latest")


def latest_grade_counts(user) -> list[dict]:
    """How many question judgments (not the overall one) of each force's latest inspection
    have each grade, best grade first."""
    counted = dict(
        Judgment.objects.for_user(user)
        .filter(number__gt=0, inspection_id__in=_latest_inspection_ids(user))
        .order_by()
        .values("grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "n")
    )
    result = [
        {"grade": grade, "label": label, "count": counted.get(grade, 0)}
        for grade, label in Grade.choices
    ]
    if counted.get(""):
        result.append({"grade": "", "label": "Not graded", "count": counted[""]})
    return result


def reviews_due_soon(user, today: date, days: int = REVIEW_SOON_DAYS):
    """Live follow-up reviews whose evidence is due within ``days``, with readiness."""
    reviews = (
        FollowUpReview.objects.for_user(user)
        .filter(
            status__in=LIVE_REVIEW_STATUSES,
            evidence_due__gte=today,
            evidence_due__lte=today + timedelta(days=days),
        )
        .select_related("inspection__force")
        .order_by("evidence_due", "inspection__force__name", "pk")
    )
    return reviews_with_readiness(reviews)


# --- Export and evidence pack ----------------------------------------------------------------


def export_findings(findings, today: date):
    """The Findings sheet's rows: every finding (with or without actions) in report
    order, with its question, grade and its actions' roll-up. One query."""
    live = ~Q(actions__status__in=INACTIVE_STATUSES)
    return (
        findings.select_related("inspection", "judgment")
        .annotate(
            n_actions=Count("actions", filter=live),
            n_signed_off=Count("actions", filter=Q(actions__status=Status.SIGNED_OFF)),
            n_open=Count("actions", filter=live_q("actions__")),
            n_overdue=Count("actions", filter=overdue_q(today, "actions__")),
        )
        .order_by("inspection__published", "inspection_id", "judgment__number", "position", "pk")
    )


def with_due_date_history(actions):
    """Each action's first due date and how many due dates it has had, from its history
    (``Action.original_due_date``, ``Action.times_redated``): the export and the action
    page alike."""
    history = Action.history.model.objects.filter(id=OuterRef("pk"))
    due_dates = (
        history.order_by().values("id").annotate(n=Count("due_date", distinct=True)).values("n")
    )
    return actions.annotate(
        first_due_date=Subquery(
            history.order_by("history_date", "history_id").values("due_date")[:1]
        ),
        due_dates=Subquery(due_dates, output_field=IntegerField()),
    )


def export_actions(actions):
    """The action tracker's rows: the latest progress update, the first due date and
    how many due dates the action has had (from its history), and its evidence count,
    each by a subquery; contributors prefetched a chunk at a time."""
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        with_due_date_history(actions)
        .select_related(
            "finding__judgment",
            "finding__inspection__force",
            "owner",
            "lead",
            "completed_by",
            "signed_off_by",
        )
        .prefetch_related("contributors")
        .annotate(
            latest_update_text=Subquery(latest.values("text")[:1]),
            latest_update_at=Subquery(
                latest.values("created_at")[:1], output_field=DateTimeField()
            ),
            evidence_items=_subquery_count(Evidence.objects.filter(action=OuterRef("pk"))),
        )
        .order_by(
            "finding__inspection__force__name",
            "finding__inspection__pk",
            "finding__judgment__number",
            "finding__position",
            "finding__reference",
            "due_date",
            "pk",
        )
    )


def review_pack(user, review: FollowUpReview):
    """Findings in scope with their actions, each action's updates and evidence: four
    queries, whatever the size of the review."""
    updates = ProgressUpdate.objects.select_related("author").order_by("created_at", "pk")
    evidence = Evidence.objects.select_related("uploaded_by").order_by("created_at", "pk")
    actions = (
        Action.objects.for_user(user)
        .with_rag()
        .select_related("owner", "lead", "signed_off_by")
        .prefetch_related(
            Prefetch("updates", queryset=updates),
            Prefetch("evidence", queryset=evidence),
        )
        .order_by("due_date", "pk")
    )
    return review_findings(review).prefetch_related(Prefetch("actions", queryset=actions))


def returned_by_inspectorate(force, limit: int = 10) -> list:
    """The force's findings the inspectorate returned, with its reason, newest first."""
    return list(
        Finding.objects.filter(inspection__force=force, status=Finding.Status.RETURNED)
        .select_related("inspection")
        .order_by("-status_changed_at", "pk")[:limit]
    )
