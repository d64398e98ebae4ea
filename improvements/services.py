"""Writes with rules: creating actions, logging progress, status moves, sign-off.

Every function takes keyword arguments and the acting user (``by``), checks the rule,
and saves. Concurrency: a caller that read an action states the ``version`` it read;
if someone else saved in between, ``StaleAction`` is raised and nothing is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from inspections.models import Finding, Membership
from inspections.services import check_finding_move, finding_move

from . import notifications
from .boards import cache as board_cache
from .evidence import validate_evidence_file
from .models import (
    CLOSED_STATUSES,
    INACTIVE_STATUSES,
    RAG,
    Action,
    Evidence,
    ExtensionRequest,
    ProgressUpdate,
    Status,
)
from .workflow import (
    MoveRefused,
    check_move,
    check_open,
    user_is_participant,
    user_may_manage,
)


class StaleAction(Exception):
    """Someone else saved the action after this user loaded it."""

    def __init__(self):
        super().__init__(
            "Someone else changed this action while you were working on it. Your text is "
            "kept below: check the latest log entry and save again."
        )


def _claim_row(action: Action, expected_version: int | None) -> int:
    """Claim the row if it is still open and at the version the user read: the
    conditional update locks it until the transaction ends. Returns the version read."""
    version = action.version if expected_version is None else expected_version
    rows = (
        Action.objects.filter(pk=action.pk, version=version)
        .exclude(status__in=CLOSED_STATUSES)
        .update(version=F("version") + 1)
    )
    if rows != 1:
        action.refresh_from_db(fields=["status"])
        check_open(action)
        raise StaleAction()
    return version


def _claim(
    action: Action,
    expected_version: int | None,
    *,
    by,
    reason: str = "",
    claimed: int | None = None,
    **changes,
):
    """Save ``changes`` only if the action is still at the version the user read (or
    was already claimed at ``claimed``); the ordinary save writes the change history
    with who and why."""
    version = claimed if claimed is not None else _claim_row(action, expected_version)
    for name, value in changes.items():
        setattr(action, name, value)
    action.version = version + 1
    action._history_user = by
    action._change_reason = reason[:100] or None
    if set(changes) <= {"last_update_at"}:
        # A plain progress note changes nothing the history is for.
        action.skip_history_when_saving = True
    try:
        action.save()
    finally:
        action.__dict__.pop("skip_history_when_saving", None)


CLOSED_RAG = {Status.SIGNED_OFF: RAG.COMPLETE, Status.CANCELLED: RAG.CLOSED}


def _log(
    action: Action, by, text: str, now, status: str | None = None, imported_from: str = ""
) -> ProgressUpdate:
    """Append to the progress log with the status and RAG the action has (or, for a
    closing move, is about to have: the log is written before the action closes, since
    a closed action accepts nothing more, its log included)."""
    status = status or action.status
    if status in CLOSED_STATUSES:
        rag = CLOSED_RAG.get(status, RAG.CLOSED)
    else:
        rag = Action.objects.with_rag().values_list("current_rag", flat=True).get(pk=action.pk)
    return ProgressUpdate.objects.create(
        action=action,
        author=by,
        text=text,
        status_after=status,
        rag_after=rag,
        created_at=now,
        imported_from=imported_from,
    )


NOT_A_MEMBER = "Choose someone who is an active member of the force"
RELATED = ["finding", "force", "owner", "lead"]


def _require_member(force_id: int, user, field: str) -> None:
    active = Membership.objects.filter(force_id=force_id, user=user, user__is_active=True)
    if user is not None and not active.exists():
        raise ValidationError({field: NOT_A_MEMBER})


@dataclass
class NewAction:
    """One action to add: the single form's, or a row of the plan page."""

    finding: Finding
    title: str
    owner: object
    due_date: date
    lead: object = None
    description: str = ""
    priority: str = "medium"
    contributors: tuple = ()


class PlanRefused(Exception):
    """Some of the new actions are refused: ``errors`` maps each one's position in the
    list to its errors by field. Nothing was saved."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        super().__init__("Some actions could not be added.")
        self.errors = errors


@transaction.atomic
def actions_create(*, new: list[NewAction], by, reason: str = "") -> list[Action]:
    """Add actions to findings of one force, all or none: the one way actions are made
    (the single form, the plan page). A fixed number of queries however many: one for
    the membership of everyone named, one insert for the actions, one for their history,
    one for contributors."""
    if not new:
        return []
    forces = {item.finding.inspection.force_id for item in new}
    if len(forces) != 1:
        raise ValueError("New actions are added one force at a time.")
    force_id = forces.pop()
    if not user_may_manage(by, Action(force_id=force_id)):
        raise MoveRefused("Only a manager of the force can add an action.")
    named = {
        person.pk
        for item in new
        for person in (item.owner, item.lead, *item.contributors)
        if person is not None
    }
    members = set(
        Membership.objects.filter(
            force_id=force_id, user_id__in=named, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    errors: dict[int, dict[str, list[str]]] = {}
    actions = []
    for index, item in enumerate(new):
        action = Action(
            finding=item.finding,
            force_id=force_id,
            title=item.title,
            owner=item.owner,
            lead=item.lead,
            due_date=item.due_date,
            description=item.description,
            priority=item.priority,
        )
        problems: dict[str, list[str]] = {}
        try:
            # The related rows are in hand (no lookups per row); the database's own
            # constraints hold the rest, without a query per constraint per row.
            action.full_clean(exclude=RELATED, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems.update(exc.message_dict)
        for field, people in (
            ("owner", [item.owner]),
            ("lead", [item.lead]),
            ("contributors", item.contributors),
        ):
            if any(p is not None and p.pk not in members for p in people):
                problems.setdefault(field, []).append(NOT_A_MEMBER)
        if problems:
            errors[index] = problems
        actions.append(action)
    if errors:
        raise PlanRefused(errors)
    created = bulk_create_with_history(
        actions, Action, default_user=by, default_change_reason=reason[:100] or None
    )
    through = Action.contributors.through
    through.objects.bulk_create(
        through(action_id=action.pk, user_id=person.pk)
        for action, item in zip(created, new, strict=True)
        for person in item.contributors
    )
    board_cache.bump(force_id)  # a bulk insert sends no signals
    notifications.actions_assigned(
        [(action, action.owner, action.lead) for action in created], by=by
    )
    return created


def action_create(
    *,
    finding,
    title: str,
    owner,
    due_date: date,
    by,
    lead=None,
    description: str = "",
    priority: str = "medium",
    contributors=(),
) -> Action:
    """One action (the single form): ``actions_create`` with one, its errors by field."""
    item = NewAction(
        finding=finding,
        title=title,
        owner=owner,
        due_date=due_date,
        lead=lead,
        description=description,
        priority=priority,
        contributors=tuple(contributors),
    )
    try:
        return actions_create(new=[item], by=by)[0]
    except PlanRefused as exc:
        raise ValidationError(exc.errors[0]) from None


def evidence_from_upload(*, action, upload, by, update=None, description: str = "") -> Evidence:
    """Check the file by its content, then store it privately under a generated name with
    its SHA-256."""
    check_open(action)
    content_type = validate_evidence_file(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        action=action,
        update=update,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        description=description[:500],
        uploaded_by=by,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def progress_update_add(
    *,
    action: Action,
    by,
    text: str,
    to_status: str | None = None,
    expected_version: int | None = None,
    evidence_file=None,
    evidence_link: str = "",
    evidence_description: str = "",
    at=None,
    imported_from: str = "",
    no_evidence_reason: str = "",
) -> ProgressUpdate:
    """Log progress, optionally moving the status and attaching one piece of evidence.
    Only the owner, a contributor or a manager of the force may write to the log.
    Marking an action complete needs evidence (already attached, or with this update),
    or a reason why none applies, which the signer sees."""
    check_open(action)
    if not user_is_participant(by, action):
        raise MoveRefused("Only the owner, a contributor or a manager can update this action")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter what has been done"})
    now = at or timezone.now()
    changes: dict = {}
    if to_status and to_status != action.status:
        move = check_move(by, action, to_status)
        changes.update(_status_changes(move.target, by, now))
        if move.target == Status.COMPLETED:
            why = (no_evidence_reason or "").strip()
            has_evidence = evidence_file is not None or evidence_link or action.evidence.exists()
            if not has_evidence and not why:
                raise ValidationError(
                    {
                        "evidence_file": (
                            "Attach evidence before marking the action complete, or say "
                            "why no evidence applies"
                        )
                    }
                )
            changes["no_evidence_reason"] = "" if has_evidence else why
    changes["last_update_at"] = now
    reason = f"Status: {Status(changes['status']).label}" if "status" in changes else ""
    closing = changes.get("status") in CLOSED_STATUSES
    if closing:
        # The log entry goes in while the action is still open: once closed it accepts
        # nothing, its log included (a trigger on PostgreSQL).
        if evidence_file is not None or evidence_link:
            raise ValidationError("Attach evidence before the action is closed, not with it")
        claimed = _claim_row(action, expected_version)
        update = _log(action, by, text, now, status=changes["status"], imported_from=imported_from)
        _claim(action, None, by=by, reason=reason, claimed=claimed, **changes)
    else:
        _claim(action, expected_version, by=by, reason=reason, **changes)
        update = _log(action, by, text, now, imported_from=imported_from)
    if evidence_file is not None:
        evidence_from_upload(
            action=action,
            upload=evidence_file,
            by=by,
            update=update,
            description=evidence_description,
        )
    elif evidence_link:
        Evidence.objects.create(
            action=action,
            update=update,
            link=evidence_link,
            description=evidence_description[:500],
            uploaded_by=by,
        )
    return update


def _status_changes(target: str, by, now) -> dict:
    changes: dict = {"status": target}
    if target == Status.COMPLETED:
        changes.update(completed_at=now, completed_by=by)
    elif target == Status.SIGNED_OFF:
        changes.update(signed_off_at=now, signed_off_by=by)
    elif target in (Status.RETURNED, Status.IN_PROGRESS):
        changes.update(completed_at=None, completed_by=None)
    return changes


@transaction.atomic
def action_change_status(
    *,
    action: Action,
    to: str,
    by,
    reason: str = "",
    expected_version: int | None = None,
    at=None,
    no_evidence_reason: str = "",
) -> ProgressUpdate:
    """A status move made on its own (sign-off, return, cancel, supersede, …).

    The move is logged as a progress update so the log tells the whole story.
    """
    move = check_move(by, action, to)
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise ValidationError({"reason": f"Give a reason to {move.label.lower()} this action"})
    text = reason or f"{move.label}."
    if move.target == Status.SIGNED_OFF and not reason:
        text = "Signed off."
    update = progress_update_add(
        action=action,
        by=by,
        text=text,
        to_status=to,
        expected_version=expected_version,
        at=at,
        no_evidence_reason=no_evidence_reason,
    )
    notifications.action_decided(action, by=by, target=move.target, reason=reason)
    return update


def action_sign_off(*, action: Action, by, note: str = "", expected_version=None, at=None):
    return action_change_status(
        action=action,
        to=Status.SIGNED_OFF,
        by=by,
        reason=note,
        expected_version=expected_version,
        at=at,
    )


# Moves that are a manager's decision on the work, not progress on it: made through
# ``action_change_status`` (a reason where the move needs one, and the notification).
DECISIONS = frozenset({Status.SIGNED_OFF, Status.RETURNED, Status.CANCELLED, Status.SUPERSEDED})


def action_log_progress(
    *,
    action: Action,
    by,
    text: str,
    to_status: str | None = None,
    expected_version: int | None = None,
    evidence_link: str = "",
    evidence_description: str = "",
    no_evidence_reason: str = "",
) -> ProgressUpdate:
    """One entry for a log entry that may move the status (the API's): a decision goes
    through ``action_change_status`` with ``text`` as its reason, anything else through
    ``progress_update_add``. The workflow decides what is allowed either way."""
    if to_status in DECISIONS and to_status != action.status:
        if evidence_link:
            raise ValidationError(
                {"evidence_link": "Evidence goes with a progress update, not with a decision"}
            )
        return action_change_status(
            action=action,
            to=to_status,
            by=by,
            reason=text,
            expected_version=expected_version,
        )
    return progress_update_add(
        action=action,
        by=by,
        text=text,
        to_status=to_status or None,
        expected_version=expected_version,
        evidence_link=evidence_link,
        evidence_description=evidence_description,
        no_evidence_reason=no_evidence_reason,
    )


action_log_progress.alters_data = True
action_change_status.alters_data = True
action_sign_off.alters_data = True
progress_update_add.alters_data = True

__all__ = [
    "MoveRefused",
    "action_reassign",
    "finding_submit_evidence",
    "StaleAction",
    "action_change_status",
    "action_create",
    "action_sign_off",
    "evidence_from_upload",
    "progress_update_add",
]


@transaction.atomic
def action_reassign(
    *,
    action: Action,
    by,
    owner,
    lead,
    due_date: date,
    reason: str = "",
    expected_version: int | None = None,
    announce: bool = True,
) -> Action:
    """A manager changes the owner, the lead or the due date (a moved date needs a reason).
    ``announce=False``: the caller tells the owner itself (an approved extension)."""
    if not user_may_manage(by, action):
        raise MoveRefused("Only a manager of the force can reassign an action.")
    check_open(action)
    _require_member(action.force_id, owner, "owner")
    _require_member(action.force_id, lead, "lead")
    reason = (reason or "").strip()
    notes = []
    if owner.pk != action.owner_id:
        notes.append(
            f"Owner: {action.owner.get_full_name() or action.owner} → "
            f"{owner.get_full_name() or owner}"
        )
    if (lead and lead.pk) != action.lead_id:
        before = action.lead.get_full_name() if action.lead else "none"
        notes.append(f"Lead: {before} → {lead.get_full_name() if lead else 'none'}")
    if due_date != action.due_date:
        if not reason:
            raise ValidationError({"reason": "Give a reason for moving the due date"})
        if due_date < timezone.localdate():
            raise ValidationError({"due_date": "A due date can't be moved into the past"})
        notes.append(f"Due date: {action.due_date:%d %B %Y} → {due_date:%d %B %Y}")
    if not notes:
        return action
    before = {"owner": action.owner_id, "lead": action.lead_id, "due_date": action.due_date}
    now = timezone.now()
    summary = "; ".join(notes) + (f". Reason: {reason}" if reason else ".")
    # Written to the log, but not progress: the "no update for 30 days" clock
    # (last_update_at) counts only what the owner reports.
    _claim(
        action,
        expected_version,
        by=by,
        reason=summary,
        owner=owner,
        lead=lead,
        due_date=due_date,
    )
    _log(action, by, summary, now)
    notifications.actions_assigned(
        [
            (
                action,
                owner if owner.pk != before["owner"] else None,
                lead if lead is not None and lead.pk != before["lead"] else None,
            )
        ],
        by=by,
    )
    if announce and due_date != before["due_date"]:
        notifications.due_date_moved(
            action, by=by, old=before["due_date"], new=due_date, reason=reason
        )
    return action


def _names(people) -> str:
    return ", ".join(p.get_full_name() or p.get_username() for p in people) or "none"


@transaction.atomic
def action_edit(
    *,
    action: Action,
    by,
    title: str,
    description: str,
    priority: str,
    contributors,
    expected_version: int | None = None,
) -> Action:
    """A manager edits what the action is: its title, description, priority and
    contributors. Each change is in the history, with what it was before."""
    if not user_may_manage(by, action):
        raise MoveRefused("Only a manager of the force can edit an action.")
    check_open(action)
    contributors = list(contributors)
    for person in contributors:
        _require_member(action.force_id, person, "contributors")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Enter a title for the action"})
    before_people = {p.pk: p for p in action.contributors.all()}
    notes = []
    if title != action.title:
        notes.append(f"Title: “{action.title}” → “{title}”")
    if (description or "") != action.description:
        notes.append("Description changed")
    if priority != action.priority:
        notes.append(
            f"Priority: {action.get_priority_display()} → {Action(priority=priority).get_priority_display()}"
        )
    if {p.pk for p in contributors} != set(before_people):
        notes.append(f"Contributors: {_names(before_people.values())} → {_names(contributors)}")
    if not notes:
        return action
    _claim(
        action,
        expected_version,
        by=by,
        reason="; ".join(notes),
        title=title,
        description=description or "",
        priority=priority,
    )
    action.contributors.set(contributors)
    return action


@transaction.atomic
def extension_request(*, action: Action, by, due_date: date, reason: str) -> ExtensionRequest:
    """The owner asks for more time: a later date and why. One request waits at a time."""
    check_open(action)
    if action.owner_id != by.pk:
        raise MoveRefused("Only the action's owner can ask for more time.")
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = ["Say why more time is needed"]
    if due_date is None or due_date <= action.due_date:
        errors["due_date"] = [f"Ask for a date after {action.due_date:%-d %B %Y}"]
    elif due_date < timezone.localdate():
        errors["due_date"] = ["Ask for a date in the future"]
    if errors:
        raise ValidationError(errors)
    if action.extension_requests.filter(status=ExtensionRequest.State.PENDING).exists():
        raise ValidationError("A request for more time is already waiting for a manager")
    request = ExtensionRequest.objects.create(
        action=action, requested_by=by, due_date=due_date, reason=reason
    )
    _log(
        action,
        by,
        f"Asked for more time: due {due_date:%-d %B %Y} instead of "
        f"{action.due_date:%-d %B %Y}. Reason: {reason}",
        timezone.now(),
    )
    notifications.extension_requested(request, by=by)
    return request


@transaction.atomic
def extension_decide(*, request: ExtensionRequest, by, approve: bool, note: str = ""):
    """A manager approves (the due date moves) or refuses (with a reason) a request."""
    action = request.action
    if not user_may_manage(by, action):
        raise MoveRefused("Only a manager of the force can decide on more time.")
    if request.status != ExtensionRequest.State.PENDING:
        raise MoveRefused("This request has already been decided.")
    if request.requested_by_id == by.pk:
        raise MoveRefused("You asked for this time, so another manager must decide.")
    check_open(action)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "Say why the request is refused"})
    if approve:
        action_reassign(
            action=action,
            by=by,
            owner=action.owner,
            lead=action.lead,
            due_date=request.due_date,
            reason=f"More time approved: {request.reason}"[:500],
            announce=False,
        )
    else:
        _log(action, by, f"Request for more time refused: {note}", timezone.now())
    request.status = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REFUSED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    notifications.extension_decided(request, by=by)
    return request


@dataclass
class BulkResult:
    changed: list
    skipped: list  # (action, why)


def actions_bulk_change(
    *, actions, by, owner=None, lead=None, due_date=None, reason: str = ""
) -> BulkResult:
    """Reassign the owner or lead, or move the due date, of many actions (someone leaves,
    a programme slips): each through ``action_reassign``, so each checks its own rules
    and writes its own history and log entry. A closed action, or one the user does not
    manage, is skipped and reported; the others change."""
    result = BulkResult([], [])
    for action in actions:
        try:
            with transaction.atomic():
                action_reassign(
                    action=action,
                    by=by,
                    owner=owner or action.owner,
                    lead=lead if lead is not None else action.lead,
                    due_date=due_date or action.due_date,
                    reason=reason,
                )
        except MoveRefused as exc:
            result.skipped.append((action, str(exc)))
        except StaleAction:
            result.skipped.append((action, "someone else changed it meanwhile; try again"))
        except ValidationError as exc:
            result.skipped.append((action, "; ".join(exc.messages)))
        else:
            result.changed.append(action)
    return result


@transaction.atomic
def finding_submit_evidence(*, finding, by):
    """The force tells the inspectorate a finding is answered: all actions signed off.
    The move itself is the finding workflow's (``inspections.services``)."""
    try:
        check_finding_move(finding=finding, to=Finding.Status.EVIDENCE_SUBMITTED, by=by)
    except ValidationError as exc:
        raise MoveRefused(exc.messages[0] + ".") from exc
    actions = finding.actions.exclude(status__in=INACTIVE_STATUSES)
    if not actions.exists():
        raise MoveRefused("Add an action to the finding first.")
    if actions.exclude(status=Status.SIGNED_OFF).exists():
        raise MoveRefused("Every action must be signed off before the finding is submitted.")
    if finding.status == Finding.Status.RETURNED and not new_since_return(finding):
        raise MoveRefused(
            f"The inspectorate returned this finding on {finding.status_changed_at:%-d %B %Y}. "
            "Add something new first (an update, evidence or an action) that answers why."
        )
    return finding_move(finding=finding, to=Finding.Status.EVIDENCE_SUBMITTED, by=by)


def new_since_return(finding) -> bool:
    """Whether anything was added to a returned finding since the inspectorate returned
    it: an action, an update or evidence. The one home of "may be resubmitted"."""
    since = finding.status_changed_at
    if since is None:
        return True
    return (
        finding.actions.filter(created_at__gt=since).exists()
        or ProgressUpdate.objects.filter(action__finding=finding, created_at__gt=since).exists()
        or Evidence.objects.filter(action__finding=finding, created_at__gt=since).exists()
    )


action_reassign.alters_data = True
finding_submit_evidence.alters_data = True
