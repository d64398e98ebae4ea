"""Reads that pages render: scoped querysets with their joins and annotations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404

from inspections.models import Finding, Inspection, Judgment
from inspections.roles import user_is_manager_of

from .models import (
    INACTIVE_STATUSES,
    OPEN_STATUSES,
    RAG,
    Action,
    Evidence,
    ProgressUpdate,
    Status,
    closed_last_expression,
)
from .workflow import second_pair_of_eyes_q, user_may_manage

RAG_ORDER = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.COMPLETE, RAG.CLOSED]


def force_members(force):
    """The people who can own, lead or contribute to a force's actions: its active
    members, by name."""
    return (
        get_user_model()
        .objects.filter(memberships__force=force, is_active=True)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def action_list_for_user(user, *, mine_only: bool = True):
    """Actions a user may see, open first and then by due date."""
    actions = (
        Action.objects.for_user(user)
        .with_rag()
        .select_related("finding__judgment", "finding__inspection__force", "owner", "lead")
        .annotate(closed_last=closed_last_expression())
        .order_by("closed_last", "due_date", "pk")
    )
    if mine_only:
        actions = actions.owned_or_contributed_by(user)
    return actions


QUEUE_LENGTH = 10


def return_reason_subquery():
    """The reason of an action's latest return: the text of its last log entry that
    moved it to "returned"."""
    return Subquery(
        ProgressUpdate.objects.filter(action=OuterRef("pk"), status_after=Status.RETURNED)
        .order_by("-created_at", "-pk")
        .values("text")[:1]
    )


def my_queue(user, today) -> dict:
    """What needs the user, first on *My actions*: returned to them (with the reason),
    overdue, due soon; and the open actions they lead for others."""
    mine = (
        Action.objects.for_user(user)
        .filter(owner=user)
        .select_related("finding")
        .order_by("due_date", "pk")
    )
    return {
        "returned": list(
            mine.filter(status=Status.RETURNED).annotate(return_reason=return_reason_subquery())[
                :QUEUE_LENGTH
            ]
        ),
        "overdue": list(mine.overdue(today).exclude(status=Status.RETURNED)[:QUEUE_LENGTH]),
        "due_soon": list(mine.due_soon(today).exclude(status=Status.RETURNED)[:QUEUE_LENGTH]),
        "leading": list(
            Action.objects.for_user(user)
            .filter(lead=user)
            .exclude(owner=user)
            .live()
            .select_related("finding", "owner")
            .order_by("due_date", "pk")[:QUEUE_LENGTH]
        ),
    }


def awaiting_my_sign_off(user, force, limit: int = QUEUE_LENGTH) -> list:
    """Completed actions of the force that this manager may sign off: neither theirs
    nor completed by them (``workflow.second_pair_of_eyes_q``)."""
    return list(
        Action.objects.for_force(force)
        .awaiting_sign_off()
        .filter(second_pair_of_eyes_q(user))
        .select_related("finding", "owner")
        .order_by("completed_at", "pk")[:limit]
    )


def action_get_for_user_or_404(user, pk: int, *, manage: bool = False) -> Action:
    """The action with everything its page shows, or 404 outside the user's forces;
    with ``manage``, 403 unless the user manages the action's force."""
    from .boards.selectors import with_due_date_history

    queryset = (
        with_due_date_history(Action.objects.for_user(user))
        .with_rag()
        .select_related(
            "finding__judgment",
            "finding__inspection__force",
            "owner",
            "lead",
            "signed_off_by",
            "completed_by",
        )
        .prefetch_related("contributors")
    )
    action = get_object_or_404(queryset, pk=pk)
    if manage and not user_may_manage(user, action):
        raise PermissionDenied("Only a manager of the force can do that.")
    return action


def action_log(action: Action):
    """The progress log, newest first, with each update's evidence."""
    return (
        ProgressUpdate.objects.filter(action=action)
        .select_related("author", "corrects")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by"))
        )
        .order_by("-created_at", "-pk")
    )


def action_evidence(action: Action):
    return Evidence.objects.filter(action=action).select_related("uploaded_by", "update")


def evidence_get_for_user_or_404(user, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.for_user(user).select_related("action"), pk=pk, file__gt=""
    )


def inspection_list_for_user(user):
    overall = Judgment.objects.filter(inspection=OuterRef("pk"), number=0).values("grade")[:1]
    return (
        Inspection.objects.for_user(user)
        .select_related("force")
        .annotate(
            overall_grade=Subquery(overall),
            n_findings=Count("findings", distinct=True),
            n_actions=Count("findings__actions", distinct=True),
            n_signed_off=Count(
                "findings__actions",
                filter=Q(findings__actions__status=Status.SIGNED_OFF),
                distinct=True,
            ),
        )
        .order_by("force__name", "-published", "programme")
    )


def inspection_get_for_user_or_404(user, pk: int) -> Inspection:
    return get_object_or_404(Inspection.objects.for_user(user).select_related("force"), pk=pk)


@dataclass
class FindingRollup:
    finding: Finding
    total: int = 0
    done: int = 0  # signed off
    open: int = 0
    worst_rag: str = ""

    @property
    def all_signed_off(self) -> bool:
        active = self.total  # cancelled / superseded do not count against readiness
        return active > 0 and self.done == active


@dataclass
class QuestionRollup:
    judgment: Judgment
    findings: list[FindingRollup]
    total: int = 0  # findings under the question, on every page
    first: int = 0  # the position of its first finding in the inspection (from 0)

    @property
    def elsewhere(self) -> int:
        """Its findings on other pages."""
        return self.total - len(self.findings)

    @property
    def first_page(self) -> int:
        return self.first // FINDINGS_PER_PAGE + 1


FINDINGS_PER_PAGE = 20


@dataclass
class InspectionPage:
    questions: list[QuestionRollup]
    page: Page  # a Django page of findings, for includes/pagination.html


def inspection_rollup(inspection: Inspection, page=None, finding=None) -> InspectionPage:
    """One page of an inspection's findings (report order), every question with its
    number of findings, and each listed finding's roll-up: four queries however many
    findings the inspection has. Without ``page``, ``finding`` (a pk) opens the page
    that holds it."""
    judgments = list(inspection.judgments.order_by("number"))
    totals = dict(
        inspection.findings.order_by()
        .values("judgment_id")
        .annotate(n=Count("pk"))
        .values_list("judgment_id", "n")
    )
    questions, position = [], 0
    for judgment in judgments:
        total = totals.get(judgment.pk, 0)
        questions.append(QuestionRollup(judgment, [], total=total, first=position))
        position += total
    ordered = inspection.findings.order_by("judgment__number", "position", "pk")
    paginator = Paginator(ordered.select_related("parent"), FINDINGS_PER_PAGE)
    paginator.count = position  # known already: no COUNT query
    number = _page_number(page, paginator.num_pages)
    if page is None and finding is not None:
        number = _page_holding(ordered, finding, questions) or number
    listed = paginator.page(number)
    findings = list(listed.object_list)
    rollups = {f.pk: FindingRollup(f) for f in findings}
    rows = (
        Action.objects.filter(finding__in=[f.pk for f in findings])
        .exclude(status__in=INACTIVE_STATUSES)
        .with_rag()
        .values_list("finding_id", "status", "current_rag")
    )
    for finding_id, status, rag in rows:
        rollup = rollups[finding_id]
        rollup.total += 1
        if status == Status.SIGNED_OFF:
            rollup.done += 1
        elif status in OPEN_STATUSES:
            rollup.open += 1
        if not rollup.worst_rag or RAG_ORDER.index(rag) < RAG_ORDER.index(rollup.worst_rag):
            rollup.worst_rag = rag
    by_judgment = defaultdict(list)
    for each in findings:
        by_judgment[each.judgment_id].append(rollups[each.pk])
    for question in questions:
        question.findings = by_judgment[question.judgment.pk]
    return InspectionPage(questions, listed)


def _page_number(value, pages: int) -> int:
    try:
        return min(max(1, int(value)), pages)
    except (TypeError, ValueError):
        return 1


def _page_holding(ordered, finding, questions) -> int | None:
    """The page that lists ``finding`` (a pk of this inspection), or None."""
    try:
        pk = int(finding)
    except (TypeError, ValueError):
        return None
    target = ordered.filter(pk=pk).values("judgment_id", "judgment__number", "position").first()
    if target is None:
        return None
    question = next(q for q in questions if q.judgment.pk == target["judgment_id"])
    before = ordered.filter(judgment_id=target["judgment_id"]).filter(
        Q(position__lt=target["position"]) | Q(position=target["position"], pk__lt=pk)
    )
    return (question.first + before.count()) // FINDINGS_PER_PAGE + 1


@dataclass
class PlanRow:
    finding: Finding
    actions: list  # its actions that are not cancelled or superseded
    suggested_due: object = None  # a date


def inspection_plan(inspection: Inspection, today) -> list[PlanRow]:
    """Every finding of an inspection in report order, with its live actions and a due
    date to suggest for a new one: a recommendation's own deadline, else the next
    follow-up review's evidence date. Three queries."""
    from inspections.models import LIVE_REVIEW_STATUSES, FollowUpReview

    review_due = (
        FollowUpReview.objects.filter(
            inspection=inspection, status__in=LIVE_REVIEW_STATUSES, evidence_due__gte=today
        )
        .order_by("evidence_due")
        .values_list("evidence_due", flat=True)
        .first()
    )
    live = (
        Action.objects.exclude(status__in=INACTIVE_STATUSES)
        .select_related("owner")
        .order_by("due_date", "pk")
    )
    findings = (
        inspection.findings.select_related("judgment")
        .prefetch_related(Prefetch("actions", queryset=live, to_attr="live_actions"))
        .order_by("judgment__number", "position", "pk")
    )
    rows = []
    for finding in findings:
        own = (
            finding.deadline_date
            if finding.deadline_date and finding.deadline_date >= today
            else None
        )
        rows.append(PlanRow(finding, finding.live_actions, own or review_due))
    return rows


def counted_actions_of_finding():
    """A finding's actions that count, for subqueries on findings (``OuterRef("pk")``):
    all but the cancelled and superseded. Readiness and "unplanned" both start here."""
    return Action.objects.filter(finding=OuterRef("pk")).exclude(status__in=INACTIVE_STATUSES)


def unplanned_q() -> Q:
    """A finding with no action that counts: what the plan page is for."""
    return ~Q(Exists(counted_actions_of_finding()))


def unplanned_findings(inspection_ids) -> dict[int, int]:
    """Per inspection, how many of its findings are unplanned (``unplanned_q``). One
    query."""
    return dict(
        Finding.objects.filter(inspection_id__in=inspection_ids)
        .filter(unplanned_q())
        .order_by()
        .values("inspection_id")
        .annotate(n=Count("pk"))
        .values_list("inspection_id", "n")
    )


def finding_get_for_user_or_404(user, pk: int, *, manage: bool = False) -> Finding:
    finding = get_object_or_404(
        Finding.objects.for_user(user).select_related("inspection__force", "judgment"), pk=pk
    )
    if manage and not user_is_manager_of(user, finding.inspection.force_id):
        raise PermissionDenied("Only a manager of the force can do that.")
    return finding


def awaiting_inspectorate(user, forces=None):
    """Findings submitted to the inspectorate, oldest submission first."""
    findings = (
        Finding.objects.for_user(user)
        .filter(status=Finding.Status.EVIDENCE_SUBMITTED)
        .select_related("inspection__force", "judgment", "status_changed_by")
        .order_by("status_changed_at", "pk")
    )
    if forces:
        findings = findings.filter(inspection__force__in=forces)
    return findings


def attach_actions_and_evidence(findings) -> None:
    """Each finding's actions, and each action's evidence, in two queries for the page."""
    findings = list(findings)
    actions = (
        Action.objects.filter(finding__in=findings)
        .select_related("owner", "finding")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("created_at")))
        .order_by("due_date", "pk")
    )
    by_finding = defaultdict(list)
    for action in actions:
        by_finding[action.finding_id].append(action)
    for finding in findings:
        finding.queue_actions = by_finding.get(finding.pk, [])
