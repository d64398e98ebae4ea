"""Actions, progress and evidence in the admin: read-only. Actions change only through
the pages' services (the workflow, sign-off, reassignment); the progress log and evidence
never change at all."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from inspections.admin import FindingAdmin
from inspections.admin_utils import (
    ReadOnlyHistory,
    ReadOnlyInline,
    ScopedAdmin,
    ScopedHistoryAdmin,
    ViewOnly,
    users_visible_to,
)

from .models import (
    RAG,
    Action,
    Evidence,
    Notification,
    ProgressUpdate,
    Reminder,
    ReminderPreference,
    ReminderRule,
)


class ActionInline(ReadOnlyInline):
    model = Action
    fields = ["title", "owner", "lead", "due_date", "status"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner", "lead")


# Findings show their actions; the inline lives here so inspections never imports
# improvements.
FindingAdmin.inlines = [*FindingAdmin.inlines, ActionInline]


class ProgressUpdateInline(ReadOnlyInline):
    model = ProgressUpdate
    fields = ["created_at", "author", "text", "status_after", "rag_after"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["created_at", "uploaded_by", "description", "original_name", "link", "sha256"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


@admin.register(Action)
class ActionAdmin(ViewOnly, ScopedHistoryAdmin):
    """Every change to an action is a workflow move or a reassignment, made on the
    action's page through the services: the admin shows, it does not write."""

    list_display = [
        "title",
        "finding_reference",
        "force",
        "owner",
        "due_date",
        "status",
        "rag",
    ]
    list_filter = [
        "finding__inspection__force",
        "finding__inspection__programme",
        "finding__kind",
        "status",
        "priority",
    ]
    list_select_related = ["finding__inspection", "force", "owner"]
    search_fields = ["title", "description", "finding__reference", "finding__text"]
    autocomplete_fields = ["finding", "owner", "lead", "contributors"]
    date_hierarchy = "due_date"
    readonly_fields = [
        "completed_at",
        "completed_by",
        "signed_off_at",
        "signed_off_by",
        "last_update_at",
        "created_at",
    ]
    inlines = [ProgressUpdateInline, EvidenceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_rag()

    @admin.display(description="Finding", ordering="finding__reference")
    def finding_reference(self, obj):
        return obj.finding.reference

    @admin.display(description="RAG", ordering="current_rag")
    def rag(self, obj):
        return RAG(obj.current_rag).label


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ViewOnly, ScopedAdmin):
    """The log is append-only: the admin can read it, never change it."""

    list_display = ["created_at", "action", "author", "short_text", "status_after"]
    list_filter = ["action__finding__inspection__force", "status_after"]
    list_select_related = ["action", "author"]
    search_fields = ["text", "action__title"]

    @admin.display(description="Update")
    def short_text(self, obj):
        return Truncator(obj.text).chars(90)


@admin.register(Evidence)
class EvidenceAdmin(ViewOnly, ScopedAdmin):
    list_display = ["__str__", "action", "uploaded_by", "size", "created_at"]
    list_filter = ["action__finding__inspection__force"]
    list_select_related = ["action", "uploaded_by"]
    search_fields = ["description", "original_name", "link", "sha256"]
    readonly_fields = ["sha256", "size", "content_type", "original_name", "file"]


class ServiceOwnerOnly(ReadOnlyHistory):
    """Configuration of the whole service: its administrators (superusers) only. Anyone
    else is refused before any object is looked up."""

    def _object_or_404(self, request, object_id):
        if not self.has_module_permission(request):
            raise PermissionDenied("Only the service's administrators can do that.")
        return super()._object_or_404(request, object_id)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(ReminderRule)
class ReminderRuleAdmin(ServiceOwnerOnly, SimpleHistoryAdmin):
    list_display = [
        "name",
        "anchor",
        "offset_days",
        "audience",
        "repeat_days",
        "mandatory",
        "active",
    ]
    list_filter = ["anchor", "audience", "mandatory", "active"]
    list_editable = ["active"]
    search_fields = ["name"]


@admin.register(Reminder)
class ReminderAdmin(ViewOnly, ScopedAdmin):
    """The ledger: what was sent to whom, and every failure with its error."""

    list_display = [
        "digest_date",
        "rule",
        "recipient",
        "subject",
        "anchor_date",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "rule", "force", "digest_date"]
    list_select_related = ["rule", "recipient"]
    search_fields = ["recipient__username", "recipient__email", "subject", "error"]
    date_hierarchy = "digest_date"
    readonly_fields = [f.name for f in Reminder._meta.fields]

    @admin.display(description="Error")
    def short_error(self, obj):
        return Truncator(obj.error).chars(80)


@admin.register(Notification)
class NotificationAdmin(ViewOnly, ScopedAdmin):
    """The outbox: every event email, and every failure with its error."""

    list_display = ["created_at", "event", "recipient", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "event", "force"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email", "subject", "error"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(ServiceOwnerOnly, admin.ModelAdmin):
    list_display = ["user", "opt_out"]
    list_filter = ["opt_out"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=users_visible_to(request.user))
