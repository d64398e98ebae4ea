"""The finding workflow (docs/architecture.md: finding closure is two-party).

One map of allowed moves, as for actions, with who may make each: the force's managers
submit a finding as evidence submitted (``improvements.services.finding_submit_evidence``
adds the condition that every action is signed off); an inspector then discharges it,
returns it with a reason, or marks it superseded (for example by a later inspection's
finding). Nothing else changes a finding's status.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import Finding
from .roles import user_is_inspector, user_is_manager_of

S = Finding.Status

FORCE = "force"  # a manager of the finding's force
INSPECTORATE = "inspectorate"  # an inspector


@dataclass(frozen=True)
class FindingMove:
    source: str
    target: str
    who: str
    needs_reason: bool = False


FINDING_MOVES: dict[tuple[str, str], FindingMove] = {
    (m.source, m.target): m
    for m in [
        FindingMove(S.OPEN, S.EVIDENCE_SUBMITTED, FORCE),
        FindingMove(S.RETURNED, S.EVIDENCE_SUBMITTED, FORCE),
        FindingMove(S.EVIDENCE_SUBMITTED, S.DISCHARGED, INSPECTORATE),
        FindingMove(S.EVIDENCE_SUBMITTED, S.RETURNED, INSPECTORATE, needs_reason=True),
        *[
            FindingMove(source, S.SUPERSEDED, INSPECTORATE, needs_reason=True)
            for source in (S.OPEN, S.EVIDENCE_SUBMITTED, S.RETURNED)
        ],
    ]
}

DECISIONS = {
    "discharge": S.DISCHARGED,
    "return": S.RETURNED,
    "supersede": S.SUPERSEDED,
}


def check_finding_move(*, finding: Finding, to: str, by, reason: str = "") -> FindingMove:
    """The move, or ValidationError saying why ``by`` may not move ``finding`` to ``to``."""
    move = FINDING_MOVES.get((finding.status, to))
    if to == S.EVIDENCE_SUBMITTED:
        if not user_is_manager_of(by, finding.inspection.force_id):
            raise ValidationError("Only a manager of the force can submit a finding")
        if move is None:
            raise ValidationError(f"This finding is already “{finding.get_status_display()}”")
        return move
    if not user_is_inspector(by):
        raise ValidationError("Only an inspector can discharge, return or supersede a finding")
    if move is None:
        raise ValidationError(
            f"A finding that is “{finding.get_status_display()}” cannot be "
            f"{S(to).label.lower()}"
            + (": the force must submit its evidence first" if finding.status == S.OPEN else "")
        )
    if move.needs_reason and not (reason or "").strip():
        raise ValidationError(f"Give a reason to mark the finding {S(to).label.lower()}")
    return move


# The name the admin form has always called.
check_inspectorate_move = check_finding_move


# Sent in the move's transaction, after the save: the improvements app tells the people
# concerned (improvements/notifications.py) without this app depending on it.
finding_moved = Signal()


@transaction.atomic
def finding_move(*, finding: Finding, to: str, by, reason: str = "") -> Finding:
    """Make a move of the map, with who, when and why kept on the finding and in its
    history. The row is locked first, so two people deciding at once can't both move
    it: the second sees the first's move."""
    current = Finding.objects.select_for_update().filter(pk=finding.pk).first()
    if current is not None:
        finding.status = current.status
    check_finding_move(finding=finding, to=to, by=by, reason=reason)
    finding.status = to
    finding.status_reason = (reason or "").strip()
    finding.status_changed_by = by
    finding.status_changed_at = timezone.now()
    finding._history_user = by
    finding._change_reason = f"{S(to).label}: {finding.status_reason}".rstrip(": ")[:100]
    finding.save(
        update_fields=["status", "status_reason", "status_changed_by", "status_changed_at"]
    )
    finding_moved.send(Finding, finding=finding, to=to, by=by, reason=finding.status_reason)
    return finding


def finding_inspectorate_decide(*, finding: Finding, to: str, by, reason: str = "") -> Finding:
    if to == S.EVIDENCE_SUBMITTED:
        raise ValidationError("Evidence is submitted by the force, not the inspectorate")
    return finding_move(finding=finding, to=to, by=by, reason=reason)


finding_move.alters_data = True
finding_inspectorate_decide.alters_data = True
