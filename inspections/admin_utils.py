"""Admin helpers shared by both apps: scoping on every path (lists, filters, form
choices, history views), CSV export, cached choices.

The admin is a path like any other: every queryset it shows, every choice it offers and
validates, and every history record it opens goes through ``for_user``.
"""

import csv

from django.contrib import admin
from django.contrib.admin.utils import (
    display_for_field,
    get_fields_from_path,
    label_for_field,
    lookup_field,
    unquote,
)
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from .exports import safe_cell


@admin.action(description="Export selected rows as CSV")
def export_as_csv(modeladmin, request, queryset):
    fields = [f for f in modeladmin.get_list_display(request) if f != "action_checkbox"]
    if modeladmin.list_select_related and modeladmin.list_select_related is not True:
        queryset = queryset.select_related(*modeladmin.list_select_related)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = modeladmin.model._meta.model_name
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            capfirst(strip_tags(str(label_for_field(f, modeladmin.model, modeladmin))))
            for f in fields
        ]
    )
    for obj in queryset:
        row = []
        for f in fields:
            field, _, value = lookup_field(f, obj, modeladmin)
            if field is not None:
                value = display_for_field(value, field, "")
            row.append(safe_cell(strip_tags(str(value)) if value is not None else ""))
        writer.writerow(row)
    return response


def users_visible_to(user):
    """People a user may pick or see: inspectors see everyone; others, the members of
    their own forces."""
    from .models import Membership
    from .roles import user_is_inspector

    User = get_user_model()
    if user_is_inspector(user):
        return User.objects.all()
    forces = Membership.objects.for_user(user).values("force_id")
    return User.objects.filter(
        pk__in=Membership.objects.filter(force_id__in=forces).values("user_id")
    )


def scoped_choices(related_model, user):
    """The rows of ``related_model`` that ``user`` may choose in a form."""
    if related_model is get_user_model():
        return users_visible_to(user)
    manager = related_model._default_manager
    if hasattr(manager, "for_user"):
        return manager.for_user(user)
    return manager.all()


class NotFoundIs404:
    """An object the user may not see, or a malformed id, is a 404 on every admin URL
    (change, delete, history), before any permission check: as on the pages, nothing
    says whether another force's object exists."""

    def get_object(self, request, object_id, from_field=None):
        try:
            return super().get_object(request, object_id, from_field)
        except (ValueError, TypeError, OverflowError):
            return None

    def _object_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(str(object_id)))
        if obj is None:
            raise Http404("No such object.")
        return obj

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("No such object.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._object_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._object_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


class ReadOnlyHistory(NotFoundIs404):
    """simple-history's views, made safe: the object is looked up through the admin's
    (scoped) queryset, a bad record id is a 404, and history is read-only:
    ``SIMPLE_HISTORY_REVERT_DISABLED`` hides the revert button, and a POST to a history
    record is refused here, so no revert can go around a workflow."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._object_or_404(request, object_id)
        if not str(version_id).isdigit():
            raise Http404("No such history record.")
        if not self.model.history.filter(pk=version_id, id=obj.pk).exists():
            raise Http404("No such history record.")
        if request.method != "GET":
            raise PermissionDenied("History is read-only: records cannot be reverted.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedAdmin(NotFoundIs404, admin.ModelAdmin):
    """Every admin list, filter, form choice and detail goes through the same force
    scoping as the pages: an object outside it is a 404, as on the pages."""

    actions = [export_as_csv]
    # Django 6 assumes https for scheme-less URLs; say so now (no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """A filter on a relation lists only what the scoped rows refer to, never every
        force's names."""
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and get_fields_from_path(self.model, item)[-1].is_relation:
                item = (item, admin.RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters


class ScopedHistoryAdmin(ReadOnlyHistory, ScopedAdmin, SimpleHistoryAdmin):
    """For models whose changes are kept: scoped, with read-only history views."""


class ManagedHistoryAdmin(ScopedHistoryAdmin):
    """For rows only a force's managers (and inspectors) may administer (memberships):
    a force user sees, and chooses, only the forces they manage, so nobody can make
    themselves a member or manager of another force. ``managed_forces`` narrows it
    further (memberships: the forces a user administers)."""

    def managed_forces(self, request):
        """The forces whose rows a force user may administer here (default: managed)."""
        from .roles import managed_force_ids

        return managed_force_ids(request.user)

    def get_queryset(self, request):
        from .roles import user_is_inspector

        queryset = admin.ModelAdmin.get_queryset(self, request)
        if user_is_inspector(request.user):
            return queryset
        return queryset.filter(**{f"{queryset.force_path}__in": self.managed_forces(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from .models import Force
        from .roles import user_is_inspector

        if db_field.related_model is Force and not user_is_inspector(request.user):
            kwargs["queryset"] = Force.objects.filter(pk__in=self.managed_forces(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CachedChoicesMixin:
    """Inline foreign keys render their options from one query per formset, not one per
    row, so an inspection's change form costs the same with 5 findings or 60."""

    def limit_choices(self, db_field, request, queryset):
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self.limit_choices(db_field, request, field.queryset)
            field.choices = list(field.choices)
        return field


class ViewOnly:
    """An admin that shows and never writes: the rows change only through the services
    (actions), or never (the progress log, evidence, the reminder ledger)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ViewOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True
