"""The inspectors' admin: inspections with judgments and findings inline."""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.utils.text import Truncator

from .admin_utils import (
    CachedChoicesMixin,
    ManagedHistoryAdmin,
    NotFoundIs404,
    ScopedHistoryAdmin,
    users_visible_to,
)
from .models import Finding, FollowUpReview, Force, Inspection, Judgment, Membership
from .roles import administered_force_ids
from .services import DECISIONS, check_inspectorate_move, finding_inspectorate_decide


class FindingAdminForm(forms.ModelForm):
    """The inspectorate's decision is a move through ``inspections.services``, not a
    free edit of the status."""

    decision = forms.ChoiceField(
        required=False,
        choices=[
            ("", "No decision"),
            ("discharge", "Discharge"),
            ("return", "Return to the force"),
            ("supersede", "Mark superseded"),
        ],
        help_text="Discharge needs the force to have submitted evidence. Return and "
        "supersede need a reason.",
    )
    decision_reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Finding
        # The admin's fieldsets decide what is shown; these are the editable fields.
        fields = [
            "inspection",
            "judgment",
            "kind",
            "reference",
            "text",
            "position",
            "parent",
            "deadline",
            "deadline_date",
            "repeats",
        ]

    def __init__(self, *args, request_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_user = request_user

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision and self.instance.pk:
            try:
                check_inspectorate_move(
                    finding=Finding.objects.get(pk=self.instance.pk),
                    to=DECISIONS[decision],
                    by=self.request_user,
                    reason=cleaned.get("decision_reason", ""),
                )
            except ValidationError as exc:
                self.add_error("decision", exc)
        elif decision:
            self.add_error("decision", "Save the finding before recording a decision")
        return cleaned


def _inspection_id(request):
    match = request.resolver_match
    return match.kwargs.get("object_id") if match else None


@admin.register(Force)
class ForceAdmin(ScopedHistoryAdmin):
    list_display = ["name", "slug", "kind", "inspection_count", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_inspections=Count("inspections", distinct=True),
                n_members=Count("memberships", distinct=True),
            )
            .order_by("name")
        )

    @admin.display(description="Inspections", ordering="n_inspections")
    def inspection_count(self, obj):
        return obj.n_inspections

    @admin.display(description="Members", ordering="n_members")
    def member_count(self, obj):
        return obj.n_members


@admin.register(Membership)
class MembershipAdmin(ManagedHistoryAdmin):
    """Memberships are a force's people: outside the inspectorate, only the force's
    administrators manage them (as on the Team pages, ``people/services.py``), and never
    their own."""

    list_display = ["user", "force", "role"]
    list_filter = ["force", "role"]
    list_select_related = ["user", "force"]
    search_fields = ["user__username", "user__email", "user__last_name", "force__name"]
    autocomplete_fields = ["user", "force"]

    def managed_forces(self, request):
        return administered_force_ids(request.user)

    def _own(self, request, obj) -> bool:
        return obj is not None and obj.user_id == request.user.pk and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._own(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._own(request, obj)


class JudgmentInline(admin.TabularInline):
    model = Judgment
    extra = 0
    fields = ["number", "question", "grade", "summary"]


class FindingInline(CachedChoicesMixin, admin.StackedInline):
    model = Finding
    fk_name = "inspection"
    extra = 0
    fields = [
        ("reference", "kind", "judgment"),
        "text",
        ("parent", "deadline", "deadline_date"),
    ]
    show_change_link = True

    def limit_choices(self, db_field, request, queryset):
        inspection_id = _inspection_id(request)
        if db_field.name == "judgment":
            return queryset.filter(inspection_id=inspection_id)
        if db_field.name == "parent":
            return queryset.filter(
                inspection_id=inspection_id,
                kind__in=[Finding.Kind.CAUSE_OF_CONCERN, Finding.Kind.ACCELERATED_CAUSE_OF_CONCERN],
            )
        return queryset

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("judgment")


@admin.register(Inspection)
class InspectionAdmin(ScopedHistoryAdmin):
    change_list_template = "admin/inspections/inspection/change_list.html"
    list_display = ["title", "force", "programme", "pillar", "overall_grade", "published"]
    list_filter = ["force", "programme", "grading_scale"]
    list_select_related = ["force"]
    search_fields = ["title", "programme", "pillar", "force__name", "summary"]
    date_hierarchy = "published"
    inlines = [JudgmentInline, FindingInline]
    fieldsets = [
        (None, {"fields": ["force", "programme", "pillar", "title", "grading_scale"]}),
        (
            "Dates and source",
            {"fields": ["fieldwork_start", "fieldwork_end", "published", "report_url"]},
        ),
        (None, {"fields": ["summary"]}),
    ]

    def get_queryset(self, request):
        overall = Judgment.objects.filter(inspection=OuterRef("pk"), number=0).values("grade")[:1]
        return super().get_queryset(request).annotate(overall_grade_value=Subquery(overall))

    @admin.display(description="Overall grade", ordering="overall_grade_value")
    def overall_grade(self, obj):
        value = obj.overall_grade_value
        return dict(Judgment._meta.get_field("grade").choices).get(value, "–") if value else "–"

    def get_urls(self):
        # "Import report" (inspections/admin_import.py): upload, preview, confirm.
        from django.urls import path

        from .admin_import import import_confirm_view, import_upload_view

        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(lambda request: import_upload_view(request, self)),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/confirm/",
                self.admin_site.admin_view(lambda request: import_confirm_view(request, self)),
                name="{}_{}_import_confirm".format(*info),
            ),
            *super().get_urls(),
        ]


@admin.register(Judgment)
class JudgmentAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "inspection", "number", "grade"]
    list_filter = ["inspection__force", "inspection__programme", "grade"]
    list_select_related = ["inspection__force"]
    search_fields = ["question", "inspection__force__name", "inspection__programme"]
    autocomplete_fields = ["inspection"]

    def get_queryset(self, request):
        # Labels name the inspection and its force (autocomplete lists every force's).
        return super().get_queryset(request).select_related("inspection__force")

    def get_search_results(self, request, queryset, search_term):
        """ "Q2" (or "overall") finds question 2 of every inspection in view, beside the
        text search; the rest of the words still narrow by force or programme."""
        words = search_term.split()
        numbers = []
        for word in list(words):
            match = re.fullmatch(r"(?i)q(\d{1,2})|overall", word)
            if match:
                numbers.append(int(match.group(1) or 0))
                words.remove(word)
        if numbers:
            queryset = queryset.filter(number__in=numbers)
        return super().get_search_results(request, queryset, " ".join(words))


@admin.register(Finding)
class FindingAdmin(ScopedHistoryAdmin):
    list_display = ["reference", "kind", "short_text", "force", "programme", "question", "status"]
    list_filter = [
        "inspection__force",
        "inspection__programme",
        "judgment__grade",
        "kind",
        "status",
    ]
    list_select_related = ["inspection__force", "judgment"]
    search_fields = ["reference", "text", "inspection__force__name"]
    autocomplete_fields = ["inspection", "judgment", "parent", "repeats"]
    form = FindingAdminForm
    readonly_fields = ["status", "status_reason", "status_changed_by", "status_changed_at"]
    actions = [*ScopedHistoryAdmin.actions, "discharge_selected"]
    inlines = []  # improvements.admin adds the read-only actions inline
    fieldsets = [
        (None, {"fields": ["inspection", "judgment", "kind", "reference", "text", "position"]}),
        ("Recommendation", {"fields": ["parent", "deadline", "deadline_date"]}),
        (
            "Inspectorate status",
            {
                "fields": [
                    "status",
                    "status_reason",
                    "status_changed_by",
                    "status_changed_at",
                    "decision",
                    "decision_reason",
                ]
            },
        ),
        (None, {"fields": ["repeats"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request_user=request.user, **kw)

        return RequestForm

    @admin.display(description="Finding", ordering="text")
    def short_text(self, obj):
        return Truncator(obj.text).chars(90)

    @admin.display(description="Force", ordering="inspection__force__name")
    def force(self, obj):
        return obj.inspection.force

    @admin.display(description="Programme", ordering="inspection__programme")
    def programme(self, obj):
        return obj.inspection.programme

    @admin.display(description="Question", ordering="judgment__number")
    def question(self, obj):
        return obj.judgment.label

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        decision = form.cleaned_data.get("decision")
        if decision:
            finding_inspectorate_decide(
                finding=obj,
                to=DECISIONS[decision],
                by=request.user,
                reason=form.cleaned_data.get("decision_reason", ""),
            )

    @admin.action(description="Discharge selected findings (evidence submitted)")
    def discharge_selected(self, request, queryset):
        done, refused = 0, []
        for finding in queryset.select_related("inspection"):
            try:
                finding_inspectorate_decide(
                    finding=finding, to=Finding.Status.DISCHARGED, by=request.user
                )
                done += 1
            except ValidationError as exc:
                refused.append(f"{finding.reference}: {exc.messages[0]}")
        if done:
            self.message_user(request, f"{done} finding(s) discharged.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)


class FollowUpReviewAdminForm(forms.ModelForm):
    class Meta:
        model = FollowUpReview
        fields = [
            "inspection",
            "title",
            "note",
            "judgments",
            "findings",
            "evidence_due",
            "review_date",
            "status",
            "outcome",
        ]

    def clean(self):
        cleaned = super().clean()
        inspection = cleaned.get("inspection") or getattr(self.instance, "inspection", None)
        if inspection is not None:
            probe = FollowUpReview(inspection=inspection)
            errors = probe.scope_errors(
                cleaned.get("judgments") or [], cleaned.get("findings") or []
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return cleaned


@admin.register(FollowUpReview)
class FollowUpReviewAdmin(ScopedHistoryAdmin):
    form = FollowUpReviewAdminForm
    list_display = ["title", "force", "evidence_due", "review_date", "status"]
    list_filter = ["inspection__force", "inspection__programme", "status"]
    list_select_related = ["inspection__force"]
    search_fields = ["title", "note", "inspection__force__name"]
    autocomplete_fields = ["inspection", "judgments", "findings"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # On a saved review, the scope pickers offer only its own inspection's rows.
        review_id = _inspection_id(request)
        if review_id and str(review_id).isdigit():
            inspection = FollowUpReview.objects.for_user(request.user).filter(pk=review_id)
            kwargs["queryset"] = db_field.related_model.objects.for_user(request.user).filter(
                inspection__in=inspection.values("inspection_id")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="Force", ordering="inspection__force__name")
    def force(self, obj):
        return obj.inspection.force


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(NotFoundIs404, UserAdmin):
    """People, as far as the user may see them: inspectors everyone, a force user the
    members of their own forces."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=users_visible_to(request.user))

    def get_readonly_fields(self, request, obj=None):
        # Nobody but a superuser hands out superuser, staff, groups (Inspectors sees
        # every force) or permissions, themselves included.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return fields
