"""Event notifications through an outbox (docs/architecture.md, "Notifications").

The service that makes a change calls one of the ``*_changed`` functions here in its own
transaction: each writes a ``Notification`` row per person concerned, with the email's
subject and text as they are at that moment (the reason for a return, the old and new
dates). After the commit a Celery task delivers those rows; a beat task
(``improvements.deliver_notifications``, every five minutes) delivers whatever is still
pending, so a broker that is down at save time only delays the email. Each row is sent
exactly once: it is claimed by a conditional UPDATE before it is sent, as the reminder
ledger is; a claim left by a worker that died is taken again after ``CLAIM_TIMEOUT``.

Nobody is told of what they did themselves. People choose which events they get on the
preferences page, beside the reminders; the mandatory events (``MANDATORY_EVENTS``: work
returned to them, the inspectorate's decisions) come whatever they chose.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import (
    MANDATORY_EVENTS,
    Notification,
    NotificationEvent,
    ReminderPreference,
)

log = logging.getLogger(__name__)
E = NotificationEvent
MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(seconds=int(os.environ.get("NOTIFICATION_CLAIM_SECONDS", "1800")))


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _write(
    event: str,
    recipients,
    *,
    by,
    force_id,
    subject: str,
    lines: list[str],
    url: str,
    action=None,
    finding=None,
) -> list[Notification]:
    return _write_many(
        [
            {
                "event": event,
                "recipients": recipients,
                "force_id": force_id,
                "subject": subject,
                "lines": lines,
                "url": url,
                "action": action,
                "finding": finding,
            }
        ],
        by=by,
    )


def _write_many(messages: list[dict], *, by) -> list[Notification]:
    """Rows for many messages at once: one query for preferences, one insert."""
    everyone = {p.pk: p for m in messages for p in m["recipients"] if p is not None}
    # Only people who may still see the force: its members, and inspectors.
    from django.contrib.auth import get_user_model

    from inspections.models import Membership

    members = set(
        Membership.objects.filter(
            user_id__in=everyone, force_id__in={m["force_id"] for m in messages}
        ).values_list("user_id", "force_id")
    )
    inspectors = set(
        get_user_model()
        .objects.filter(pk__in=everyone)
        .filter(Q(is_superuser=True) | Q(groups__name=settings.INSPECTORS_GROUP))
        .values_list("pk", flat=True)
    )
    muted = {
        user_id: set(events or [])
        for user_id, events in ReminderPreference.objects.filter(user_id__in=everyone).values_list(
            "user_id", "muted_events"
        )
    }
    rows = []
    for message in messages:
        event = message["event"]
        seen = set()
        for person in message["recipients"]:
            if (
                person is None
                or person.pk in seen
                or not person.is_active
                or not person.email
                or (by is not None and person.pk == by.pk)
                or (person.pk not in inspectors and (person.pk, message["force_id"]) not in members)
                or (event not in MANDATORY_EVENTS and event in muted.get(person.pk, ()))
            ):
                continue
            seen.add(person.pk)
            body = render_to_string(
                "emails/notification.txt",
                {
                    "user": person,
                    "lines": [line for line in message["lines"] if line],
                    "url": message["url"],
                    "mandatory": event in MANDATORY_EVENTS,
                    "preferences_url": _link("/account/reminders/"),
                },
            )
            rows.append(
                Notification(
                    event=event,
                    recipient=person,
                    force_id=message["force_id"],
                    action=message.get("action"),
                    finding=message.get("finding"),
                    subject=message["subject"][:200],
                    body=body,
                )
            )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created if row.pk]
    transaction.on_commit(lambda: _queue(ids))
    return created


def _queue(ids: list[int]) -> None:
    """After the commit: hand the new rows to a worker. A broker that is down only
    delays them: the beat task sends whatever is still pending."""
    from .tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids or None)
    except Exception as exc:  # noqa: BLE001 (any broker failure: the rows wait for the retry)
        log.warning("notifications %s wait for the retry: the broker said %r", ids, exc)


# --- What happened, in words -----------------------------------------------------------


def _action_subject(action, what: str) -> str:
    return f"PEEL tracker: {action.reference} {what}: {action.title}"


def actions_assigned(assignments, *, by) -> None:
    """``assignments``: (action, owner or None, lead or None) for each action given to
    someone: new actions (any number at once), or a reassignment."""
    messages = []
    for action, owner, lead in assignments:
        for person, role in ((owner, "owner"), (lead, "lead")):
            if person is None:
                continue
            messages.append(
                {
                    "event": E.ACTION_ASSIGNED,
                    "recipients": [person],
                    "force_id": action.force_id,
                    "action": action,
                    "subject": _action_subject(action, f"is yours as {role}"),
                    "lines": [
                        f"{_name(by)} has made you the {role} of {action.reference}: "
                        f"{action.title}.",
                        f"It answers {action.finding.reference} and is due on "
                        f"{action.due_date:%-d %B %Y}.",
                    ],
                    "url": _link(action.get_absolute_url()),
                }
            )
    _write_many(messages, by=by)


def action_decided(action, *, by, target: str, reason: str) -> None:
    from .models import Status

    what, event = {
        Status.RETURNED: ("returned to you", E.ACTION_RETURNED),
        Status.SIGNED_OFF: ("signed off", E.ACTION_SIGNED_OFF),
        Status.CANCELLED: ("cancelled", E.ACTION_CLOSED),
        Status.SUPERSEDED: ("superseded", E.ACTION_CLOSED),
    }.get(target, (None, None))
    if event is None:
        return
    lines = [f"{_name(by)} has {what.replace(' to you', '')} {action.reference}: {action.title}."]
    if reason:
        lines.append(f"The reason given: {reason}")
    if target == Status.RETURNED:
        lines.append("Do what the reason asks, log it, and mark the action complete again.")
    recipients = [action.owner] if target == Status.RETURNED else [action.owner, action.lead]
    _write(
        event,
        recipients,
        by=by,
        force_id=action.force_id,
        action=action,
        subject=_action_subject(action, what),
        lines=lines,
        url=_link(action.get_absolute_url()),
    )


def due_date_moved(action, *, by, old, new, reason: str) -> None:
    _write(
        E.DUE_DATE_MOVED,
        [action.owner, action.lead],
        by=by,
        force_id=action.force_id,
        action=action,
        subject=_action_subject(action, f"is now due {new:%-d %B %Y}"),
        lines=[
            f"{_name(by)} has moved the due date of {action.reference}: {action.title}, "
            f"from {old:%-d %B %Y} to {new:%-d %B %Y}.",
            f"The reason given: {reason}" if reason else "",
        ],
        url=_link(action.get_absolute_url()),
    )


def extension_requested(request, *, by) -> None:
    """To the force's managers."""
    from inspections.models import Membership

    action = request.action
    managers = [
        m.user
        for m in Membership.objects.managers()
        .filter(force_id=action.force_id, user__is_active=True)
        .select_related("user")
    ]
    _write(
        E.EXTENSION_REQUESTED,
        managers,
        by=by,
        force_id=action.force_id,
        action=action,
        subject=_action_subject(action, "needs more time"),
        lines=[
            f"{_name(by)} asks to move {action.reference}: {action.title} from "
            f"{action.due_date:%-d %B %Y} to {request.due_date:%-d %B %Y}.",
            f"The reason given: {request.reason}",
            "Approve or refuse it on the action's page.",
        ],
        url=_link(action.get_absolute_url()),
    )


def extension_decided(request, *, by) -> None:
    """To the owner who asked."""
    action = request.action
    approved = request.status == "approved"
    _write(
        E.EXTENSION_DECIDED,
        [request.requested_by],
        by=by,
        force_id=action.force_id,
        action=action,
        subject=_action_subject(action, "has more time" if approved else "gets no more time"),
        lines=[
            (
                f"{_name(by)} has approved your request: {action.reference} is now due "
                f"{request.due_date:%-d %B %Y}."
            )
            if approved
            else f"{_name(by)} has refused your request for more time on {action.reference}.",
            f"The reason given: {request.decision_note}" if request.decision_note else "",
        ],
        url=_link(action.get_absolute_url()),
    )


def finding_submitted(finding, *, by) -> None:
    """To the inspectors who follow the force."""
    from django.contrib.auth import get_user_model

    force = finding.inspection.force
    inspectors = (
        get_user_model()
        .objects.filter(reminder_preference__followed_forces=force, is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=settings.INSPECTORS_GROUP))
        .distinct()
    )
    _write(
        E.FINDING_SUBMITTED,
        inspectors,
        by=by,
        force_id=force.pk,
        finding=finding,
        subject=f"PEEL tracker: {force} submits {finding.reference} to the inspectorate",
        lines=[
            f"{_name(by)} of {force} has submitted {finding.reference} "
            f"({finding.get_kind_display().lower()}) of {finding.inspection.title} as done.",
            "Its actions and their evidence are on the inspectorate's page, for a decision.",
        ],
        url=_link("/inspectorate/"),
    )


def finding_decided(finding, *, by, status_label: str, reason: str) -> None:
    """To the force's managers and the owners of the finding's actions."""
    from inspections.models import Membership

    force = finding.inspection.force
    managers = [
        m.user
        for m in Membership.objects.managers()
        .filter(force=force, user__is_active=True)
        .select_related("user")
    ]
    owners = [a.owner for a in finding.actions.select_related("owner")]
    _write(
        E.FINDING_DECIDED,
        [*managers, *owners],
        by=by,
        force_id=force.pk,
        finding=finding,
        subject=f"PEEL tracker: the inspectorate has {status_label.lower()} {finding.reference}",
        lines=[
            f"The inspectorate ({_name(by)}) has {status_label.lower()} {finding.reference} "
            f"of {finding.inspection.title}.",
            f"The reason given: {reason}" if reason else "",
        ],
        url=_link(
            f"/inspections/{finding.inspection_id}/?finding={finding.pk}#finding-{finding.pk}"
        ),
    )


# --- Delivery --------------------------------------------------------------------------


def _claimable():
    stale = timezone.now() - CLAIM_TIMEOUT
    return Notification.objects.filter(attempts__lt=MAX_ATTEMPTS).filter(
        Q(status__in=[Notification.State.PENDING, Notification.State.FAILED])
        | Q(status=Notification.State.SENDING, claimed_at__lt=stale)
    )


def deliver(ids=None) -> dict:
    """Send the claimable rows (these ``ids``, or all): each claimed, then sent, then
    marked. Returns {"sent", "failed", "pending"}."""
    token = uuid.uuid4().hex
    claimable = _claimable()
    if ids:
        claimable = claimable.filter(pk__in=ids)
    claimed = claimable.update(
        status=Notification.State.SENDING, claim=token, claimed_at=timezone.now()
    )
    sent = failed = 0
    if claimed:
        for row in Notification.objects.filter(claim=token).select_related("recipient"):
            try:
                EmailMessage(row.subject, row.body, to=[row.recipient.email]).send()
            except Exception as exc:  # noqa: BLE001 (a mail failure is recorded, and retried)
                Notification.objects.filter(pk=row.pk, claim=token).update(
                    status=Notification.State.FAILED,
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                    attempts=F("attempts") + 1,
                )
                failed += 1
                continue
            Notification.objects.filter(pk=row.pk, claim=token).update(
                status=Notification.State.SENT, sent_at=timezone.now(), error=""
            )
            sent += 1
    pending = _claimable().count()
    return {"sent": sent, "failed": failed, "pending": pending}


def on_finding_moved(sender, finding, to, by, reason, **kwargs):
    """``inspections.services.finding_moved``: a submission, or the inspectorate's word."""
    from inspections.models import Finding

    if to == Finding.Status.EVIDENCE_SUBMITTED:
        finding_submitted(finding, by=by)
    elif to in (Finding.Status.DISCHARGED, Finding.Status.RETURNED, Finding.Status.SUPERSEDED):
        finding_decided(finding, by=by, status_label=Finding.Status(to).label, reason=reason)
