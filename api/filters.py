"""The API's filters (django-filter, as on the pages). Ids and usernames narrow what the
user may already see: an id of another force's object matches nothing (it is never a
400 that would say it exists)."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms

from improvements.models import RAG, Action, Status
from inspections.models import Finding, FindingKind, FindingStatus, Inspection


class IdFilter(django_filters.NumberFilter):
    """A whole number that could be an id (a 400 otherwise, never a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment, handed to the database in UTC: any offset the standard allows
    is understood (PostgreSQL's own limit is ±15:59), and a moment that has no UTC form
    (0001-01-01T00:00+05:00) is a 400."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a moment between the years 1 and 9999.") from None


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class InspectionFilter(django_filters.FilterSet):
    force = django_filters.CharFilter(field_name="force__slug", help_text="A force's slug.")
    published_after = django_filters.DateFilter(field_name="published", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published", lookup_expr="lte")

    class Meta:
        model = Inspection
        fields: list[str] = []


class FindingFilter(django_filters.FilterSet):
    force = django_filters.CharFilter(
        field_name="inspection__force__slug", help_text="A force's slug."
    )
    inspection = IdFilter(field_name="inspection_id")
    kind = django_filters.MultipleChoiceFilter(choices=FindingKind.choices)
    question = IdFilter(
        field_name="judgment__number",
        max_value=32767,
        help_text="The question's number; 0 is the overall one.",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=FindingStatus.choices, help_text="Where the inspectorate has the finding."
    )

    class Meta:
        model = Finding
        fields: list[str] = []


class ActionFilter(django_filters.FilterSet):
    force = django_filters.CharFilter(field_name="force__slug", help_text="A force's slug.")
    inspection = IdFilter(field_name="finding__inspection_id")
    finding = IdFilter(field_name="finding_id")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    rag = django_filters.MultipleChoiceFilter(field_name="current_rag", choices=RAG.choices)
    owner = django_filters.CharFilter(
        field_name="owner__username", lookup_expr="iexact", help_text="The owner's username."
    )
    lead = django_filters.CharFilter(
        field_name="lead__username", lookup_expr="iexact", help_text="The lead's username."
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", help_text="Due on or after (YYYY-MM-DD)."
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", help_text="Due on or before (YYYY-MM-DD)."
    )
    updated_since = MomentFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this time (ISO 8601): for an incremental refresh.",
    )

    class Meta:
        model = Action
        fields: list[str] = []
