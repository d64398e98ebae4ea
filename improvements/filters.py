"""The action list's filters (django-filter): status, RAG, owner, question, due range."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model

from inspections.models import Membership
from inspections.roles import user_is_inspector

from .models import RAG, Status

DATE = forms.DateInput(attrs={"type": "date", "class": "govuk-input govuk-input--width-10"})


class ActionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.CheckboxSelectMultiple, label="Status"
    )
    rag = django_filters.MultipleChoiceFilter(
        field_name="current_rag",
        choices=RAG.choices,
        widget=forms.CheckboxSelectMultiple,
        label="RAG",
    )
    owner = django_filters.ModelChoiceFilter(queryset=None, label="Owner", empty_label="Anyone")
    question = django_filters.ChoiceFilter(
        field_name="finding__judgment__number",
        choices=[(str(n), f"Question {n}") for n in range(1, 10)],
        empty_label="Any question",
        label="Question",
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due from", widget=DATE
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due by", widget=DATE
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True)
        if not user_is_inspector(user):
            forces = Membership.objects.filter(user=user).values("force_id")
            users = users.filter(memberships__force__in=forces)
        self.filters["owner"].queryset = users.distinct().order_by("first_name", "last_name")
        self.filters["owner"].field.label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )
