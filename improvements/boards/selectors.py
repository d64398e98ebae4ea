"""Reads for the status boards and exports: a force board, the national board, readiness.

Every figure is counted by the database (``aggregate`` / ``annotate`` with
``Count(filter=Q(...))``), and every function issues a fixed number of queries whatever
the number of actions: the boards' query counts are tested against the demo and against
``seed_bench`` data. Everything starts from the scoped ``for_user`` querysets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

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
    RAG,
    Action,
    DailySnapshot,
    Evidence,
    ProgressUpdate,
    Status,
    awaiting_sign_off_q,
    due_soon_q,
    live_q,
    overdue_q,
    stale_q,
)
from ..selectors import force_members

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


def action_counts(actions, today: date) -> dict[str, int]:
    """Headline figures, counts by status and by RAG: one aggregate query."""
    expressions = {
        "total": _count(),
        "open": _count(live_q()),
        "overdue": _count(overdue_q(today)),
        "due_soon": _count(due_soon_q(today)),
        "stale": _count(stale_q()),
        "awaiting_sign_off": _count(awaiting_sign_off_q()),
        "signed_off": _count(Q(status=Status.SIGNED_OFF)),
        "owners_with_open": Count("owner", filter=live_q(), distinct=True),
    }
    for value in Status.values:
        expressions[f"status_{value}"] = _count(Q(status=value))
    for value in RAG.values:
        expressions[f"rag_{value}"] = _count(Q(current_rag=value))
    return actions.aggregate(**expressions)


# --- Progress by inspection, question and finding --------------------------------------


@dataclass
class FindingRow:
    pk: int
    reference: str
    text: str
    kind: str
    status: str
    total: int
    signed_off: int
    awaiting: int
    open: int
    overdue: int
    red: int
    amber: int
    green: int

    @property
    def worst_rag(self) -> str:
        for name in ("red", "amber", "green"):
            if getattr(self, name):
                return name
        return RAG.COMPLETE if self.signed_off else RAG.CLOSED

    @property
    def kind_label(self) -> str:
        return Finding.Kind(self.kind).label

    @property
    def status_label(self) -> str:
        return Finding.Status(self.status).label


FINDING_ROWS_LISTED = 40


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
    finding_rows: list[FindingRow] = field(default_factory=list)

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
    def finding_rows(self) -> list[FindingRow]:
        return [row for question in self.questions for row in question.finding_rows]

    @property
    def listed_finding_rows(self) -> list[FindingRow]:
        """The findings most in need of attention first (red, amber, green, done), at
        most ``FINDING_ROWS_LISTED``: the page stays the same size however many
        findings an inspection has; the inspection page lists them all."""
        order = {RAG.RED: 0, RAG.AMBER: 1, RAG.GREEN: 2, RAG.COMPLETE: 3, RAG.CLOSED: 4}
        rows = sorted(self.finding_rows, key=lambda row: order.get(row.worst_rag, 5))
        return rows[:FINDING_ROWS_LISTED]

    @property
    def unlisted_findings(self) -> int:
        return max(0, len(self.finding_rows) - FINDING_ROWS_LISTED)


def _progress_counts(today: date) -> dict:
    return {
        "total": _count(),
        "signed_off": _count(Q(status=Status.SIGNED_OFF)),
        "awaiting": _count(awaiting_sign_off_q()),
        "open": _count(live_q()),
        "overdue": _count(overdue_q(today)),
        "red": _count(Q(current_rag=RAG.RED)),
        "amber": _count(Q(current_rag=RAG.AMBER)),
        "green": _count(Q(current_rag=RAG.GREEN)),
    }


def progress_by_question(actions, today: date) -> list[InspectionProgress]:
    """Inspections with actions in ``actions``: every question with its grade and counts,
    and every finding's roll-up. Three queries."""
    counts = _progress_counts(today)
    by_question = {
        row["finding__judgment_id"]: row
        for row in actions.order_by()
        .values("finding__judgment_id")
        .annotate(findings=Count("finding", distinct=True), **counts)
    }
    finding_rows = (
        actions.order_by()
        .values(
            "finding_id",
            "finding__judgment_id",
            "finding__reference",
            "finding__text",
            "finding__kind",
            "finding__status",
            "finding__position",
        )
        .annotate(**counts)
        .order_by("finding__judgment_id", "finding__position", "finding__reference")
    )
    rows_by_judgment: dict[int, list[FindingRow]] = {}
    for row in finding_rows:
        rows_by_judgment.setdefault(row["finding__judgment_id"], []).append(
            FindingRow(
                pk=row["finding_id"],
                reference=row["finding__reference"],
                text=row["finding__text"],
                kind=row["finding__kind"],
                status=row["finding__status"],
                **{name: row[name] for name in counts},
            )
        )
    judgments = (
        Judgment.objects.filter(
            inspection__in=Inspection.objects.filter(
                pk__in=actions.order_by().values("finding__inspection_id")
            )
        )
        .select_related("inspection")
        .order_by("-inspection__published", "-inspection__pk", "number")
    )
    progress: list[InspectionProgress] = []
    for judgment in judgments:
        if not progress or progress[-1].inspection.pk != judgment.inspection_id:
            progress.append(InspectionProgress(judgment.inspection, None, []))
        current = progress[-1]
        if judgment.number == 0:
            current.overall = judgment
        row = by_question.get(judgment.pk)
        if judgment.number == 0 and row is None:
            continue  # the overall judgment only gets a row when findings sit under it
        question = QuestionRow(judgment=judgment)
        if row is not None:
            for name in ("findings", *counts):
                setattr(question, name, row[name])
        question.finding_rows = rows_by_judgment.get(judgment.pk, [])
        current.questions.append(question)
    return progress


# --- Lists --------------------------------------------------------------------------------


def _listed(actions):
    return actions.select_related(
        "finding__judgment", "finding__inspection", "owner", "lead"
    ).order_by("due_date", "pk")


def overdue_actions(actions, today: date):
    return _listed(actions.filter(overdue_q(today)))


def due_soon_actions(actions, today: date):
    return _listed(actions.filter(due_soon_q(today)))


def stale_actions(actions):
    return (
        _listed(actions.filter(stale_q()))
        .order_by("activity_at", "pk")
        .annotate(last_activity=F("activity_at"))
    )


def owner_workload(actions, today: date, limit: int = TOP_OWNERS) -> list[dict]:
    """Owners with the most open actions, with their overdue, due-soon, awaiting sign-off
    and stale counts. One query."""
    rows = (
        actions.filter(live_q())
        .order_by()
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(
            open=_count(),
            overdue=_count(overdue_q(today)),
            due_soon=_count(due_soon_q(today)),
            awaiting=_count(awaiting_sign_off_q()),
            stale=_count(stale_q()),
        )
        .order_by("-open", "-overdue", "owner__last_name", "owner__first_name", "owner_id")
    )[:limit]
    result = []
    for row in rows:
        name = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
        row["name"] = name or row["owner__username"]
        row["other_open"] = row["open"] - row["overdue"] - row["awaiting"]
        result.append(row)
    return result


# --- Follow-up reviews and readiness ------------------------------------------------------


def finding_ready_q() -> Q:
    """A finding is ready for its review when it has actions that are not cancelled or
    superseded, and every one of them is signed off with at least one piece of evidence."""
    live = Action.objects.filter(finding=OuterRef("pk")).exclude(status__in=INACTIVE_STATUSES)
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

    action_totals = (
        Action.objects.for_user(user)
        .order_by()
        .values("finding__inspection__force_id")
        .annotate(
            open=_count(live_q()),
            overdue=_count(overdue_q(today)),
        )
    )
    for total in action_totals:
        row = rows.get(total["finding__inspection__force_id"])
        if row:
            row.open_actions, row.overdue_actions = total["open"], total["overdue"]

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


def national_totals(user, today: date) -> dict[str, int]:
    """Open and overdue findings and actions across every force the user sees."""
    actions = Action.objects.for_user(user).aggregate(
        open_actions=_count(live_q()),
        overdue_actions=_count(overdue_q(today)),
    )
    overdue_action = Action.objects.filter(finding=OuterRef("pk")).filter(overdue_q(today))
    findings = Finding.objects.for_user(user).aggregate(
        open_findings=_count(Q(status__in=OPEN_FINDING_STATUSES)),
        overdue_findings=_count(Q(status__in=OPEN_FINDING_STATUSES) & Q(Exists(overdue_action))),
    )
    forces = Force.objects.for_user(user).aggregate(forces=_count())
    return {**forces, **findings, **actions}


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


def export_actions(actions):
    """The action tracker's rows, with the latest progress update by a subquery."""
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        actions.select_related("finding__judgment", "finding__inspection__force", "owner", "lead")
        .annotate(
            latest_update_text=Subquery(latest.values("text")[:1]),
            latest_update_at=Subquery(
                latest.values("created_at")[:1], output_field=DateTimeField()
            ),
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
