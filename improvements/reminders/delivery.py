"""Reminder delivery (docs/architecture.md, "Reminders"): claim, send one digest email, record.

``deliver(recipient, day)`` claims a recipient's pending rows (written by
``engine.sweep``) with a conditional update, sends one digest email listing them all, and
records the outcome (sent, or failed with the error) on the ledger.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from inspections.models import FollowUpReview, Force, Inspection
from inspections.roles import managed_force_ids, user_is_inspector, user_roles

from ..boards.selectors import action_counts
from ..models import WORKING_STATUSES, Action, Reminder, ReminderPreference, ReminderRule

MAX_ATTEMPTS = 5
# A claim older than this is taken to be a worker's that died mid-delivery (longer than
# any task may run: CELERY_TASK_TIME_LIMIT), and its rows can be claimed again.
CLAIM_TIMEOUT = timedelta(seconds=int(os.environ.get("REMINDER_CLAIM_SECONDS", "1800")))

A = ReminderRule.Anchor
AUD = ReminderRule.Audience


# --- Delivery ---------------------------------------------------------------------------


def recipients_due(day: date) -> list[int]:
    """Recipients with pending (or retryable failed) reminders for ``day`` or before."""
    return list(
        _claimable(day).values_list("recipient_id", flat=True).distinct().order_by("recipient_id")
    )


def _claimable(day: date):
    stale = timezone.now() - CLAIM_TIMEOUT
    return Reminder.objects.filter(digest_date__lte=day, attempts__lt=MAX_ATTEMPTS).filter(
        Q(status=Reminder.State.PENDING)
        | Q(status=Reminder.State.FAILED)
        | Q(status=Reminder.State.SENDING, sent_at__isnull=True)
        & (Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True, created_at__lt=stale))
    )


class DeliveryFailed(Exception):
    """The mail could not be sent; the ledger says so and the task retries."""


def deliver(recipient_id: int, day: date) -> int:
    """Send one digest to a recipient for everything claimable; return rows sent.

    A second call for the same recipient and day (a retry, a second worker) finds
    nothing left to claim and sends nothing.
    """
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimed = (
            _claimable(day)
            .filter(recipient_id=recipient_id)
            .update(status=Reminder.State.SENDING, claim=token, claimed_at=timezone.now())
        )
    if not claimed:
        return 0
    rows = list(
        Reminder.objects.filter(claim=token, status=Reminder.State.SENDING).select_related(
            "rule",
            "recipient",
            "review",
            "force",
            "action__finding__judgment",
            "action__finding__inspection__force",
            "action__owner",
        )
    )
    user = rows[0].recipient
    rows = _still_owed(user, rows, token)
    if not rows:
        return 0
    try:
        message = build_digest(user, rows, day)
        message.send(fail_silently=False)
    except Exception as exc:
        Reminder.objects.filter(claim=token).update(
            status=Reminder.State.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            attempts=F("attempts") + 1,
        )
        raise DeliveryFailed(str(exc)) from exc
    Reminder.objects.filter(claim=token).update(
        status=Reminder.State.SENT, sent_at=timezone.now(), error=""
    )
    return len(rows)


def _still_owed(user, rows: list[Reminder], token: str) -> list[Reminder]:
    """What the recipient may still be told at sending time: rows written by an earlier
    sweep (a retry, a catch-up) are checked again, so someone who has since left the
    force, been deactivated or stopped managing it hears nothing of it, and an action
    closed since is not listed. The rest are marked skipped, with the reason."""
    roles = user_roles(user)
    managed = set(managed_force_ids(user))
    inspector = user_is_inspector(user)

    def owed(row: Reminder) -> bool:
        if not user.is_active:
            return False
        if row.rule.anchor in (ReminderRule.Anchor.WEEKLY, ReminderRule.Anchor.RESPONSE_DUE):
            return row.force_id in managed
        if not (inspector or row.force_id in roles):
            return False
        return row.action_id is None or row.action.status in WORKING_STATUSES

    keep = [row for row in rows if owed(row)]
    dropped = [row.pk for row in rows if row not in keep]
    if dropped:
        Reminder.objects.filter(pk__in=dropped, claim=token).update(
            status=Reminder.State.SKIPPED, error="No longer owed at sending time."
        )
    return keep


# --- The digest email -------------------------------------------------------------------


# In this order, an action listed in one section is not repeated in a later one.
SECTION_TITLES = {
    "overdue": "Overdue",
    "escalation": "Overdue actions you lead",
    "due": "Due soon",
    "stale": "No update for 30 days",
    "review": "Follow-up review evidence due",
    "response": "The PCC's response to a report",
    "weekly": "Your force this week",
}
SECTION_ORDER = list(SECTION_TITLES)


def _section(rule: ReminderRule) -> str:
    if rule.anchor == A.WEEKLY:
        return "weekly"
    if rule.anchor == A.EVIDENCE_DUE:
        return "review"
    if rule.anchor == A.RESPONSE_DUE:
        return "response"
    if rule.anchor == A.LAST_UPDATE:
        return "stale"
    if rule.audience == AUD.LEAD:
        return "escalation"
    return "overdue" if rule.offset_days >= 0 else "due"


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def build_digest(user, rows: list[Reminder], day: date) -> EmailMultiAlternatives:
    sections: dict[str, list[dict]] = defaultdict(list)
    seen: set[str] = set()
    rows = sorted(rows, key=lambda r: (SECTION_ORDER.index(_section(r.rule)), r.anchor_date))
    for row in rows:
        section = _section(row.rule)
        if row.subject in seen:
            continue  # owed under two rules (e.g. after a gap): list it once, most urgent
        seen.add(row.subject)
        if row.action_id:
            action = row.action
            sections[section].append(
                {
                    "title": action.title,
                    "reference": action.reference,
                    "due_date": action.due_date,
                    "status": action.get_status_display(),
                    "url": _link(action.get_absolute_url()),
                    "note": action_fact(action, section, day),
                }
            )
        elif row.review_id:
            sections[section].extend(_review_items(row.review, user, day))
        elif row.subject.startswith("inspection:"):
            item = _response_item(int(row.subject.split(":")[1]), day)
            if item:
                sections[section].append(item)
        else:
            sections[section].append(_force_summary(row.force_id, row.force.name, day))
    ordered = [
        {"key": key, "title": SECTION_TITLES[key], "items": sections[key]}
        for key in SECTION_TITLES
        if sections.get(key)
    ]
    count = sum(len(s["items"]) for s in ordered)
    context = {
        "user": user,
        "day": day,
        "sections": ordered,
        "count": count,
        "site_url": settings.SITE_URL,
        "preferences_url": _link("/account/reminders/"),
    }
    subject = (
        "PEEL tracker: 1 item needs your attention"
        if count == 1
        else f"PEEL tracker: {count} items need your attention"
    )
    text = render_to_string("emails/reminder_digest.txt", context)
    html = render_to_string("emails/reminder_digest.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def due_fact(due: date, day: date) -> str:
    """ "due in 11 days (13 December)", "due today (2 December)", "18 days overdue
    (due 14 November)": what a date means on the digest's day."""
    days = (due - day).days
    when = f"{due:%-d %B}" if due.year == day.year else f"{due:%-d %B %Y}"
    if days > 0:
        return f"due in {_days(days)} ({when})"
    if days == 0:
        return f"due today ({when})"
    return f"{_days(-days)} overdue (due {when})"


def action_fact(action, section: str, day: date) -> str:
    """The fact a reminder is about, in words, never the rule's name."""
    if section == "stale":
        last = action.last_update_at or action.created_at
        since = (day - timezone.localtime(last).date()).days
        return f"no update for {_days(since)} (last on {timezone.localtime(last):%-d %B})"
    fact = due_fact(action.due_date, day)
    return fact[:1].upper() + fact[1:]


def _review_items(review: FollowUpReview, user, day: date) -> list[dict]:
    actions = (
        Action.objects.working()
        .in_review_scope(review)
        .filter(owner=user)
        .select_related("finding")
        .distinct()
        .order_by("due_date")
    )
    return [
        {
            "title": a.title,
            "reference": a.reference,
            "due_date": a.due_date,
            "status": a.get_status_display(),
            "url": _link(a.get_absolute_url()),
            "note": f"{review.title}: evidence {due_fact(review.evidence_due, day)}",
        }
        for a in actions
    ]


def _response_item(inspection_id: int, day: date) -> dict | None:
    inspection = Inspection.objects.filter(pk=inspection_id).first()
    if inspection is None or inspection.response_due is None:
        return None
    due = inspection.response_due
    return {
        "title": inspection.title,
        "reference": "",
        "due_date": due,
        "status": "",
        "url": _link(reverse("improvements:inspection-detail", args=[inspection.pk])),
        "note": (
            f"The police and crime commissioner's comments are {due_fact(due, day)}, 56 "
            "days after publication. Download a draft from the plan on the inspection page."
        ),
    }


def _force_summary(force_id: int, force_name: str, day: date) -> dict:
    """The board's own headline figures for the digest's day: the email and the board
    count with the same function, so they cannot disagree."""
    counts = action_counts(Action.objects.for_force(force_id).with_rag(day), day)
    return {
        "title": f"{force_name}: {counts['open']} open, {counts['overdue']} overdue, "
        f"{counts['awaiting_sign_off']} awaiting sign-off",
        "reference": "",
        "due_date": None,
        "status": "",
        "url": _link("/board/"),
        "note": "Weekly digest",
    }


def preview(user, day: date):
    """The digest ``user`` would get on ``day`` (``send_reminders --preview``): what the
    rules owe them then, less what was already sent, without writing or sending."""
    from .engine import owed as owed_on

    rules = {r.pk: r for r in ReminderRule.objects.filter(active=True)}
    opted_out = ReminderPreference.objects.filter(user=user, opt_out=True).exists()
    sent = set(
        Reminder.objects.filter(recipient=user, status=Reminder.State.SENT).values_list(
            "rule_id", "subject", "anchor_date"
        )
    )
    items = [
        o
        for o in owed_on(day, list(rules.values()))
        if o.recipient_id == user.pk
        and (o.rule_id, o.subject, o.anchor_date) not in sent
        and (rules[o.rule_id].mandatory or not opted_out)
    ]
    if not items:
        return None
    actions = Action.objects.select_related(
        "finding__judgment", "finding__inspection__force"
    ).in_bulk([o.action_id for o in items if o.action_id])
    reviews = FollowUpReview.objects.in_bulk([o.review_id for o in items if o.review_id])
    forces = {f.pk: f for f in Force.objects.filter(pk__in={o.force_id for o in items})}
    rows = [
        Reminder(
            rule=rules[o.rule_id],
            subject=o.subject,
            action=actions.get(o.action_id),
            review=reviews.get(o.review_id),
            force=forces[o.force_id],
            recipient=user,
            anchor_date=o.anchor_date,
            digest_date=day,
        )
        for o in items
    ]
    return build_digest(user, rows, day)
