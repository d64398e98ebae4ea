"""The board's filters (django-filter): inspection, question, owner, status, RAG, due range.

They narrow the action queryset that every figure, chart, list and export of a force
board is computed from. Choices come from the board's force only.
"""

from __future__ import annotations

from functools import partial

import django_filters
from django import forms

from inspections.models import Finding, Inspection, Judgment

from ..filters import PersonFilter, people_url, set_people
from ..models import RAG, Status
from .selectors import board_actions, force_owner_choices

# The board's own page numbers: not filters, and not kept in exports.
LIST_PARAMS = ("overdue_page", "due_page", "stale_page")
# dd/mm/yyyy as people write it (ISO accepted too: en-GB's DATE_INPUT_FORMATS), never
# the browser's own date picker, which shows mm/dd/yyyy in some locales.
DATE = forms.DateInput(
    format="%d/%m/%Y",
    attrs={
        "class": "govuk-input govuk-input--width-10",
        "inputmode": "numeric",
        "placeholder": "dd/mm/yyyy",
    },
)


def _select(name: str) -> forms.Select:
    # Rendered by the widget, which reads a model's choices in one query (a template loop
    # over them would COUNT first).
    return forms.Select(attrs={"class": "govuk-select govuk-!-width-full", "id": f"filter-{name}"})


class BoardFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        after, before = data.get("due_after"), data.get("due_before")
        if after and before and after > before:
            self.add_error("due_before", "“Due by” must be the same as or after “Due from”.")
        return data


class BoardFilter(django_filters.FilterSet):
    inspection = django_filters.ModelChoiceFilter(
        field_name="finding__inspection",
        queryset=Inspection.objects.none(),
        label="Inspection",
        empty_label="All inspections",
        widget=_select("inspection"),
    )
    question = django_filters.TypedChoiceFilter(
        field_name="finding__judgment__number",
        choices=[],
        coerce=int,
        label="Question",
        widget=_select("question"),
    )
    owner = PersonFilter(label="Owner")
    # distinct=False: these filters join nothing, and a DISTINCT would make the board's
    # aggregates run over a subquery that drops the RAG expression's "activity_at" alias.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Status",
        distinct=False,
    )
    rag = django_filters.MultipleChoiceFilter(
        field_name="current_rag",
        choices=RAG.choices,
        widget=forms.CheckboxSelectMultiple,
        label="RAG",
        distinct=False,
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due from", widget=DATE
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due by", widget=DATE
    )

    class Meta:
        form = BoardFilterForm
        fields: list[str] = []

    def __init__(self, data=None, *args, force, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.force = force
        inspections = Inspection.objects.filter(force=force).order_by("-published", "programme")
        self.filters["inspection"].queryset = inspections
        self.filters["inspection"].field.label_from_instance = _inspection_label
        set_people(self, "owner", force_owner_choices(force), people_url(force), "filter-owner")

        # A callable: read when the form validates or renders, not when it is built.
        self.filters["question"].extra["choices"] = partial(_question_choices, force)
        owner = self.form.fields["owner"].widget
        owner.attrs["aria-describedby"] = "filter-owner-hint"
        if self.is_bound and self.form.errors.get("owner"):
            owner.attrs["aria-describedby"] += " filter-owner-error"
            owner.attrs["class"] += " govuk-input--error"

    @property
    def applied(self) -> bool:
        """True when the form is valid and any filter has a value."""
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(v not in (None, "", [], ()) for v in self.form.cleaned_data.values())

    def described(self) -> list[tuple[str, str]]:
        """The filters applied, in words, for an export's cover sheet."""
        if not self.applied:
            return []
        data, lines = self.form.cleaned_data, []
        for name, field in self.form.fields.items():
            value = data.get(name)
            if value in (None, "", [], ()):
                continue
            if name == "owner":
                text = ", ".join(p.get_full_name() or p.get_username() for p in value[:10])
            elif name == "inspection":
                text = _inspection_label(value)
            elif isinstance(value, list | tuple):
                choices = dict(field.choices)
                text = ", ".join(str(choices.get(v, v)) for v in value)
            elif hasattr(value, "strftime"):
                text = f"{value:%d/%m/%Y}"
            else:
                text = (
                    str(dict(field.choices).get(value, value))
                    if hasattr(field, "choices")
                    else str(value)
                )
            lines.append((str(field.label), text))
        return lines

    def findings(self):
        """The force's findings the export's Findings sheet lists: those of the
        inspection and question filtered on, with or without actions."""
        findings = Finding.objects.filter(inspection__force=self.force)
        if not self.applied:
            return findings
        data = self.form.cleaned_data
        if data.get("inspection"):
            findings = findings.filter(inspection=data["inspection"])
        if data.get("question") not in (None, ""):
            findings = findings.filter(judgment__number=data["question"])
        return findings


def _inspection_label(inspection: Inspection) -> str:
    return " – ".join(part for part in (inspection.programme, inspection.pillar) if part)


def _question_choices(force) -> list[tuple]:
    """Question numbers the force's inspections use."""
    numbers = (
        Judgment.objects.filter(inspection__force=force)
        .order_by("number")
        .values_list("number", flat=True)
        .distinct()
    )
    return [("", "All questions")] + [
        (n, "Overall" if n == 0 else f"Question {n}") for n in numbers
    ]


def board_filter_for(user, access, params, today) -> BoardFilter:
    """The board's filters from a query string, over the force's actions the user sees:
    the board, its exports and a background export all narrow the actions here."""
    actions = board_actions(user, access.force, today)
    params = params.copy()
    for name in ("force", *LIST_PARAMS):
        params.pop(name, None)
    return BoardFilter(params or None, queryset=actions, force=access.force)
