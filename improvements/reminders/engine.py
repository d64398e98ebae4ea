"""The reminder engine (docs/architecture.md, "Reminders"): working days, selection and the sweep.

``sweep(day)`` finds every reminder owed up to ``day`` under the active rules and writes
it to the ledger (``Reminder``) as pending; the ledger's unique key means a rerun, a
retry or a second worker adds nothing. Sending is ``delivery.deliver``.

Selection is by date ranges in set-based queries, read in batches, so a missed day is
caught up on the next run and 100,000 open actions cost a bounded number of queries.
Reminders owed on a weekend or an England and Wales bank holiday go out on the working
day before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.contrib.auth import get_user_model
from django.db.models import F
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from inspections.models import RESPONSE_DAYS, FollowUpReview, Inspection, Membership

from ..models import (
    Action,
    Reminder,
    ReminderPreference,
    ReminderRule,
)

# How far back a run looks for reminders it has not sent: a sweep that did not run for
# up to this many days is caught up by the next one.
CATCH_UP_DAYS = 14
BATCH = 2000

Rule = ReminderRule
A = ReminderRule.Anchor
AUD = ReminderRule.Audience


# --- Working days ------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def previous_working_day(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def send_horizon(day: date) -> date:
    """The last owed date that a run on ``day`` sends. On a working day: everything up
    to (not including) the next working day, so that what falls on a weekend or a bank
    holiday goes out the working day before. On other days: only up to that day, which
    is normally nothing new (the working day before sent it) but catches up a run that
    was missed."""
    if not is_working_day(day):
        return day
    nxt = day + timedelta(days=1)
    while not is_working_day(nxt):
        nxt += timedelta(days=1)
    return nxt - timedelta(days=1)


# --- Selection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Owed:
    rule_id: int
    subject: str
    recipient_id: int
    force_id: int
    anchor_date: date
    action_id: int | None = None
    review_id: int | None = None


@dataclass
class SweepResult:
    owed: int = 0
    created: int = 0
    skipped: int = 0
    recipients: set[int] = field(default_factory=set)


def _occurrence(anchor: date, rule: ReminderRule, horizon: date, start: date) -> date | None:
    """The latest owed date of ``rule`` for ``anchor`` in [start, horizon], if any."""
    first = anchor + timedelta(days=rule.offset_days)
    if first > horizon:
        return None
    if rule.repeat_days:
        steps = (horizon - first).days // rule.repeat_days
        latest = first + timedelta(days=steps * rule.repeat_days)
    else:
        latest = first
    return latest if latest >= start else None


def _action_rows(rule: ReminderRule, start: date, horizon: date):
    """(action id, force id, owner id, lead id, anchor date) for actions the rule may
    owe a reminder for, read in batches."""
    # Only people who may still open the action: an ex-member of the force is owed
    # nothing (the same rule as ``for_user``, as a join).
    recipient = "lead" if rule.audience == AUD.LEAD else "owner"
    actions = Action.objects.working().visible_to_column(recipient).annotate(force_pk=F("force_id"))
    offset = timedelta(days=rule.offset_days)
    if rule.anchor == A.DUE_DATE:
        anchor_field = "due_date"
        latest_anchor = horizon - offset
        if rule.repeat_days:
            actions = actions.filter(due_date__lte=latest_anchor)
        else:
            actions = actions.filter(due_date__gte=start - offset, due_date__lte=latest_anchor)
    else:  # last update
        actions = actions.annotate(
            anchor_day=TruncDate(
                Coalesce("last_update_at", "created_at"), tzinfo=timezone.get_current_timezone()
            )
        )
        anchor_field = "anchor_day"
        actions = actions.filter(anchor_day__gte=start - offset, anchor_day__lte=horizon - offset)
    rows = actions.values_list("pk", "force_pk", "owner_id", "lead_id", anchor_field)
    return rows.order_by("pk").iterator(chunk_size=BATCH)


def _owed_for_actions(rule, start, horizon, nearer_offsets=()):
    """``nearer_offsets``: offsets of other "before due" rules closer to the due date;
    after a gap only the nearest owed one is worth sending."""
    before_due = rule.anchor == A.DUE_DATE and rule.offset_days < 0
    for action_id, force_id, owner_id, lead_id, anchor in _action_rows(rule, start, horizon):
        owed_on = _occurrence(anchor, rule, horizon, start)
        if owed_on is None:
            continue
        if before_due and anchor <= horizon:
            continue  # a "due soon" reminder is noise once the action is due or overdue
        if any(anchor + timedelta(days=o) <= horizon for o in nearer_offsets):
            continue
        recipient = owner_id if rule.audience == AUD.OWNER else lead_id
        if rule.audience == AUD.MANAGERS:
            continue  # managers hear through their weekly digest
        if recipient is None:
            continue
        yield Owed(
            rule.pk, f"action:{action_id}", recipient, force_id, owed_on, action_id=action_id
        )


def _owed_for_reviews(rule, start, horizon):
    offset = timedelta(days=rule.offset_days)
    reviews = (
        FollowUpReview.objects.live()
        .filter(evidence_due__gte=start - offset, evidence_due__lte=horizon - offset)
        .values_list("pk", "inspection__force_id", "evidence_due")
    )
    for review_id, force_id, evidence_due in reviews:
        owed_on = evidence_due + offset
        owners = (
            Action.objects.working()
            .in_review_scope(review_id)
            .visible_to_column("owner")
            .filter(owner__is_active=True)
            .values_list("owner_id", flat=True)
            .distinct()
        )
        for owner_id in owners:
            yield Owed(
                rule.pk, f"review:{review_id}", owner_id, force_id, owed_on, review_id=review_id
            )


def _owed_weekly(rule, start, horizon):
    """Managers' digest: owed each Monday (or the working day before it is sent)."""
    monday = horizon - timedelta(days=horizon.weekday())
    if monday < start:
        return
    managers = (
        Membership.objects.managers()
        .filter(user__is_active=True)
        .values_list("user_id", "force_id")
    )
    for user_id, force_id in managers:
        yield Owed(rule.pk, f"force:{force_id}", user_id, force_id, monday)


def _owed_for_responses(rule, start, horizon):
    """The PCC's response to a report (Police Act 1996, s.55): owed to the force's
    managers, counted from the deadline, publication + 56 days."""
    offset = timedelta(days=rule.offset_days + RESPONSE_DAYS)
    inspections = Inspection.objects.filter(
        published__gte=start - offset, published__lte=horizon - offset
    ).values_list("pk", "force_id", "published")
    for inspection_id, force_id, published in inspections:
        managers = (
            Membership.objects.managers()
            .filter(force_id=force_id, user__is_active=True)
            .values_list("user_id", flat=True)
        )
        for user_id in managers:
            yield Owed(
                rule.pk, f"inspection:{inspection_id}", user_id, force_id, published + offset
            )


def owed(day: date, rules=None):
    """Everything owed up to ``day`` that a run on ``day`` should send."""
    horizon = send_horizon(day)
    start = day - timedelta(days=CATCH_UP_DAYS)
    rules = list(rules if rules is not None else ReminderRule.objects.filter(active=True))
    before_due = {
        r.pk: r.offset_days
        for r in rules
        if r.anchor == A.DUE_DATE and r.offset_days < 0 and r.audience == AUD.OWNER
    }
    for rule in rules:
        if rule.anchor in (A.DUE_DATE, A.LAST_UPDATE):
            nearer = (
                [o for o in before_due.values() if o > rule.offset_days]
                if rule.pk in before_due
                else []
            )
            yield from _owed_for_actions(rule, start, horizon, nearer)
        elif rule.anchor == A.EVIDENCE_DUE:
            yield from _owed_for_reviews(rule, start, horizon)
        elif rule.anchor == A.WEEKLY:
            yield from _owed_weekly(rule, start, horizon)
        elif rule.anchor == A.RESPONSE_DUE:
            yield from _owed_for_responses(rule, start, horizon)


def sweep(day: date, *, dry_run: bool = False) -> SweepResult:
    """Write what is owed to the ledger as pending; return what was new."""
    rules = list(ReminderRule.objects.filter(active=True))
    mandatory = {r.pk for r in rules if r.mandatory}
    opted_out = set(
        ReminderPreference.objects.filter(opt_out=True).values_list("user_id", flat=True)
    )
    result = SweepResult()
    batch: list[Owed] = []

    def flush():
        if not batch:
            return
        existing = set(
            Reminder.objects.filter(
                subject__in={o.subject for o in batch},
                rule_id__in={o.rule_id for o in batch},
            ).values_list("rule_id", "subject", "recipient_id", "anchor_date")
        )
        active = active_recipient_ids({o.recipient_id for o in batch})
        new = [
            o
            for o in batch
            if (o.rule_id, o.subject, o.recipient_id, o.anchor_date) not in existing
            and o.recipient_id in active
        ]
        result.skipped += len(batch) - len(new)
        rows = []
        for o in new:
            skip = o.recipient_id in opted_out and o.rule_id not in mandatory
            if skip:
                result.skipped += 1
            else:
                result.recipients.add(o.recipient_id)
            rows.append(
                Reminder(
                    rule_id=o.rule_id,
                    subject=o.subject,
                    action_id=o.action_id,
                    review_id=o.review_id,
                    force_id=o.force_id,
                    recipient_id=o.recipient_id,
                    anchor_date=o.anchor_date,
                    digest_date=day,
                    status=Reminder.State.SKIPPED if skip else Reminder.State.PENDING,
                )
            )
        result.created += len(rows) - sum(1 for r in rows if r.status == Reminder.State.SKIPPED)
        if not dry_run:
            Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
        batch.clear()

    for item in owed(day, rules):
        result.owed += 1
        batch.append(item)
        if len(batch) >= BATCH:
            flush()
    flush()
    return result


def active_recipient_ids(ids) -> set[int]:
    return set(
        get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
    )
