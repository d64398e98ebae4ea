"""The action status workflow (docs/architecture.md): one explicit map of allowed moves and who
may make each. Services consult it; pages list ``available_moves`` from it; nothing
else decides whether a move is legal."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from inspections.roles import user_is_manager_of

from .models import OPEN_STATUSES, Status

# Who may make a move.
PARTICIPANT = "participant"  # the owner, a contributor or a manager of the force
OWNER = "owner"  # the owner (or a manager of the force on the owner's behalf)
MANAGER = "manager"  # a manager of the force
# a manager of the force who is neither the owner nor whoever marked it complete
MANAGER_NOT_OWNER = "manager_not_owner"


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    who: str
    needs_reason: bool = False
    label: str = ""


def _moves() -> dict[tuple[str, str], Move]:
    moves = [
        Move(Status.NOT_STARTED, Status.IN_PROGRESS, PARTICIPANT, label="Start work"),
        Move(Status.NOT_STARTED, Status.BLOCKED, PARTICIPANT, label="Mark blocked"),
        Move(Status.IN_PROGRESS, Status.BLOCKED, PARTICIPANT, label="Mark blocked"),
        Move(Status.BLOCKED, Status.IN_PROGRESS, PARTICIPANT, label="Unblock"),
        Move(Status.IN_PROGRESS, Status.COMPLETED, OWNER, label="Mark complete"),
        Move(Status.RETURNED, Status.IN_PROGRESS, PARTICIPANT, label="Resume work"),
        Move(Status.RETURNED, Status.COMPLETED, OWNER, label="Mark complete"),
        Move(Status.COMPLETED, Status.SIGNED_OFF, MANAGER_NOT_OWNER, label="Sign off"),
        Move(Status.COMPLETED, Status.RETURNED, MANAGER, needs_reason=True, label="Return"),
    ]
    # Closing an action without doing it is a closing too: never by its owner alone.
    for source in OPEN_STATUSES:
        moves.append(
            Move(source, Status.CANCELLED, MANAGER_NOT_OWNER, needs_reason=True, label="Cancel")
        )
        moves.append(
            Move(source, Status.SUPERSEDED, MANAGER_NOT_OWNER, needs_reason=True, label="Supersede")
        )
    return {(m.source, m.target): m for m in moves}


MOVES = _moves()


class MoveRefused(Exception):
    """An illegal move or a user who may not make it; the message is for the user."""


def user_may_manage(user, action) -> bool:
    """A manager of the action's force: the one "may manage" check for an action."""
    return user_is_manager_of(user, action.force_id)


def user_is_participant(user, action) -> bool:
    if action.owner_id == user.pk or user_may_manage(user, action):
        return True
    return action.contributors.filter(pk=user.pk).exists()


def _is_second_pair_of_eyes(user, action) -> bool:
    return user.pk not in (action.owner_id, action.completed_by_id)


def second_pair_of_eyes_q(user) -> Q:
    """``_is_second_pair_of_eyes`` for a query: actions this user neither owns nor
    completed (a manager's "awaiting my sign-off" list)."""
    return ~Q(owner=user) & ~Q(completed_by=user)


def user_may(user, action, who: str) -> bool:
    is_manager = user_may_manage(user, action)
    if who == MANAGER:
        return is_manager
    if who == MANAGER_NOT_OWNER:
        return is_manager and _is_second_pair_of_eyes(user, action)
    if who == OWNER:
        return is_manager or action.owner_id == user.pk
    return user_is_participant(user, action)


def check_open(action) -> None:
    """Closed actions (signed off, cancelled, superseded) accept no writes at all."""
    if not action.is_open:
        raise MoveRefused(
            f"This action is “{action.get_status_display()}”: it can no longer be changed"
        )


def check_move(user, action, target: str) -> Move:
    """The move from the action's status to ``target``, or MoveRefused saying why."""
    move = MOVES.get((action.status, target))
    if move is None:
        raise MoveRefused(
            f"An action that is “{action.get_status_display()}” cannot be moved to "
            f"“{Status(target).label}”"
        )
    if not user_may(user, action, move.who):
        deed = "sign it off" if move.target == Status.SIGNED_OFF else f"{move.label.lower()} it"
        if move.who == MANAGER_NOT_OWNER and action.owner_id == user.pk:
            raise MoveRefused(f"You own this action, so someone else must {deed}")
        if move.who == MANAGER_NOT_OWNER and action.completed_by_id == user.pk:
            raise MoveRefused(f"You marked this action complete, so someone else must {deed}")
        raise MoveRefused(
            {
                MANAGER: "Only a manager of the force can do that",
                MANAGER_NOT_OWNER: "Only a manager of the force can sign off an action",
                OWNER: "Only the action's owner or a manager can mark it complete",
                PARTICIPANT: "Only the owner, a contributor or a manager can change this action",
            }[move.who]
        )
    return move


def available_moves(user, action) -> list[Move]:
    return [
        move
        for (source, _), move in MOVES.items()
        if source == action.status and user_may(user, action, move.who)
    ]
