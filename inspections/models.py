"""What the inspectorate said: forces, inspections, judgments, findings and reviews.

Every force-owned model has a queryset with ``for_user(user)``: the one rule for what a
user may see (staff and managers: their forces; inspectors: all). Views, exports, the
admin and reminder recipient lists all start from it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .roles import ADMIN_ROLE, MANAGING_ROLES, managed_force_ids, user_is_inspector


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class GradingScale(models.TextChoices):
    """Versioned scales: four grades in 2014–2019, five (Adequate added) from 2021."""

    PEEL_2014 = "peel-2014", "PEEL 2014–2019 (four grades)"
    PEEL_2021 = "peel-2021", "PEEL 2021 onwards (five grades)"


SCALE_GRADES: dict[str, list[str]] = {
    GradingScale.PEEL_2014: [
        Grade.OUTSTANDING,
        Grade.GOOD,
        Grade.REQUIRES_IMPROVEMENT,
        Grade.INADEQUATE,
    ],
    GradingScale.PEEL_2021: [
        Grade.OUTSTANDING,
        Grade.GOOD,
        Grade.ADEQUATE,
        Grade.REQUIRES_IMPROVEMENT,
        Grade.INADEQUATE,
    ],
}


def grade_from_label(label: str) -> str:
    """'Requires improvement' → 'requires_improvement'; raises ValueError when unknown."""
    for value, text in Grade.choices:
        if text.lower() == label.strip().lower():
            return value
    raise ValueError(f"{label!r} is not a grade")


def scale_labels(scale: str) -> list[str]:
    return [Grade(value).label for value in SCALE_GRADES[scale]]


def stored_values(instance, fields, *, fresh: bool = False) -> dict | None:
    """``fields`` as the row was loaded (or last saved), without a query when the
    instance came from the database, or (``fresh``) as the database holds them now;
    None for a new row."""
    if instance._state.adding or instance.pk is None:
        return None
    loaded = getattr(instance, "_loaded_values", None)
    if not fresh and loaded is not None and all(name in loaded for name in fields):
        return {name: loaded[name] for name in fields}
    return type(instance)._base_manager.filter(pk=instance.pk).values(*fields).first()


def changed_fields(instance, fields) -> set[str]:
    """Which of ``fields`` differ from the stored row (empty for a new row)."""
    stored = stored_values(instance, fields)
    if stored is None:
        return set()
    return {name for name in fields if stored[name] != getattr(instance, name)}


class CheckedModel(models.Model):
    """Rules across rows (``integrity_errors``) checked in model validation, which every
    form runs (the admin's included), and again on every save: an importer, a command or
    a shell session meets the same rule. On PostgreSQL the database holds most of them
    too (docs/architecture.md)."""

    check_on_save = True

    class Meta:
        abstract = True

    def integrity_errors(self) -> dict[str, str]:
        return {}

    def clean(self):
        super().clean()
        if errors := self.integrity_errors():
            raise ValidationError(errors)

    @classmethod
    def from_db(cls, db, field_names, values):
        # Remember the row as loaded, so the rules compare without another query.
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))  # attnames
        return instance

    def save(self, *args, **kwargs):
        if self.check_on_save and (errors := self.integrity_errors()):
            raise ValidationError(errors)
        super().save(*args, **kwargs)
        self._loaded_values = {
            f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields
        }


# Police Act 1996, s.55: the PCC publishes comments on a report within 56 days.
RESPONSE_DAYS = 56


class ForceScopedQuerySet(models.QuerySet):
    """A queryset that knows the path from its model to the owning force."""

    force_path = "force"

    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user_is_inspector(user):
            return self.all()
        forces = Membership.objects.filter(user=user).values("force_id")
        return self.filter(**{f"{self.force_path}__in": forces})

    def managed_by(self, user):
        """The "may manage" form of ``for_user``: rows of the forces ``user`` manages.
        Inspectors read every force but manage none."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(**{f"{self.force_path}__in": managed_force_ids(user)})

    def for_force(self, force):
        return self.filter(**{self.force_path: getattr(force, "pk", force)})

    def visible_to_column(self, user_column: str):
        """Rows where the user named by ``user_column`` (a path from this model to a user
        id, e.g. ``"owner"``) may still see the row: a member of its force, or an
        inspector. The same rule as ``for_user``, as a join, so that a set-based query
        (the reminder sweep) can ask it of thousands of rows at once."""
        member = Membership.objects.filter(
            user_id=models.OuterRef(user_column), force_id=models.OuterRef(self.force_path)
        )
        inspector = (
            get_user_model()
            .objects.filter(pk=models.OuterRef(user_column), is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name=settings.INSPECTORS_GROUP))
        )
        return self.filter(models.Exists(member) | models.Exists(inspector))


class ForceQuerySet(ForceScopedQuerySet):
    force_path = "pk"


class Force(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", "Police force"
        FIRE = "fire", "Fire and rescue service"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.POLICE)
    history = HistoricalRecords()

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MembershipQuerySet(ForceScopedQuerySet):
    def managers(self):
        return self.filter(role__in=MANAGING_ROLES)

    def administrators(self):
        return self.filter(role=ADMIN_ROLE)


class Membership(models.Model):
    class Role(models.TextChoices):
        STAFF = "staff", "Staff"
        MANAGER = "manager", "Manager"
        ADMIN = ADMIN_ROLE, "Force administrator"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["force__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "force"], name="membership_one_per_user_force"),
            models.CheckConstraint(
                condition=Q(role__in=["staff", "manager", "admin"]), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.force} ({self.get_role_display()})"


class InspectionQuerySet(ForceScopedQuerySet):
    force_path = "force"


class Inspection(CheckedModel):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="inspections")
    programme = models.CharField(max_length=100, help_text="For example “PEEL 2015”.")
    pillar = models.CharField(
        max_length=100, blank=True, help_text="For example “Effectiveness”; blank if integrated."
    )
    title = models.CharField(max_length=300)
    grading_scale = models.CharField(
        max_length=20, choices=GradingScale.choices, default=GradingScale.PEEL_2014
    )
    fieldwork_start = models.DateField(null=True, blank=True)
    fieldwork_end = models.DateField(null=True, blank=True)
    published = models.DateField(null=True, blank=True)
    report_url = models.URLField(max_length=500, blank=True)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "force__name", "programme"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "programme", "pillar"],
                name="inspection_unique_per_force_programme",
            ),
            models.CheckConstraint(
                condition=Q(grading_scale__in=GradingScale.values),
                name="inspection_scale_valid",
            ),
            models.CheckConstraint(
                condition=Q(fieldwork_start__isnull=True)
                | Q(fieldwork_end__isnull=True)
                | Q(fieldwork_end__gte=models.F("fieldwork_start")),
                name="inspection_fieldwork_in_order",
            ),
        ]

    def __str__(self):
        parts = [self.force.name, self.programme]
        if self.pillar:
            parts.append(self.pillar)
        return " – ".join(parts)

    @property
    def grades(self) -> list[str]:
        return SCALE_GRADES[self.grading_scale]

    def integrity_errors(self) -> dict[str, str]:
        changed = changed_fields(self, ["force_id", "grading_scale"])
        if "force_id" in changed and self.findings.exists():
            return {
                "force": "An inspection with findings cannot move to another force: its "
                "findings and the work on them belong to the force inspected."
            }
        if "grading_scale" in changed:
            outside = self.judgments.exclude(grade="").exclude(
                grade__in=SCALE_GRADES[self.grading_scale]
            )
            if outside.exists():
                return {
                    "grading_scale": "Some judgments have grades that are not on this scale: "
                    "change them first."
                }
        return {}

    def save(self, *args, **kwargs):
        rescaled = "grading_scale" in changed_fields(self, ["grading_scale"])
        super().save(*args, **kwargs)
        if rescaled:
            # Judgments keep a copy of the scale for their CHECK constraint.
            Judgment.objects.filter(inspection=self).update(grading_scale=self.grading_scale)

    @property
    def overall(self):
        return next((j for j in self.judgments.all() if j.number == 0), None)

    @property
    def response_due(self):
        """The police and crime commissioner's comments on the report are due within 56
        days of its publication (Police Act 1996, section 55); None when the date of
        publication is unknown."""
        return self.published + timedelta(days=RESPONSE_DAYS) if self.published else None


def _scale_check() -> Q:
    """A judgment's grade is blank or one of its scale's grades."""
    condition = Q(grade="")
    for scale, grades in SCALE_GRADES.items():
        condition |= Q(grading_scale=scale, grade__in=grades)
    return condition


class JudgmentQuerySet(ForceScopedQuerySet):
    force_path = "inspection__force"


class Judgment(CheckedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="judgments")
    number = models.PositiveSmallIntegerField(help_text="0 is the overall judgment.")
    question = models.TextField()
    grade = models.CharField(max_length=30, choices=Grade.choices, blank=True)
    # Copied from the inspection on save so the database itself can check the grade
    # against the scale (a CHECK constraint cannot look at another table).
    grading_scale = models.CharField(max_length=20, choices=GradingScale.choices, editable=False)
    summary = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = JudgmentQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="judgment_one_per_inspection_question"
            ),
            models.CheckConstraint(condition=_scale_check(), name="judgment_grade_in_scale"),
            # The target of findings' composite foreign key (inspection_id, judgment_id):
            # on PostgreSQL a finding's question is always of the finding's inspection.
            models.UniqueConstraint(fields=["inspection", "id"], name="judgment_inspection_id"),
        ]

    def __str__(self):
        # Names its inspection: pickers list every force's judgments side by side.
        label = "Overall" if self.number == 0 else f"Q{self.number}"
        return f"{label}: {self.get_grade_display() or 'ungraded'} ({self.inspection})"

    @property
    def short_label(self) -> str:
        label = "Overall" if self.number == 0 else f"Q{self.number}"
        return f"{label}: {self.get_grade_display() or 'ungraded'}"

    @property
    def label(self) -> str:
        return "Overall" if self.number == 0 else f"Question {self.number}"

    def integrity_errors(self) -> dict[str, str]:
        errors = {}
        if "inspection_id" in changed_fields(self, ["inspection_id"]):
            errors["inspection"] = "A judgment cannot move to another inspection."
        if self.inspection_id and self.grade and self.grade not in self.inspection.grades:
            errors["grade"] = (
                f"“{self.get_grade_display()}” is not a grade of the "
                f"{self.inspection.get_grading_scale_display()} scale."
            )
        return errors

    def save(self, *args, **kwargs):
        if self.inspection_id:
            self.grading_scale = self.inspection.grading_scale
        super().save(*args, **kwargs)


class FindingQuerySet(ForceScopedQuerySet):
    force_path = "inspection__force"


class FindingKind(models.TextChoices):
    AREA_FOR_IMPROVEMENT = "area_for_improvement", "Area for improvement"
    CAUSE_OF_CONCERN = "cause_of_concern", "Cause of concern"
    ACCELERATED_CAUSE_OF_CONCERN = "accelerated_cause_of_concern", "Accelerated cause of concern"
    RECOMMENDATION = "recommendation", "Recommendation"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    EVIDENCE_SUBMITTED = "evidence_submitted", "Evidence submitted"
    DISCHARGED = "discharged", "Discharged"
    RETURNED = "returned", "Returned"
    SUPERSEDED = "superseded", "Superseded"


# A finding the inspectorate has not yet closed (discharged or superseded).
OPEN_FINDING_STATUSES = [
    FindingStatus.OPEN,
    FindingStatus.RETURNED,
    FindingStatus.EVIDENCE_SUBMITTED,
]


class Finding(CheckedModel):
    Kind = FindingKind
    Status = FindingStatus

    KIND_CODES = {
        Kind.AREA_FOR_IMPROVEMENT: "AFI",
        Kind.CAUSE_OF_CONCERN: "COC",
        Kind.ACCELERATED_CAUSE_OF_CONCERN: "ACOC",
        Kind.RECOMMENDATION: "REC",
    }

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    judgment = models.ForeignKey(
        Judgment,
        on_delete=models.PROTECT,
        related_name="findings",
        help_text="The question the finding sits under.",
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    reference = models.CharField(max_length=40, help_text="For example Q2-AFI-3.")
    text = models.TextField(help_text="Verbatim from the report.")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
        help_text="For a recommendation: the cause of concern it answers.",
    )
    deadline = models.CharField(
        max_length=100, blank=True, help_text="For example “immediately” or “within six months”."
    )
    deadline_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.OPEN)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)
    repeats = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeated_by",
        help_text="An earlier finding this one repeats.",
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "judgment__number", "position", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "reference"], name="finding_reference_unique_per_inspection"
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="finding_reference_not_blank"),
            models.CheckConstraint(condition=~Q(text=""), name="finding_text_not_blank"),
            models.CheckConstraint(
                condition=Q(kind__in=FindingKind.values), name="finding_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FindingStatus.values), name="finding_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind="recommendation"),
                name="finding_only_recommendations_have_parent",
            ),
            # The target of the composite foreign key (inspection_id, parent_id).
            models.UniqueConstraint(fields=["inspection", "id"], name="finding_inspection_id"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.text[:80]}"

    def integrity_errors(self) -> dict[str, str]:
        """Rules across rows that a CHECK constraint cannot express."""
        errors = {}
        if "inspection_id" in changed_fields(self, ["inspection_id"]):
            errors["inspection"] = (
                "A finding cannot move to another inspection: its actions, progress log "
                "and evidence belong to the force inspected."
            )
        if (
            self.judgment_id
            and self.inspection_id
            and self.judgment.inspection_id != self.inspection_id
        ):
            errors["judgment"] = "The question must belong to the same inspection."
        if (
            self.repeats_id
            and self.inspection_id
            and self.repeats.inspection.force_id != self.inspection.force_id
        ):
            errors["repeats"] = "A finding can only repeat an earlier finding of the same force."
        if self.parent_id:
            parent = self.parent
            if parent.inspection_id != self.inspection_id:
                errors["parent"] = "The cause of concern must belong to the same inspection."
            elif parent.kind not in (
                self.Kind.CAUSE_OF_CONCERN,
                self.Kind.ACCELERATED_CAUSE_OF_CONCERN,
            ):
                errors["parent"] = "A recommendation's parent must be a cause of concern."
        return errors

    @classmethod
    def make_reference(cls, question: int, kind: str, index: int) -> str:
        prefix = "OVR" if question == 0 else f"Q{question}"
        return f"{prefix}-{cls.KIND_CODES[kind]}-{index}"


class FollowUpReviewQuerySet(ForceScopedQuerySet):
    force_path = "inspection__force"

    def live(self):
        """Not yet completed or cancelled: reviews that still drive reminders and boards."""
        return self.filter(status__in=LIVE_REVIEW_STATUSES)


class FollowUpReview(CheckedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        SCHEDULED = "scheduled", "Scheduled"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="follow_up_reviews"
    )
    title = models.CharField(max_length=300)
    note = models.TextField(blank=True, help_text="What the report says about the review.")
    judgments = models.ManyToManyField(
        Judgment, blank=True, related_name="follow_up_reviews", help_text="Questions in scope."
    )
    findings = models.ManyToManyField(
        Finding, blank=True, related_name="follow_up_reviews", help_text="Findings in scope."
    )
    evidence_due = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    outcome = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[judgments, findings])

    objects = FollowUpReviewQuerySet.as_manager()

    class Meta:
        ordering = ["evidence_due", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evidence_due__isnull=True)
                | Q(review_date__isnull=True)
                | Q(review_date__gte=models.F("evidence_due")),
                name="review_after_evidence_due",
            ),
        ]

    def __str__(self):
        return self.title

    def integrity_errors(self) -> dict[str, str]:
        if "inspection_id" in changed_fields(self, ["inspection_id"]):
            return {"inspection": "A follow-up review cannot move to another inspection."}
        return {}

    def scope_errors(self, judgments, findings) -> dict[str, str]:
        """A review's scope belongs to its inspection: questions and findings of another
        inspection (another force's, perhaps) are refused."""
        errors = {}
        if any(j.inspection_id != self.inspection_id for j in judgments):
            errors["judgments"] = "Every question in scope must belong to the review's inspection."
        if any(f.inspection_id != self.inspection_id for f in findings):
            errors["findings"] = "Every finding in scope must belong to the review's inspection."
        return errors

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_REVIEW_STATUSES

    def scope_findings(self):
        """Findings named in scope, and every finding under a question in scope."""
        return Finding.objects.filter(review_scope_q(self.pk))


LIVE_REVIEW_STATUSES = [
    FollowUpReview.Status.PROPOSED,
    FollowUpReview.Status.SCHEDULED,
    FollowUpReview.Status.IN_PROGRESS,
]


def review_scope_q(review, prefix: str = "") -> Q:
    """In a follow-up review's scope: the finding is named, or its question is. The one
    home of the rule: ``prefix`` reaches a finding from another model (``"finding__"``
    for actions), and ``review`` may be an id, a review or an ``OuterRef``."""
    review = getattr(review, "pk", review)
    named = FollowUpReview.findings.through.objects.filter(followupreview_id=review)
    questions = FollowUpReview.judgments.through.objects.filter(followupreview_id=review)
    # The scope is always within the review's inspection (``scope_errors``): saying so
    # lets the database read that inspection's findings, not every force's.
    inspection = FollowUpReview.objects.filter(pk=review).values("inspection_id")
    return Q(**{f"{prefix}inspection_id__in": inspection}) & (
        Q(**{f"{prefix}pk__in": named.values("finding_id")})
        | Q(**{f"{prefix}judgment_id__in": questions.values("judgment_id")})
    )
