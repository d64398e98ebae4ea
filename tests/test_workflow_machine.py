"""A Hypothesis state machine over the action workflow.

Each example creates a fresh action (status "not started") on a fresh finding of force
Alpha and lets seven personas try, in random order, every operation the services offer:
every status move (with and without a reason), progress notes with and without a move
and with a link as evidence, reassignment (owner, lead, due date with and without a
reason), sign-off and submitting the finding's evidence. Some calls are made with a
stale copy of the action or a stale ``expected_version``.

A shadow model predicts, from ``workflow.MOVES`` and the who-rules, whether each call is
accepted, refused or a no-op, and what the action looks like afterwards; the database is
reloaded after every step and checked against it and against the invariants:

1. the status is a legal ``Status``; every status change is a move of ``MOVES`` made by
   someone the who-rules allow (and ``check_move`` agrees with the shadow's who-rules);
2. four eyes: whoever signs off is neither the owner nor whoever marked it complete;
3. a closed action (signed off, cancelled, superseded) is frozen: its row, its history,
   its progress updates and its evidence never change again, whatever is attempted;
4. the progress log (and evidence) is append-only; each successful write adds exactly
   one update, whose ``status_after`` is the action's status after the write;
5. other-force users, inspectors and non-participants never change anything.

A refused call (``MoveRefused``, ``ValidationError``, ``StaleAction``) must write
nothing: the action row, its version, its history and its counts of updates and
evidence are compared before and after, reloaded from the database.

pytest-django's ``db`` fixture wraps the *test* in one transaction, not each Hypothesis
example, so every example runs inside its own ``transaction.atomic()`` block that the
machine's ``teardown`` rolls back. The clock is frozen (time-machine, not ticking), and
due dates are relative to the frozen day.
"""

from __future__ import annotations

import collections
import copy
import datetime
import os
import time
import zoneinfo
from dataclasses import dataclass, field

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from improvements import services
from improvements.boards import tally_recount, tally_rows
from improvements.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Action,
    Evidence,
    ProgressUpdate,
    Status,
)
from improvements.services import MoveRefused, StaleAction
from improvements.workflow import (
    MANAGER,
    MANAGER_NOT_OWNER,
    MOVES,
    OWNER,
    PARTICIPANT,
    check_move,
)
from inspections.models import Finding, Membership

from .factories import (
    FindingFactory,
    ForceFactory,
    InspectionFactory,
    JudgmentFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
FROZEN = datetime.datetime(2026, 3, 2, 10, 30, tzinfo=LOCAL)  # a Monday, GMT
TODAY = FROZEN.date()
INITIAL_DUE = TODAY + datetime.timedelta(days=60)

# Ordered so that Hypothesis shrinks towards the owner.
PERSONAS = (
    "owner",  # staff of Alpha, the action's first owner
    "contributor",  # staff of Alpha, a contributor to the action
    "manager_a",  # manager of Alpha (creates the action, first lead)
    "manager_b",  # another manager of Alpha, so four eyes can succeed
    "bystander",  # staff of Alpha, not a participant
    "inspector",  # the inspectorate (no membership)
    "outsider",  # staff of Beta
)
MANAGERS = frozenset({"manager_a", "manager_b"})
CONTRIBUTORS = frozenset({"contributor"})
MEMBER_OWNERS = ("owner", "contributor", "manager_a", "manager_b")
MEMBERS = frozenset({"owner", "contributor", "manager_a", "manager_b", "bystander"})

REFUSALS = (MoveRefused, ValidationError, StaleAction)
ACCEPT, REFUSE, NOOP = "accept", "refuse", "noop"

REASONS = ("", "   ", "Agreed at the performance board.")
TEXTS = ("Trained the first cohort.", "Audit booked for May.", "  \n ")
LINK = "https://intranet.alpha.police.uk/evidence/briefing-note"
# How the caller holds the action: freshly loaded (implicit or explicit version), with a
# stale expected_version, or the copy loaded two steps ago (stale if anything was
# written since).
HANDLES = ("fresh", "fresh", "fresh_version", "stale_version", "previous")


# --- The world: personas, created once per test ---------------------------------------


@dataclass
class World:
    alpha: object
    users: dict
    ids: dict  # persona -> user pk
    names: dict  # user pk -> persona


def build_world() -> World:
    alpha = ForceFactory(name="Alpha Police", slug="alpha-police")
    beta = ForceFactory(name="Beta Police", slug="beta-police")
    roles = {
        "owner": (alpha, Membership.Role.STAFF),
        "contributor": (alpha, Membership.Role.STAFF),
        "manager_a": (alpha, Membership.Role.MANAGER),
        "manager_b": (alpha, Membership.Role.MANAGER),
        "bystander": (alpha, Membership.Role.STAFF),
        "outsider": (beta, Membership.Role.STAFF),
    }
    users = {}
    for persona in PERSONAS:
        if persona == "inspector":
            users[persona] = UserFactory(username="wm-inspector", inspector=True)
            continue
        users[persona] = UserFactory(username=f"wm-{persona}")
        force, role = roles[persona]
        MembershipFactory(user=users[persona], force=force, role=role)
    ids = {persona: user.pk for persona, user in users.items()}
    return World(alpha=alpha, users=users, ids=ids, names={v: k for k, v in ids.items()})


# --- The shadow model -------------------------------------------------------------------


@dataclass
class View:
    """What the shadow believes about the action (or about a copy a caller holds)."""

    status: str = Status.NOT_STARTED
    owner: str = "owner"
    lead: str | None = "manager_a"
    due_date: datetime.date = INITIAL_DUE
    completer: str | None = None  # who completed it, until a return or resume clears it
    signer: str | None = None
    version: int = 1
    updates: int = 0
    evidence: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def is_participant(view: View, persona: str) -> bool:
    return persona == view.owner or persona in CONTRIBUTORS or persona in MANAGERS


def who_allows(view: View, persona: str, who: str) -> bool:
    """The who-rules of docs/architecture.md, written independently of workflow.py."""
    manager = persona in MANAGERS
    if who == MANAGER:
        return manager
    if who == MANAGER_NOT_OWNER:
        return manager and persona not in (view.owner, view.completer)
    if who == OWNER:
        return manager or persona == view.owner
    assert who == PARTICIPANT, who
    return is_participant(view, persona)


def legal_move(view: View, persona: str, target: str):
    """The move of the map, if ``persona`` may make it from ``view``; else None."""
    move = MOVES.get((view.status, target))
    if move is None or not who_allows(view, persona, move.who):
        return None
    return move


@dataclass
class Stats:
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    moves: collections.Counter = field(default_factory=collections.Counter)
    examples: int = 0


# --- The machine ------------------------------------------------------------------------


class ActionWorkflow(RuleBasedStateMachine):
    def __init__(self, world: World, stats: Stats):
        super().__init__()
        self.world = world
        self.stats = stats
        stats.examples += 1
        # One savepoint per example, rolled back in teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.pk = None

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------

    def user(self, persona):
        return self.world.users[persona]

    def persona_of(self, user_id):
        return None if user_id is None else self.world.names[user_id]

    def load(self) -> Action:
        return Action.objects.select_related("finding__inspection", "owner", "lead").get(pk=self.pk)

    def snapshot(self) -> dict:
        """Everything a write could touch, reloaded from the database."""
        row = Action.objects.filter(pk=self.pk).values().get()
        return {
            "row": row,
            "contributors": sorted(
                Action.contributors.through.objects.filter(action_id=self.pk).values_list(
                    "user_id", flat=True
                )
            ),
            "updates": sorted(
                ProgressUpdate.objects.filter(action_id=self.pk)
                .values_list("pk", "text", "author_id", "status_after", "created_at")
                .order_by("pk")
            ),
            "evidence": sorted(
                Evidence.objects.filter(action_id=self.pk)
                .values_list("pk", "link", "update_id", "uploaded_by_id")
                .order_by("pk")
            ),
            "history": Action.history.filter(id=self.pk).count(),
        }

    def finding_status(self) -> str:
        return Finding.objects.values_list("status", flat=True).get(pk=self.finding_pk)

    def handle(self, kind: str):
        """(action object to pass, expected_version to pass, the shadow view it shows)."""
        if kind == "previous":
            action, view = self.previous
            return action, None, view
        action, view = self.load(), copy.copy(self.shadow)
        if kind == "fresh_version":
            return action, view.version, view
        if kind == "stale_version":
            # Version 0 never exists, so this is always stale.
            return action, view.version - 1, view
        return action, None, view

    def is_stale(self, view: View, expected_version) -> bool:
        held = view.version if expected_version is None else expected_version
        return held != self.shadow.version

    def attempt(self, call):
        try:
            return ACCEPT, call()
        except REFUSALS as exc:
            return REFUSE, exc

    def settle(self, name, predicted, outcome, before, persona, *, status_after=None):
        """Compare the service's outcome with the prediction and check what was written."""
        after = self.current = self.snapshot()
        got, result = outcome
        if got == ACCEPT and predicted == NOOP:
            got = NOOP if after == before else ACCEPT
        self.stats.outcomes[(name, got)] += 1
        assert got == predicted, (
            f"{name} by {persona}: the shadow model predicted {predicted}, the service "
            f"{'refused: ' + repr(result) if got == REFUSE else got}"
        )
        if got in (REFUSE, NOOP):
            # Invariant: a refused call (or a no-op) writes nothing.
            assert after == before, f"{name} by {persona} was refused but wrote: {result!r}"
            return
        # One write: the version moves by one and exactly one update is appended.
        assert after["row"]["version"] == before["row"]["version"] + 1
        old = {u[0] for u in before["updates"]}
        new = [u for u in after["updates"] if u[0] not in old]
        assert len(new) == 1, f"{name} appended {len(new)} progress updates"
        (pk, text, author_id, update_status, created_at) = new[0]
        assert author_id == self.world.ids[persona]
        assert text.strip() and text == text.strip()
        assert update_status == status_after == after["row"]["status"], (
            f"{name}: the new update says {update_status!r}, the action is "
            f"{after['row']['status']!r}"
        )
        assert created_at == FROZEN
        if name == "reassign":
            # A reassignment is logged but is not progress: the staleness clock stays.
            assert after["row"]["last_update_at"] == before["row"]["last_update_at"]
        else:
            assert after["row"]["last_update_at"] == FROZEN
        return new[0]

    def apply_move(self, move, persona):
        shadow = self.shadow
        self.stats.moves[(move.source, move.target, persona)] += 1
        shadow.status = move.target
        if move.target == Status.COMPLETED:
            shadow.completer = persona
        elif move.target in (Status.RETURNED, Status.IN_PROGRESS):
            # A return (or resuming) discards the completion: nobody has completed it now.
            shadow.completer = None
        if move.target == Status.SIGNED_OFF:
            # Invariant 2, in the shadow too.
            assert persona not in (shadow.owner, shadow.completer)
            shadow.signer = persona

    def cross_check_map(self, action, view, persona, target):
        """``check_move`` must agree with the shadow's map + who-rules."""
        expected = legal_move(view, persona, target)
        try:
            got = check_move(self.user(persona), action, target)
        except MoveRefused:
            got = None
        assert got == expected, (
            f"check_move({persona}, {view.status} -> {target}) gave {got}, the who-rules "
            f"say {expected}"
        )

    # --- initialise ------------------------------------------------------------------

    @initialize()
    def create_action(self):
        n = self.stats.examples
        inspection = InspectionFactory(force=self.world.alpha, programme=f"PEEL WM {n}")
        judgment = JudgmentFactory(inspection=inspection, number=1)
        finding = FindingFactory(judgment=judgment, reference=f"Q1-AFI-{n}")
        action = services.action_create(
            finding=finding,
            title=f"Workflow machine action {n}",
            owner=self.user("owner"),
            lead=self.user("manager_a"),
            due_date=INITIAL_DUE,
            by=self.user("manager_a"),
            contributors=[self.user("contributor")],
        )
        self.pk = action.pk
        self.finding_pk = finding.pk
        self.shadow = View()
        self.finding_shadow = Finding.Status.OPEN
        self.frozen = None  # the snapshot taken when the action closed
        self.seen_updates = {}
        self.seen_evidence = {}
        self.max_updates = 0
        self.observed = []  # (from, to) of every status change observed
        self.latest = (self.load(), copy.copy(self.shadow))
        self.previous = self.latest
        self.current = self.snapshot()
        assert action.status == Status.NOT_STARTED

    # --- rules -----------------------------------------------------------------------

    @rule(
        persona=st.sampled_from(PERSONAS),
        to=st.sampled_from(Status.values),
        reason=st.sampled_from(REASONS),
        held=st.sampled_from(HANDLES),
    )
    def change_status(self, persona, to, reason, held):
        action, expected_version, view = self.handle(held)
        self.cross_check_map(action, view, persona, to)
        move = legal_move(view, persona, to)
        if (
            move is None
            or (move.needs_reason and not reason.strip())
            or self.is_stale(view, expected_version)
        ):
            predicted = REFUSE
        else:
            predicted = ACCEPT
        before = self.current
        outcome = self.attempt(
            lambda: services.action_change_status(
                action=action,
                to=to,
                by=self.user(persona),
                reason=reason,
                expected_version=expected_version,
                # Evidence before completion is its own test (test_services_actions).
                no_evidence_reason="Nothing to attach.",
            )
        )
        if predicted == ACCEPT:
            self.apply_move(move, persona)
            self.shadow.version += 1
            self.shadow.updates += 1
        self.settle("change_status", predicted, outcome, before, persona, status_after=to)

    @rule(
        persona=st.sampled_from(PERSONAS),
        note=st.sampled_from(("", "Evidence checked against the plan.")),
        held=st.sampled_from(HANDLES),
    )
    def sign_off(self, persona, note, held):
        action, expected_version, view = self.handle(held)
        self.cross_check_map(action, view, persona, Status.SIGNED_OFF)
        move = legal_move(view, persona, Status.SIGNED_OFF)
        predicted = ACCEPT
        if move is None or self.is_stale(view, expected_version):
            predicted = REFUSE
        before = self.current
        outcome = self.attempt(
            lambda: services.action_sign_off(
                action=action, by=self.user(persona), note=note, expected_version=expected_version
            )
        )
        if predicted == ACCEPT:
            self.apply_move(move, persona)
            self.shadow.version += 1
            self.shadow.updates += 1
        self.settle("sign_off", predicted, outcome, before, persona, status_after=Status.SIGNED_OFF)

    @rule(
        persona=st.sampled_from(PERSONAS),
        text=st.sampled_from(TEXTS),
        to=st.one_of(st.none(), st.sampled_from(Status.values)),
        with_link=st.booleans(),
        held=st.sampled_from(HANDLES),
    )
    def add_update(self, persona, text, to, with_link, held):
        action, expected_version, view = self.handle(held)
        move = None
        if not view.is_open or not text.strip():
            predicted = REFUSE
        elif not is_participant(view, persona):
            predicted = REFUSE  # invariant 5: non-participants change nothing
        elif to and to != view.status:
            self.cross_check_map(action, view, persona, to)
            move = legal_move(view, persona, to)
            predicted = REFUSE if move is None or with_link and to in CLOSED_STATUSES else ACCEPT
        else:
            predicted = ACCEPT
        if predicted == ACCEPT and self.is_stale(view, expected_version):
            predicted = REFUSE
        before = self.current
        outcome = self.attempt(
            lambda: services.progress_update_add(
                action=action,
                by=self.user(persona),
                text=text,
                to_status=to,
                expected_version=expected_version,
                evidence_link=LINK if with_link else "",
                evidence_description="Briefing note" if with_link else "",
                no_evidence_reason="Nothing to attach.",
            )
        )
        if predicted == ACCEPT:
            if move is not None:
                self.apply_move(move, persona)
            self.shadow.version += 1
            self.shadow.updates += 1
            self.shadow.evidence += int(with_link)
        new = self.settle(
            "add_update", predicted, outcome, before, persona, status_after=self.shadow.status
        )
        if new is not None:
            assert new[1] == text.strip()
            evidence = Evidence.objects.filter(update_id=new[0])
            if with_link:
                assert list(evidence.values_list("link", "uploaded_by_id")) == [
                    (LINK, self.world.ids[persona])
                ]
            else:
                assert not evidence.exists()

    @rule(
        persona=st.sampled_from(PERSONAS),
        new_owner=st.sampled_from((*MEMBER_OWNERS, "outsider")),
        new_lead=st.sampled_from(("keep", None, "manager_a", "manager_b")),
        due=st.sampled_from(("keep", 60, 30, -5, 120)),
        reason=st.sampled_from(REASONS),
        held=st.sampled_from(HANDLES),
    )
    def reassign(self, persona, new_owner, new_lead, due, reason, held):
        action, expected_version, view = self.handle(held)
        lead = view.lead if new_lead == "keep" else new_lead
        due_date = view.due_date if due == "keep" else TODAY + datetime.timedelta(days=due)
        changed = (new_owner, lead, due_date) != (view.owner, view.lead, view.due_date)
        if (
            persona not in MANAGERS
            or not view.is_open
            or new_owner not in MEMBERS
            or due_date != view.due_date
            and not reason.strip()
        ):
            predicted = REFUSE
        elif not changed:
            predicted = NOOP
        elif self.is_stale(view, expected_version):
            predicted = REFUSE
        else:
            predicted = ACCEPT
        before = self.current
        outcome = self.attempt(
            lambda: services.action_reassign(
                action=action,
                by=self.user(persona),
                owner=self.user(new_owner),
                lead=self.user(lead) if lead else None,
                due_date=due_date,
                reason=reason,
                expected_version=expected_version,
            )
        )
        if predicted == ACCEPT:
            self.shadow.owner, self.shadow.lead, self.shadow.due_date = new_owner, lead, due_date
            self.shadow.version += 1
            self.shadow.updates += 1
        self.settle("reassign", predicted, outcome, before, persona, status_after=view.status)

    @precondition(lambda self: self.shadow.status in (Status.COMPLETED, *CLOSED_STATUSES))
    @rule(persona=st.sampled_from(PERSONAS))
    def submit_evidence(self, persona):
        finding = Finding.objects.select_related("inspection").get(pk=self.finding_pk)
        accepted = (
            persona in MANAGERS
            and self.finding_shadow in (Finding.Status.OPEN, Finding.Status.RETURNED)
            and self.shadow.status == Status.SIGNED_OFF
        )
        before = self.current
        finding_before = self.finding_status()
        got, result = self.attempt(
            lambda: services.finding_submit_evidence(finding=finding, by=self.user(persona))
        )
        self.stats.outcomes[("submit_evidence", got)] += 1
        assert got == (ACCEPT if accepted else REFUSE), (persona, result)
        # The action itself is never touched by the finding's move.
        self.current = self.snapshot()
        assert self.current == before
        if accepted:
            self.finding_shadow = Finding.Status.EVIDENCE_SUBMITTED
        else:
            assert self.finding_status() == finding_before

    def may_walk(self):
        return self.shadow.is_open or (
            self.shadow.status == Status.SIGNED_OFF
            and self.finding_shadow != Finding.Status.EVIDENCE_SUBMITTED
        )

    @precondition(may_walk)
    @rule(data=st.data())
    def make_a_legal_move(self, data):
        """Walk the map: a move the shadow says is allowed, made one of the ways the
        services offer, so that the machine reaches sign-off (and submits the finding)
        and not only refusals. Moves forward are drawn three times as often as others."""
        if not self.shadow.is_open:
            persona = data.draw(st.sampled_from(sorted(MANAGERS)), label="persona")
            self.submit_evidence(persona=persona)
            return
        if data.draw(st.sampled_from(("move", "move", "move", "reassign")), label="kind") != "move":
            self.reassign(
                persona=data.draw(st.sampled_from(sorted(MANAGERS)), label="persona"),
                new_owner=data.draw(st.sampled_from(MEMBER_OWNERS), label="new_owner"),
                new_lead="keep",
                due=data.draw(st.sampled_from(("keep", 30, 120)), label="due"),
                reason=REASONS[-1],
                held="fresh",
            )
            return
        targets = {
            target
            for target in Status.values
            for persona in PERSONAS
            if legal_move(self.shadow, persona, target)
        }
        forward = (Status.IN_PROGRESS, Status.COMPLETED, Status.SIGNED_OFF)
        weighted = [
            t for t in Status.values if t in targets for _ in range(3 if t in forward else 1)
        ]
        target = data.draw(st.sampled_from(weighted), label="target")
        allowed = [p for p in PERSONAS if legal_move(self.shadow, p, target)]
        persona = data.draw(st.sampled_from(allowed), label="persona")
        ways = ["change_status", "add_update"]
        if target == Status.SIGNED_OFF:
            ways.append("sign_off")
        way = data.draw(st.sampled_from(ways), label="way")
        if way == "change_status":
            self.change_status(persona=persona, to=target, reason=REASONS[-1], held="fresh")
        elif way == "add_update":
            self.add_update(
                persona=persona, text=TEXTS[0], to=target, with_link=False, held="fresh"
            )
        else:
            self.sign_off(persona=persona, note="", held="fresh")

    @precondition(may_walk)
    @rule(data=st.data())
    def make_another_legal_move(self, data):
        """The same again, so that two of the rules walk the map."""
        self.make_a_legal_move(data)

    @precondition(lambda self: self.shadow.status == Status.COMPLETED)
    @rule(data=st.data())
    def try_four_eyes(self, data):
        """While an action waits for sign-off, the people four eyes is about (whoever
        marked it complete, the owner, the managers) try to sign it off, by any way."""
        people = list(dict.fromkeys([self.shadow.completer, self.shadow.owner, *sorted(MANAGERS)]))
        persona = data.draw(st.sampled_from(people), label="persona")
        way = data.draw(st.sampled_from(("sign_off", "change_status", "add_update")), label="way")
        if way == "sign_off":
            self.sign_off(persona=persona, note="", held="fresh")
        elif way == "change_status":
            self.change_status(persona=persona, to=Status.SIGNED_OFF, reason="", held="fresh")
        else:
            self.add_update(
                persona=persona, text=TEXTS[0], to=Status.SIGNED_OFF, with_link=False, held="fresh"
            )

    @precondition(lambda self: not self.shadow.is_open)
    @rule(data=st.data())
    def try_to_change_a_closed_action(self, data):
        """Once closed, the people who could change it while open try everything, with a
        fresh copy or one loaded before it closed."""
        persona = data.draw(st.sampled_from(MEMBER_OWNERS), label="persona")
        held = data.draw(st.sampled_from(("fresh", "previous")), label="held")
        what = data.draw(st.sampled_from(("note", "move", "reassign")), label="what")
        if what == "note":
            self.add_update(
                persona=persona,
                text=TEXTS[0],
                to=None,
                with_link=data.draw(st.booleans(), label="with_link"),
                held=held,
            )
        elif what == "move":
            target = data.draw(st.sampled_from(Status.values), label="target")
            self.change_status(persona=persona, to=target, reason=REASONS[-1], held=held)
        else:
            self.reassign(
                persona=persona,
                new_owner=data.draw(st.sampled_from(MEMBER_OWNERS), label="new_owner"),
                new_lead=None,
                due=120,
                reason=REASONS[-1],
                held=held,
            )

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def database_matches_the_shadow(self):
        if self.pk is None:
            return
        now = self.current  # reloaded from the database after the step
        row, shadow = now["row"], self.shadow
        names = self.persona_of

        # 0. The boards' tally, kept by triggers, is what a recount finds.
        assert tally_rows() == tally_recount()

        # 1. A legal status; every change observed is a move of the map by someone allowed.
        assert row["status"] in Status.values
        last = self.observed[-1][1] if self.observed else Status.NOT_STARTED
        if row["status"] != last:
            self.observed.append((last, row["status"]))
            assert (last, row["status"]) in MOVES, f"{last} -> {row['status']} is not a move"
        assert row["status"] == shadow.status, (row["status"], shadow.status)
        assert names(row["owner_id"]) == shadow.owner
        assert names(row["lead_id"]) == shadow.lead
        assert row["due_date"] == shadow.due_date
        assert row["version"] == shadow.version
        assert len(now["updates"]) == shadow.updates
        assert len(now["evidence"]) == shadow.evidence
        assert now["contributors"] == [self.world.ids["contributor"]]
        if row["status"] in (Status.COMPLETED, Status.SIGNED_OFF):
            assert names(row["completed_by_id"]) == shadow.completer
            assert row["completed_at"] == FROZEN

        # 2. Four eyes.
        if row["status"] == Status.SIGNED_OFF:
            assert row["signed_off_by_id"] is not None and row["signed_off_at"] == FROZEN
            assert names(row["signed_off_by_id"]) == shadow.signer
            assert row["signed_off_by_id"] not in (row["owner_id"], row["completed_by_id"])
        else:
            assert row["signed_off_by_id"] is None

        # 3. A closed action is frozen from the moment it closed.
        if row["status"] in CLOSED_STATUSES:
            if self.frozen is None:
                self.frozen = now
            assert now == self.frozen, "a closed action changed"
        else:
            assert self.frozen is None, "a closed action reopened"

        # 4. The log (and the evidence) is append-only.
        current = {u[0]: u[1:] for u in now["updates"]}
        for pk, seen in self.seen_updates.items():
            assert current.get(pk) == seen, f"progress update {pk} changed or vanished"
        assert len(current) >= self.max_updates
        self.seen_updates.update(current)
        self.max_updates = len(current)
        evidence = {e[0]: e[1:] for e in now["evidence"]}
        for pk, seen in self.seen_evidence.items():
            assert evidence.get(pk) == seen, f"evidence {pk} changed or vanished"
        self.seen_evidence.update(evidence)

        assert self.finding_status() == self.finding_shadow

        # Copies of the action for the "previous" handle: the one loaded a step ago
        # becomes the stale one.
        self.previous, self.latest = self.latest, (self.load(), copy.copy(self.shadow))


# --- The test ---------------------------------------------------------------------------

# CI runs the same examples every time (derandomize): a random find there would stop a
# submission for a reason nobody can reproduce. To explore, run with more examples and
# fresh randomness: PEEL_MACHINE_EXAMPLES=1000 PEEL_MACHINE_RANDOM=1 pytest tests/test_workflow_machine.py
MACHINE_SETTINGS = hyp_settings(
    max_examples=int(os.environ.get("PEEL_MACHINE_EXAMPLES", "80")),
    derandomize=not os.environ.get("PEEL_MACHINE_RANDOM"),
    stateful_step_count=30,
    deadline=None,
    database=None,  # keep the examples out of the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)


def test_action_workflow_state_machine():
    world = build_world()
    stats = Stats()
    started = time.perf_counter()
    with time_machine.travel(FROZEN, tick=False):
        run_state_machine_as_test(lambda: ActionWorkflow(world, stats), settings=MACHINE_SETTINGS)
    elapsed = time.perf_counter() - started
    print(f"\n{stats.examples} examples in {elapsed:.1f}s")
    for key, count in sorted(stats.outcomes.items()):
        print(f"  {key}: {count}")
    for key, count in sorted(stats.moves.items()):
        print(f"  move {key}: {count}")
    # Not vacuous: moves were made and calls refused (the scripted walk below makes the
    # particular paths certain; which ones a random run reaches varies).
    assert sum(stats.moves.values()) > 0
    assert any(got == REFUSE for _, got in stats.outcomes)


def test_the_map_has_no_way_out_of_a_closed_status():
    """The premise of invariant 3, on the map itself."""
    assert not [m for (source, _), m in MOVES.items() if source in CLOSED_STATUSES]
    into_sign_off = [m for (_, target), m in MOVES.items() if target == Status.SIGNED_OFF]
    assert [(m.source, m.who) for m in into_sign_off] == [(Status.COMPLETED, MANAGER_NOT_OWNER)]


def test_a_scripted_walk_through_the_machine():
    """The paths the random machine should walk, made certain: the same rules and the
    same invariant checks, in a fixed order (return, four eyes with a manager who
    completed and one who owns, stale copies, sign-off, submission, then writes on the
    closed action, one with a copy loaded while it was still open)."""
    world = build_world()
    R = REASONS[-1]
    steps = [
        ("change_status", ACCEPT, {"persona": "owner", "to": Status.IN_PROGRESS, "reason": ""}),
        ("add_update", ACCEPT, {"persona": "contributor", "text": TEXTS[0], "with_link": True}),
        ("change_status", REFUSE, {"persona": "contributor", "to": Status.COMPLETED, "reason": ""}),
        ("add_update", ACCEPT, {"persona": "owner", "text": "Done.", "to": Status.COMPLETED}),
        ("sign_off", REFUSE, {"persona": "owner"}),  # the owner
        ("change_status", REFUSE, {"persona": "manager_a", "to": Status.RETURNED, "reason": "  "}),
        ("change_status", ACCEPT, {"persona": "manager_a", "to": Status.RETURNED, "reason": R}),
        ("change_status", ACCEPT, {"persona": "manager_a", "to": Status.COMPLETED, "reason": ""}),
        ("sign_off", REFUSE, {"persona": "manager_a"}),  # marked it complete
        ("reassign", REFUSE, {"persona": "manager_b", "new_owner": "manager_b", "due": 30}),
        (
            "reassign",
            ACCEPT,
            {"persona": "manager_b", "new_owner": "manager_b", "due": 30, "reason": R},
        ),
        ("sign_off", REFUSE, {"persona": "manager_b"}),  # owns it now
        ("reassign", ACCEPT, {"persona": "manager_a", "new_owner": "owner", "new_lead": None}),
        ("sign_off", REFUSE, {"persona": "manager_b", "held": "stale_version"}),  # only stale
        (
            "change_status",
            REFUSE,
            {"persona": "manager_a", "to": Status.CANCELLED, "reason": R, "held": "stale_version"},
        ),
        (
            "add_update",
            REFUSE,
            {
                "persona": "manager_b",
                "text": "Closing.",
                "to": Status.SIGNED_OFF,
                "with_link": True,
            },
        ),
        ("submit_evidence", REFUSE, {"persona": "manager_a"}),  # not signed off yet
        ("sign_off", ACCEPT, {"persona": "manager_b", "note": "Checked.", "held": "fresh_version"}),
        # A copy loaded while the action was open: the log is written, then rolled back.
        (
            "change_status",
            REFUSE,
            {"persona": "manager_a", "to": Status.CANCELLED, "reason": R, "held": "previous"},
        ),
        ("submit_evidence", REFUSE, {"persona": "bystander"}),
        ("submit_evidence", ACCEPT, {"persona": "manager_a"}),
        ("submit_evidence", REFUSE, {"persona": "manager_b"}),  # already submitted
        ("add_update", REFUSE, {"persona": "owner", "text": TEXTS[0], "with_link": True}),
        (
            "reassign",
            REFUSE,
            {"persona": "manager_a", "new_owner": "contributor", "due": 120, "reason": R},
        ),
        ("change_status", REFUSE, {"persona": "manager_a", "to": Status.SUPERSEDED, "reason": R}),
    ]
    defaults = {
        "change_status": {"held": "fresh"},
        "sign_off": {"note": "", "held": "fresh"},
        "add_update": {"to": None, "with_link": False, "held": "fresh"},
        "reassign": {"new_lead": "keep", "due": "keep", "reason": "", "held": "fresh"},
        "submit_evidence": {},
    }
    with time_machine.travel(FROZEN, tick=False):
        machine = ActionWorkflow(world, Stats())
        try:
            machine.create_action()
            machine.database_matches_the_shadow()
            for number, (name, expected, kwargs) in enumerate(steps, 1):
                before = collections.Counter(machine.stats.outcomes)
                getattr(machine, name)(**{**defaults[name], **kwargs})
                machine.database_matches_the_shadow()
                assert machine.stats.outcomes - before == collections.Counter(
                    {(name, expected): 1}
                ), f"step {number}: {name} {kwargs}"
            assert machine.shadow.status == Status.SIGNED_OFF
            assert (machine.shadow.signer, machine.shadow.completer) == ("manager_b", "manager_a")
            assert machine.finding_shadow == Finding.Status.EVIDENCE_SUBMITTED
            assert machine.frozen is not None
        finally:
            machine.teardown()


@pytest.mark.parametrize("persona", ["bystander", "inspector", "outsider"])
def test_a_non_participant_cannot_log_progress(persona):
    """Invariant 5 on its own, the shortest example the machine shrinks to: someone who
    is not the owner, a contributor or a manager of the force adds a progress note (with
    a link as evidence) to an open action. Nothing may be written."""
    world = build_world()
    with time_machine.travel(FROZEN, tick=False):
        machine = ActionWorkflow(world, Stats())
        try:
            machine.create_action()
            machine.database_matches_the_shadow()
            machine.add_update(
                persona=persona, text=TEXTS[0], to=None, with_link=True, held="fresh"
            )
            machine.database_matches_the_shadow()
        finally:
            machine.teardown()
