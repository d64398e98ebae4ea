"""Small template helpers for the staff and manager pages."""

from crispy_forms.layout import BaseInput
from django import template

from inspections.models import Grade

register = template.Library()


@register.filter
def grade_label(value) -> str:
    """'requires_improvement' → 'Requires improvement'; blank → 'Not graded'."""
    if not value:
        return "Not graded"
    try:
        return Grade(value).label
    except ValueError:
        return str(value)


@register.filter
def grade_tag_class(value) -> str:
    """The GOV.UK tag colour for a grade; the text, not the colour, carries the meaning."""
    return {
        Grade.OUTSTANDING: "govuk-tag--green",
        Grade.GOOD: "govuk-tag--green",
        Grade.ADEQUATE: "govuk-tag--yellow",
        Grade.REQUIRES_IMPROVEMENT: "govuk-tag--orange",
        Grade.INADEQUATE: "govuk-tag--red",
    }.get(value, "govuk-tag--grey")


@register.simple_tag
def form_ids(form, prefix: str) -> str:
    """Give a form's fields and buttons ids of their own, so that several forms on one
    page (the action page has three) never share an id such as ``id_reason`` or
    ``id_submit``: a label must point at its own field. Use it before anything renders
    the form, the error summary included: ``{% form_ids decision_form "decision" %}``.
    Radios and checkboxes keep crispy-forms-gds's ``id_<name>_<n>`` ids, which are
    unique because the field names are."""
    if form is None or form == "":
        return ""
    form.auto_id = f"{prefix}-%s"
    helper = getattr(form, "helper", None)
    if helper is not None:
        helper.form_id = f"{prefix}-form"
        for item in _layout_items(getattr(helper, "layout", None)):
            # Buttons (crispy-forms' BaseInput: GDS buttons have no input_type).
            if isinstance(item, BaseInput):
                item.id = f"{prefix}-{item.name}"
    return ""


def _layout_items(layout):
    for item in getattr(layout, "fields", None) or []:
        yield item
        yield from _layout_items(item)


@register.filter
def filters_applied(filterset) -> bool:
    """True when a bound django-filter form has any filter value set."""
    if not getattr(filterset, "is_bound", False):
        return False
    form = filterset.form
    if not form.is_valid():
        return False
    return any(value not in (None, "", [], ()) for value in form.cleaned_data.values())


@register.filter
def applied_filters(filterset) -> list[tuple[str, str]]:
    """(label, value) for each filter a bound django-filter form has set, as the
    "Filters applied" box lists them."""
    if not filters_applied(filterset):
        return []
    form = filterset.form
    applied = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()):
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        if hasattr(value, "strftime"):
            shown = f"{value:%-d %B %Y}"
        elif isinstance(value, list | tuple):
            shown = ", ".join(str(choices.get(v, v)) for v in value)
        elif name == "owner":
            shown = form.data.get(name, "")
        else:
            shown = str(choices.get(value, choices.get(str(value), value)))
        applied.append((str(field.label or name), shown))
    return applied


@register.simple_tag
def bound_fields(form, *names):
    """Some of a form's bound fields, to render alike in a loop:
    ``{% bound_fields filter.form "status" "rag" as checkbox_fields %}``."""
    return [form[name] for name in names]
