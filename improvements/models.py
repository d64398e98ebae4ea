"""What the force does about the findings: actions, progress, evidence.

``improvements`` depends on ``inspections``, never the reverse.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from inspections.models import (
    CheckedModel,
    Finding,
    ForceScopedQuerySet,
    review_scope_q,
    stored_values,
)

STALE_AFTER_DAYS = 30
AMBER_WITHIN_DAYS = 14
DUE_SOON_DAYS = 30
MAX_OFFSET_DAYS = 3650


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    COMPLETED = "completed", "Completed"
    RETURNED = "returned", "Returned"
    SIGNED_OFF = "signed_off", "Signed off"
    CANCELLED = "cancelled", "Cancelled"
    SUPERSEDED = "superseded", "Superseded"


OPEN_STATUSES = [
    Status.NOT_STARTED,
    Status.IN_PROGRESS,
    Status.BLOCKED,
    Status.COMPLETED,
    Status.RETURNED,
]
# Open and still the owner's to do (a completed action waits for a manager instead).
WORKING_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED, Status.RETURNED]
CLOSED_STATUSES = [Status.SIGNED_OFF, Status.CANCELLED, Status.SUPERSEDED]
# Closed without being done: they count neither for nor against a finding's readiness.
INACTIVE_STATUSES = [Status.CANCELLED, Status.SUPERSEDED]


class RAG(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    COMPLETE = "complete", "Complete"
    CLOSED = "closed", "Closed"


class Priority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


def rag_expression(today=None):
    """RAG as a database expression, so boards count it without loading rows.

    red = overdue or blocked; amber = due within 14 days and not completed, or no
    progress for 30 days; green = on track; complete = signed off.
    """
    today = today or timezone.localdate()
    return Case(
        When(status=Status.SIGNED_OFF, then=Value(RAG.COMPLETE)),
        When(status__in=INACTIVE_STATUSES, then=Value(RAG.CLOSED)),
        When(status=Status.BLOCKED, then=Value(RAG.RED)),
        When(overdue_q(today), then=Value(RAG.RED)),
        When(due_soon_q(today, AMBER_WITHIN_DAYS), then=Value(RAG.AMBER)),
        When(stale_q(today), then=Value(RAG.AMBER)),
        default=Value(RAG.GREEN),
        output_field=models.CharField(),
    )


# --- The predicates: each written once, here -------------------------------------------
# Boards count with them (``Count(filter=...)``), reminders select with them, exports and
# services ask them. ``prefix`` lets a query from a parent (``"actions__"``) reuse them.


def live_q(prefix: str = "") -> Q:
    """Open: not yet signed off, cancelled or superseded (a completed action is live: it
    waits for sign-off). Every "open" figure on every page and email is this."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES})


def working_q(prefix: str = "") -> Q:
    """Live and still the owner's to do (not waiting for a manager)."""
    return Q(**{f"{prefix}status__in": WORKING_STATUSES})


def overdue_q(today, prefix: str = "") -> Q:
    return working_q(prefix) & Q(**{f"{prefix}due_date__lt": today})


def due_soon_q(today, days: int = DUE_SOON_DAYS, prefix: str = "") -> Q:
    return working_q(prefix) & Q(
        **{f"{prefix}due_date__gte": today, f"{prefix}due_date__lte": today + timedelta(days)}
    )


def stale_before(today=None):
    """The start of the day ``STALE_AFTER_DAYS`` before ``today``: whole days, so every
    figure that counts stale actions depends on the day alone (the boards cache by it)."""
    day = (today or timezone.localdate()) - timedelta(days=STALE_AFTER_DAYS)
    return timezone.make_aware(datetime.combine(day, time.min))


def stale_q(today=None) -> Q:
    """No progress for 30 whole days; needs ``with_activity()`` (the ``activity_at``
    alias)."""
    return working_q() & Q(activity_at__lt=stale_before(today))


def closed_last_expression() -> Case:
    """0 for an open action, 1 for a closed one: lists put open work first. An index
    holds the same expression with the due date (``action_list_order``)."""
    return Case(
        When(status__in=OPEN_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=models.IntegerField(),
    )


def awaiting_sign_off_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": Status.COMPLETED})


def in_review_scope_q(review, prefix: str = "") -> Q:
    """The action's finding is in the review's scope (``review_scope_q``)."""
    return review_scope_q(review, f"{prefix}finding__")


class ActionQuerySet(ForceScopedQuerySet):
    # ``Action.force`` is a copy of the finding's inspection's force, kept for scoping
    # and counting without joins (see ``Action.save`` and migration 0009).
    force_path = "force"

    def live(self):
        return self.filter(live_q())

    open = live

    def working(self):
        return self.filter(working_q())

    def overdue(self, today=None):
        return self.filter(overdue_q(today or timezone.localdate()))

    def due_soon(self, today=None, days: int = DUE_SOON_DAYS):
        return self.filter(due_soon_q(today or timezone.localdate(), days))

    def stale(self, today=None):
        return self.with_activity().filter(stale_q(today))

    def awaiting_sign_off(self):
        return self.filter(awaiting_sign_off_q())

    def in_review_scope(self, review):
        return self.filter(pk__in=Action.objects.filter(in_review_scope_q(review)).values("pk"))

    def with_activity(self):
        return self.alias(activity_at=Coalesce(F("last_update_at"), F("created_at")))

    def with_rag(self, today=None):
        return self.with_activity().annotate(current_rag=rag_expression(today))

    def owned_or_contributed_by(self, user):
        return self.filter(
            Q(owner=user)
            | Q(pk__in=Action.contributors.through.objects.filter(user=user).values("action_id"))
        )


def _evidence_name(instance, filename: str) -> str:
    # Generated names: nothing a user typed reaches the file system.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def private_storage():
    """Evidence storage: ``STORAGES["evidence"]``, a private folder or object storage,
    never served directly (``improvements/storage.py``; a callable keeps it out of
    migrations)."""
    from .storage import EvidenceStorage

    return EvidenceStorage()


class Action(CheckedModel):
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="actions")
    # A copy of ``finding.inspection.force``, set on every save (and by a trigger on
    # PostgreSQL, whatever writes the row): an inspection with findings never changes
    # force, so the copy never goes stale. Scoping and the boards filter on it directly.
    force = models.ForeignKey(
        "inspections.Force", on_delete=models.PROTECT, related_name="+", editable=False
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_actions",
        help_text="Responsible for doing the work.",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_actions",
        help_text="The accountable senior officer.",
    )
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="contributed_actions"
    )
    due_date = models.DateField()
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_update_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Nullable so that adding it is an ALTER TABLE on SQLite, not a rebuild of the table
    # its triggers name; empty and NULL both mean "none given".
    no_evidence_reason = models.TextField(
        null=True,  # noqa: DJ001
        blank=True,
        help_text="Why no evidence applies, given when it was marked complete without any.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: a save states the version it read; a stale save is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(
        excluded_fields=["updated_at", "last_update_at", "version", "force"]
    )

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="action_status_due"),
            # "Has an overdue action" per finding (the national board, readiness): a
            # partial index of working actions, so the check is one index probe.
            models.Index(
                fields=["finding", "due_date"],
                name="action_working_finding_due",
                condition=Q(status__in=WORKING_STATUSES),
            ),
            # The boards' date-dependent figures (overdue, due soon, RAG) and lists: a
            # force's working actions by due date, covering what they count (PostgreSQL
            # answers from the index alone).
            models.Index(
                fields=["force", "due_date"],
                name="action_working_force_due",
                condition=Q(status__in=WORKING_STATUSES),
                include=["status", "owner", "finding", "last_update_at", "created_at"],
            ),
            # Lists: open first, then by due date (``closed_last_expression``), so a page
            # of the action list is read in order from the index, not sorted.
            models.Index(
                closed_last_expression(), F("due_date"), F("id"), name="action_list_order"
            ),
            # The stale list: a force's working actions, quietest first.
            models.Index(
                F("force"),
                Coalesce(F("last_update_at"), F("created_at")),
                F("id"),
                name="action_working_force_activity",
                condition=Q(status__in=WORKING_STATUSES),
            ),
            # Workload: a force's open actions by owner.
            models.Index(
                fields=["force", "owner"],
                name="action_open_force_owner",
                condition=Q(status__in=OPEN_STATUSES),
                include=["status", "due_date", "last_update_at", "created_at"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.SIGNED_OFF)
                | Q(signed_off_at__isnull=False, signed_off_by__isnull=False),
                name="action_signed_off_has_who_and_when",
            ),
            # Completed (and so signed off) says by whom and when: two people, always.
            models.CheckConstraint(
                condition=~Q(status__in=[Status.COMPLETED, Status.SIGNED_OFF])
                | Q(completed_at__isnull=False, completed_by__isnull=False),
                name="action_signed_off_was_completed",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True) | ~Q(signed_off_by=F("owner")),
                name="action_owner_cannot_sign_off",
            ),
            # Four eyes: whoever marked it complete (the owner, or a manager on the
            # owner's behalf) is not the one who signs it off.
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True)
                | Q(completed_by__isnull=True)
                | ~Q(signed_off_by=F("completed_by")),
                name="action_completer_cannot_sign_off",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="action_title_not_blank"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.finding_id and not self.force_id:  # an action never changes finding
            self.force_id = self.finding.inspection.force_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("improvements:action-detail", args=[self.pk])

    @property
    def original_due_date(self):
        """The first due date (``with_due_date_history`` reads it from the history)."""
        return self.__dict__.get("first_due_date") or self.due_date

    @property
    def times_redated(self) -> int:
        """How many times the due date has moved (``with_due_date_history``)."""
        return max(0, (self.__dict__.get("due_dates") or 1) - 1)

    @property
    def reference(self) -> str:
        return f"{self.finding.reference}/A{self.pk}"

    @cached_property
    def rag(self) -> str:
        value = self.__dict__.get("current_rag")
        if value is None:
            value = (
                Action.objects.with_rag().filter(pk=self.pk).values_list("current_rag", flat=True)
            ).first() or RAG.GREEN
        return value

    def get_rag_display(self) -> str:
        return RAG(self.rag).label

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.status in WORKING_STATUSES and self.due_date < timezone.localdate()

    def integrity_errors(self) -> dict[str, str]:
        from .workflow import MOVES  # the map lives beside the rules of who may move

        # Read afresh: an action's status moves under other users' hands.
        stored = stored_values(self, ["status", "finding_id"], fresh=True)
        if stored is None:
            return {}
        if stored["status"] in CLOSED_STATUSES:
            return {"__all__": "This action is closed: it can no longer be changed."}
        if stored["finding_id"] != self.finding_id:
            return {"finding": "An action cannot move to another finding."}
        if stored["status"] != self.status and (stored["status"], self.status) not in MOVES:
            return {
                "status": f"An action that is “{Status(stored['status']).label}” cannot be "
                f"moved to “{Status(self.status).label}”."
            }
        return {}


class ActionTally(models.Model):
    """How many of a question's actions have each status: the boards' date-free figures
    without scanning the actions (docs/architecture.md, "The tally").

    Kept by database triggers in the same transaction as the change to the action (or the
    finding moving question), whatever made it: the services, the admin, a bulk import.
    Only what does not depend on the date lives here; overdue, due soon and RAG are
    counted from the working actions, which a partial index holds by force and due date.
    ``tally_recount`` rebuilds it, and tests check it against a recount.
    """

    force = models.ForeignKey("inspections.Force", on_delete=models.CASCADE, related_name="+")
    judgment = models.ForeignKey("inspections.Judgment", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    n = models.IntegerField(default=0)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["judgment", "status"], name="tally_judgment_status"),
            models.CheckConstraint(condition=Q(n__gte=0), name="tally_not_negative"),
        ]
        indexes = [models.Index(fields=["force", "judgment"], name="tally_force_judgment")]

    def __str__(self):
        return f"{self.judgment_id} {self.status}: {self.n}"


class AppendOnlyQuerySet(ForceScopedQuerySet):
    """The progress log and evidence: rows are added, never changed or removed, whatever
    the path (a queryset, the base manager, a bulk upsert). PostgreSQL refuses the same
    in triggers, against raw SQL too."""

    force_path = "action__force"

    def _refuse(self, *args, **kwargs):
        raise ValidationError(self.model.REFUSAL)

    update = delete = bulk_update = _refuse

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:
            self._refuse()
        return super().bulk_create(objs, *args, **kwargs)


class AppendOnlyModel(models.Model):
    REFUSAL = "This record cannot be changed or deleted; add a new one instead."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(self.REFUSAL)
        super().save(*args, **kwargs)

    def _do_update(self, base_qs, using, pk_val, *args, **kwargs):
        # Every save that names a primary key (``Model(pk=3).save()``, ``loaddata``)
        # tries an UPDATE first: refuse it when the row exists, insert otherwise.
        if base_qs.filter(pk=pk_val).exists():
            raise ValidationError(self.REFUSAL)
        return False

    def delete(self, *args, **kwargs):
        raise ValidationError(self.REFUSAL)


class ProgressUpdate(AppendOnlyModel):
    """The progress log. Append-only: a correction is a new update referring to the old."""

    REFUSAL = "Progress updates cannot be edited or deleted; add a correction instead."

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_updates"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    text = models.TextField()
    status_after = models.CharField(max_length=20, choices=Status.choices)
    rag_after = models.CharField(max_length=10, choices=RAG.choices, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The earlier update this one corrects.",
    )
    imported_from = models.CharField(
        max_length=255,
        blank=True,
        help_text="Set when the update was imported from a force's tracker: which file.",
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["action", "-created_at"], name="update_action_time")]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="update_text_not_blank"),
        ]

    def __str__(self):
        return f"{self.author} on {self.created_at:%d %b %Y}: {self.text[:60]}"

    def save(self, *args, **kwargs):
        if self.corrects_id and self.corrects.action_id != self.action_id:
            raise ValidationError({"corrects": "A correction must be on the same action."})
        super().save(*args, **kwargs)


class Evidence(AppendOnlyModel):
    REFUSAL = "Evidence cannot be changed or deleted; add new evidence instead."

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="evidence")
    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField(upload_to=_evidence_name, storage=private_storage, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    link = models.URLField(max_length=1000, blank=True)
    description = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        base_manager_name = "objects"
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(~Q(file="") & Q(link="")) | (Q(file="") & ~Q(link="")),
                name="evidence_file_xor_link",
            ),
            models.CheckConstraint(
                condition=Q(file="") | Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="evidence_file_has_sha256",
            ),
        ]

    def __str__(self):
        return self.description or self.original_name or self.link

    def save(self, *args, **kwargs):
        if self.update_id and self.update.action_id != self.action_id:
            raise ValidationError({"update": "Evidence must be on the same action as its update."})
        super().save(*args, **kwargs)

    @property
    def is_file(self) -> bool:
        return bool(self.file)


# --- Reminders -------------------------------------------------------------------------


class ReminderRule(models.Model):
    """One rule of the reminder engine (docs/architecture.md, "Reminders"), editable in the admin."""

    class Anchor(models.TextChoices):
        DUE_DATE = "due_date", "Action due date"
        EVIDENCE_DUE = "evidence_due", "Follow-up review evidence date"
        LAST_UPDATE = "last_update", "Last progress update"
        WEEKLY = "weekly", "Every week (digest)"
        RESPONSE_DUE = "response_due", "PCC response deadline (56 days after publication)"

    class Audience(models.TextChoices):
        OWNER = "owner", "Action owner"
        LEAD = "lead", "Action lead"
        MANAGERS = "managers", "Force managers"
        REVIEW_OWNERS = "review_owners", "Everyone with unfinished actions in the review's scope"

    name = models.CharField(max_length=200, unique=True)
    anchor = models.CharField(max_length=20, choices=Anchor.choices)
    offset_days = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-MAX_OFFSET_DAYS), MaxValueValidator(MAX_OFFSET_DAYS)],
        help_text=f"Days from the anchor; negative is before it (at most {MAX_OFFSET_DAYS}).",
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    repeat_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFSET_DAYS)],
        help_text="Repeat every so many days after the first; blank: once.",
    )
    mandatory = models.BooleanField(
        default=False, help_text="Mandatory reminders are sent even to users who opted out."
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["anchor", "offset_days", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(repeat_days__isnull=True) | Q(repeat_days__gt=0),
                name="reminder_rule_repeat_positive",
            ),
            models.CheckConstraint(
                condition=Q(offset_days__gte=-MAX_OFFSET_DAYS, offset_days__lte=MAX_OFFSET_DAYS)
                & (Q(repeat_days__isnull=True) | Q(repeat_days__lte=MAX_OFFSET_DAYS)),
                name="reminder_rule_offsets_bounded",
            ),
        ]

    def __str__(self):
        return self.name


class Reminder(models.Model):
    """The ledger: every reminder owed, sent or failed. Its unique key makes reruns,
    retries and a second worker harmless."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (opted out)"

    rule = models.ForeignKey(ReminderRule, on_delete=models.PROTECT, related_name="reminders")
    subject = models.CharField(max_length=40, help_text="What it is about, e.g. action:12.")
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    review = models.ForeignKey(
        "inspections.FollowUpReview",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    force = models.ForeignKey(
        "inspections.Force", on_delete=models.CASCADE, related_name="reminders"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    anchor_date = models.DateField(help_text="The day the reminder was owed.")
    digest_date = models.DateField(help_text="The sweep's date: one email a recipient a day.")
    status = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker claimed it for sending."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-digest_date", "recipient_id", "pk"]
        indexes = [
            models.Index(fields=["recipient", "digest_date", "status"], name="reminder_digest"),
            models.Index(fields=["status", "digest_date"], name="reminder_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "recipient", "anchor_date"], name="reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.rule} → {self.recipient} ({self.anchor_date})"


class ReminderPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    opt_out = models.BooleanField(
        default=False,
        help_text="Stop reminders that are not mandatory (overdue and review reminders still come).",
    )
    muted_events = models.JSONField(
        default=list,
        blank=True,
        help_text="Event emails this person does not want (never the mandatory ones).",
    )
    followed_forces = models.ManyToManyField(
        "inspections.Force",
        blank=True,
        related_name="followers",
        help_text="For inspectors: the forces whose submissions to the inspectorate they hear of.",
    )

    def __str__(self):
        return f"{self.user}: {'opted out' if self.opt_out else 'all reminders'}"


# --- Board snapshots -------------------------------------------------------------------


class DailySnapshot(models.Model):
    """Counts of a force's actions on a day, recorded by a beat task for the trend chart."""

    force = models.ForeignKey(
        "inspections.Force", on_delete=models.CASCADE, related_name="snapshots"
    )
    date = models.DateField()
    open_count = models.PositiveIntegerField(default=0)
    overdue_count = models.PositiveIntegerField(default=0)
    awaiting_sign_off_count = models.PositiveIntegerField(default=0)
    signed_off_count = models.PositiveIntegerField(default=0)
    closed_count = models.PositiveIntegerField(default=0, help_text="Cancelled or superseded.")

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["force", "date"]
        constraints = [
            models.UniqueConstraint(fields=["force", "date"], name="snapshot_one_per_force_day"),
        ]

    def __str__(self):
        return f"{self.force} {self.date}"


# --- Exports built in the background -----------------------------------------------------

EXPORT_KEEP = timedelta(days=1)


def _export_name(instance, filename: str) -> str:
    return f"exports/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}{PurePath(filename).suffix}"


class ExportJob(models.Model):
    """A large tracker workbook or an evidence pack, built by a Celery task
    (``improvements.build_export``) while the user watches a progress page. The file is
    kept privately for a day and served only to the person who asked for it."""

    class Kind(models.TextChoices):
        TRACKER_XLSX = "tracker_xlsx", "Action tracker (Excel)"
        EVIDENCE_PACK = "evidence_pack", "Evidence pack (PDF)"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    force = models.ForeignKey("inspections.Force", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The board's filters as a query string (the tracker), or the review (the pack).
    query = models.TextField(blank=True)
    review = models.ForeignKey(
        "inspections.FollowUpReview", on_delete=models.CASCADE, null=True, blank=True
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_export_name, storage=private_storage, blank=True)
    filename = models.CharField(max_length=200)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="export_created")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user_id} ({self.state})"

    @property
    def expires_at(self):
        return self.created_at + EXPORT_KEEP

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def percent(self) -> int:
        if self.state == self.State.READY:
            return 100
        return min(99, round(100 * self.done / self.total)) if self.total else 0


# --- Extensions: an owner asks for more time -------------------------------------------


class ExtensionRequestQuerySet(ForceScopedQuerySet):
    force_path = "action__force"


class ExtensionRequest(models.Model):
    """An owner asks for a later due date, with a reason; a manager approves (the date
    moves, through ``services.action_reassign``) or refuses (with a reason)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a manager"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(help_text="The due date asked for.")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ExtensionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_action",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_reason_not_blank"),
        ]

    def __str__(self):
        return f"{self.action.reference}: to {self.due_date} ({self.get_status_display()})"


# --- Event notifications: the outbox ---------------------------------------------------


class NotificationEvent(models.TextChoices):
    ACTION_ASSIGNED = "action_assigned", "An action is given to you (owner or lead)"
    ACTION_RETURNED = "action_returned", "An action of yours is returned"
    ACTION_SIGNED_OFF = "action_signed_off", "An action of yours is signed off"
    ACTION_CLOSED = "action_closed", "An action of yours is cancelled or superseded"
    DUE_DATE_MOVED = "due_date_moved", "An action's due date is moved"
    EXTENSION_REQUESTED = "extension_requested", "An owner asks for more time"
    EXTENSION_DECIDED = "extension_decided", "Your request for more time is decided"
    FINDING_SUBMITTED = "finding_submitted", "A force submits a finding to the inspectorate"
    FINDING_DECIDED = "finding_decided", "The inspectorate decides on a finding"


# Sent whatever the person chose: the news that work came back to them.
MANDATORY_EVENTS = {NotificationEvent.ACTION_RETURNED, NotificationEvent.FINDING_DECIDED}


class Notification(models.Model):
    """The outbox: an email owed to someone because something happened. Written by the
    service that made the change, in the same transaction; sent after commit by a
    Celery task, and retried by a beat task, each row exactly once (claim, then send)."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.CharField(max_length=30, choices=NotificationEvent.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    force = models.ForeignKey(
        "inspections.Force", on_delete=models.CASCADE, related_name="notifications"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    finding = models.ForeignKey(
        "inspections.Finding",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status")]

    def __str__(self):
        return f"{self.get_event_display()} → {self.recipient}"
