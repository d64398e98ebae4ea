"""The import forms: the upload form (which parses the report) and the preview's forms and
formsets (the inspection, its judgments, findings and proposed follow-up reviews)."""

from __future__ import annotations

import logging
import re
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.template.defaultfilters import filesizeformat

from ..canonical import force_name_error
from ..importer import ReportParseError, extract_text, parse_report_text
from ..models import Finding

# The logger's name from before this package was split.
logger = logging.getLogger("inspections.admin_import")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = (".pdf", ".txt")


# --- helpers -------------------------------------------------------------------------------


def fold_text(value: str) -> str:
    """Line breaks typed into a text box fold to single spaces (docs/architecture.md, "The canonical inspection JSON")."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", value).strip()


def collapse_spaces(value: str) -> str:
    return " ".join(value.split())


def grade_choices(scale: list[str]) -> list[tuple[str, str]]:
    return [("", "Ungraded"), *((label, label) for label in scale)]


def question_choices(data: dict) -> list[tuple[int, str]]:
    return [(0, "Overall"), *((j["number"], f"Q{j['number']}") for j in data["judgments"])]


class FoldedTextField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return fold_text(value) if value else value


class OneLineField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return collapse_spaces(value) if value else value


# --- forms ---------------------------------------------------------------------------------


class ReportUploadForm(forms.Form):
    report = forms.FileField(
        label="Report",
        help_text="The inspection report as a PDF or a text file (.pdf or .txt, at most 20 MB).",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.txt,application/pdf,text/plain"}),
    )
    force = OneLineField(
        label="Force name",
        required=False,
        max_length=200,
        help_text="Optional: use this name instead of the force the report names.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result = None
        self.filename = ""

    def clean_report(self):
        upload = self.cleaned_data["report"]
        name = PurePath(upload.name or "").name or "the uploaded file"
        if not name.lower().endswith(ALLOWED_EXTENSIONS):
            raise ValidationError(
                "%(name)s is neither a PDF nor a text file: upload a .pdf or a .txt report.",
                code="file_type",
                params={"name": name},
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                "%(name)s is %(size)s; the limit is %(limit)s.",
                code="file_size",
                params={
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                },
            )
        content = b"".join(upload.chunks())
        try:
            self.result = parse_report_text(extract_text(content, filename=name))
        except ReportParseError as exc:
            raise ValidationError(
                "%(name)s could not be imported: %(reason)s",
                code="not_a_report",
                params={"name": name, "reason": exc},
            ) from exc
        except Exception as exc:  # a parser bug must not become a server error page
            logger.exception("import of %s failed", name)
            raise ValidationError(
                "%(name)s could not be read (%(error)s). Nothing was saved.",
                code="parser_failure",
                params={"name": name, "error": type(exc).__name__},
            ) from exc
        self.filename = name
        return upload


class InspectionForm(forms.Form):
    force = OneLineField(label="Force", max_length=200)
    programme = OneLineField(label="Programme", max_length=100)
    pillar = OneLineField(label="Pillar", max_length=100, required=False)
    overall_question = FoldedTextField(
        label="Overall question", widget=forms.Textarea(attrs={"rows": 2, "cols": 90})
    )
    overall_grade = forms.ChoiceField(label="Overall grade", required=False)
    update = forms.BooleanField(
        label="Apply these changes to the existing inspection",
        required=False,
    )

    def __init__(self, *args, scale: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overall_grade"].choices = grade_choices(scale)

    def clean_force(self):
        name = self.cleaned_data["force"]
        if error := force_name_error(name):
            raise forms.ValidationError(error[0].upper() + error[1:])
        return name


def label_row_fields(form: forms.Form, what: str) -> None:
    """Fields shown in a table row get an accessible name: "Finding 3: text"."""
    index = (form.prefix or "").rsplit("-", 1)[-1]
    number = int(index) + 1 if index.isdigit() else ""
    for name, field in form.fields.items():
        label = (field.label or name).lower()
        field.widget.attrs.setdefault("aria-label", f"{what} {number}: {label}")


def fit_rows(field: forms.Field, text: str, per_line: int = 45, most: int = 12) -> None:
    """A text box tall enough to show the whole text without scrolling."""
    field.widget.attrs["rows"] = max(2, min(most, len(text or "") // per_line + 1))


class JudgmentForm(forms.Form):
    question = FoldedTextField(
        label="Question", widget=forms.Textarea(attrs={"rows": 2, "cols": 70})
    )
    grade = forms.ChoiceField(label="Grade", required=False)

    def __init__(self, *args, scale: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grade_choices(scale)
        fit_rows(self.fields["question"], self.initial.get("question", ""), per_line=80)
        label_row_fields(self, "Question")


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=Finding.Kind.choices)
    question = forms.TypedChoiceField(label="Question", coerce=int)
    text = FoldedTextField(label="Text", widget=forms.Textarea(attrs={"rows": 3, "cols": 70}))

    def __init__(self, *args, questions: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = questions
        if not self.initial:
            # The blank row for a finding the parser missed: unchanged, it is ignored.
            first = questions[1][0] if len(questions) > 1 else 0
            self.initial = {"kind": Finding.Kind.AREA_FOR_IMPROVEMENT, "question": first}
        fit_rows(self.fields["text"], self.initial.get("text", ""))
        label_row_fields(self, "Finding")


class ReviewForm(forms.Form):
    keep = forms.BooleanField(label="Keep", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_row_fields(self, "Follow-up review")


class BaseFindingFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove"
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Remove finding {index + 1}"


JudgmentFormSet = formset_factory(JudgmentForm, extra=0)
FindingFormSet = formset_factory(
    FindingForm, formset=BaseFindingFormSet, extra=1, can_delete=True, can_delete_extra=False
)
ReviewFormSet = formset_factory(ReviewForm, extra=0)
