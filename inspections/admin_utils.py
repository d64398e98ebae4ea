"""Admin helpers shared by both apps: scoped querysets, CSV export, cached choices."""

import csv

from django.contrib import admin
from django.contrib.admin.utils import display_for_field, label_for_field, lookup_field
from django.db import models
from django.http import HttpResponse
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


class ScopedAdmin(admin.ModelAdmin):
    """Every admin list and form goes through the same force scoping as the pages."""

    actions = [export_as_csv]
    # Django 6 assumes https for scheme-less URLs; say so now (no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """For models whose changes are kept (judgments, findings, actions, memberships)."""


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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
