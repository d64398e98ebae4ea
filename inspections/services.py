"""The inspectorate's decisions on findings (DESIGN.md §4: finding closure is two-party).

The force submits a finding as evidence submitted (``improvements.services``); an
inspector then discharges it, returns it with a reason, or marks it superseded (for
example by a later inspection's finding). One map of allowed moves, as for actions.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Finding
from .roles import user_is_inspector

S = Finding.Status

# (from, to) → a reason is needed
INSPECTORATE_MOVES: dict[tuple[str, str], bool] = {
    (S.EVIDENCE_SUBMITTED, S.DISCHARGED): False,
    (S.EVIDENCE_SUBMITTED, S.RETURNED): True,
    **{(source, S.SUPERSEDED): True for source in (S.OPEN, S.EVIDENCE_SUBMITTED, S.RETURNED)},
}

DECISIONS = {
    "discharge": S.DISCHARGED,
    "return": S.RETURNED,
    "supersede": S.SUPERSEDED,
}


def check_inspectorate_move(*, finding: Finding, to: str, by, reason: str = "") -> None:
    """Raise ValidationError saying why, unless ``by`` may move ``finding`` to ``to``."""
    if not user_is_inspector(by):
        raise ValidationError("Only an inspector can discharge, return or supersede a finding")
    if (finding.status, to) not in INSPECTORATE_MOVES:
        raise ValidationError(
            f"A finding that is “{finding.get_status_display()}” cannot be "
            f"{S(to).label.lower()}"
            + (": the force must submit its evidence first" if finding.status == S.OPEN else "")
        )
    if INSPECTORATE_MOVES[(finding.status, to)] and not (reason or "").strip():
        raise ValidationError(f"Give a reason to mark the finding {S(to).label.lower()}")


@transaction.atomic
def finding_inspectorate_decide(*, finding: Finding, to: str, by, reason: str = "") -> Finding:
    check_inspectorate_move(finding=finding, to=to, by=by, reason=reason)
    finding.status = to
    finding.status_reason = (reason or "").strip()
    finding.status_changed_by = by
    finding.status_changed_at = timezone.now()
    finding._history_user = by
    finding._change_reason = f"{S(to).label}: {finding.status_reason}"[:100]
    finding.save(
        update_fields=["status", "status_reason", "status_changed_by", "status_changed_at"]
    )
    return finding


finding_inspectorate_decide.alters_data = True
