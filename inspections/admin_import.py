"""Admin "Import report": upload a report, check and correct what was read, confirm to save.

1. ``import/`` shows the upload form (a PDF or .txt report, an optional force name).
   Posting it parses the file and answers with the preview page.
2. The preview shows the parsed inspection (force, programme, pillar, scale, overall and
   question grades, findings, proposed follow-up reviews) and the parser's warnings, as a
   form: grades are selects limited to the scale, findings' kind, question and text can be
   edited and findings removed (or one added). The parsed document itself travels in a
   hidden field signed with ``django.core.signing`` (bound to the user, valid for a few
   hours); only the corrections come from the form.
3. ``import/confirm/`` checks the signature (400 with the reason when it fails), applies the
   corrections to the signed document and saves exactly that with
   ``inspection_save_canonical``, then redirects to the inspection's change page.

The user needs ``inspections.add_inspection``; applying a re-import over an existing
inspection needs ``inspections.change_inspection`` as well.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import formset_factory
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import Truncator

from .canonical import (
    CanonicalError,
    ReimportConflict,
    default_references,
    diff_canonical,
    inspection_save_canonical,
    inspection_to_canonical,
)
from .importer import ReportParseError, extract_text, parse_report_text
from .models import Finding, Force, Inspection

logger = logging.getLogger(__name__)

SIGNING_SALT = "inspections.admin_import.preview"
PREVIEW_MAX_AGE = 6 * 60 * 60  # seconds
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = (".pdf", ".txt")
PERMISSION = "inspections.add_inspection"
UPLOAD_TEMPLATE = "admin/inspections/inspection/import_upload.html"
PREVIEW_TEMPLATE = "admin/inspections/inspection/import_preview.html"


class PreviewDataError(Exception):
    """The signed preview data cannot be used; the message says why."""


# --- signing -------------------------------------------------------------------------------


def sign_preview(payload: dict[str, Any]) -> str:
    return signing.dumps(payload, salt=SIGNING_SALT, compress=True)


def load_preview(token: str, user) -> dict[str, Any]:
    """The payload signed by :func:`sign_preview`, checked for this user and age."""
    if not token:
        raise PreviewDataError("The preview data is missing; upload the report again.")
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise PreviewDataError(
            f"The preview has expired (it is older than {PREVIEW_MAX_AGE // 3600} hours); "
            "upload the report again."
        ) from None
    except signing.BadSignature:
        raise PreviewDataError(
            "The preview data failed its signature check (it was altered or damaged), so "
            "nothing was saved; upload the report again."
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise PreviewDataError("The preview data is not in the expected form; upload again.")
    if payload.get("user") != user.pk:
        raise PreviewDataError("This preview was made for another user; upload the report again.")
    return payload


# --- helpers -------------------------------------------------------------------------------


def fold_text(value: str) -> str:
    """Line breaks typed into a text box fold to single spaces (DESIGN.md §7)."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", value).strip()


def collapse_spaces(value: str) -> str:
    return " ".join(value.split())


def existing_inspection(data: dict) -> Inspection | None:
    """The stored inspection this document would be saved over (same force, programme,
    pillar), if there is one."""
    return (
        Inspection.objects.filter(
            force__name__iexact=data.get("force", ""),
            programme=data.get("programme", ""),
            pillar=data.get("pillar") or "",
        )
        .select_related("force")
        .first()
    )


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


# --- the preview ---------------------------------------------------------------------------


class ImportPreview:
    """The preview form over a signed parsed document; ``data`` is the corrected document
    once :meth:`is_valid` has passed."""

    def __init__(self, payload: dict[str, Any], post=None):
        self.payload = payload
        self.original: dict[str, Any] = payload["data"]
        self.warnings: list[str] = list(payload.get("warnings", []))
        self.errors: list[str] = []
        self.data: dict[str, Any] | None = None
        original = self.original
        scale = list(original["grading_scale"])
        self.inspection_form = InspectionForm(
            post,
            prefix="inspection",
            scale=scale,
            initial={
                "force": original["force"],
                "programme": original["programme"],
                "pillar": original.get("pillar", ""),
                "overall_question": original["overall"].get("question", ""),
                "overall_grade": original["overall"].get("grade", ""),
            },
        )
        self.judgments = JudgmentFormSet(
            post,
            prefix="judgments",
            initial=[
                {"question": j["question"], "grade": j["grade"]} for j in original["judgments"]
            ],
            form_kwargs={"scale": scale},
        )
        self.findings = FindingFormSet(
            post,
            prefix="findings",
            initial=[
                {"kind": f["kind"], "question": f["question"], "text": f["text"]}
                for f in original["findings"]
            ],
            form_kwargs={"questions": question_choices(original)},
        )
        self.reviews = ReviewFormSet(
            post,
            prefix="reviews",
            initial=[{"keep": True} for _ in original.get("follow_up_reviews", [])],
        )

    # Structure: a bound form must have exactly the rows the signed document has.
    def structure_matches(self) -> bool:
        expected = {
            self.judgments: len(self.original["judgments"]),
            self.findings: len(self.original["findings"]),
            self.reviews: len(self.original.get("follow_up_reviews", [])),
        }
        for formset, count in expected.items():
            if not formset.management_form.is_valid():
                return False
            if formset.initial_form_count() != count:
                return False
            extra_rows = formset.total_form_count() - count
            if extra_rows < 0 or (formset is not self.findings and extra_rows):
                return False
            if extra_rows > 20:
                return False
        return True

    def is_valid(self) -> bool:
        valid = all(
            [
                self.inspection_form.is_valid(),
                self.judgments.is_valid(),
                self.findings.is_valid(),
                self.reviews.is_valid(),
            ]
        )
        if not valid:
            self.errors.append("Please correct the errors below.")
            return False
        try:
            self.data = self.corrected()
        except ValidationError as exc:
            self.errors.extend(exc.messages)
            return False
        return True

    def corrected(self) -> dict[str, Any]:
        """The signed document with the form's corrections applied."""
        original = self.original
        head = self.inspection_form.cleaned_data
        return {
            "force": head["force"],
            "programme": head["programme"],
            "pillar": head["pillar"],
            "grading_scale": list(original["grading_scale"]),
            "overall": {"question": head["overall_question"], "grade": head["overall_grade"]},
            "judgments": [
                {
                    "number": judgment["number"],
                    "question": form.cleaned_data["question"],
                    "grade": form.cleaned_data["grade"],
                }
                for judgment, form in zip(original["judgments"], self.judgments.forms, strict=True)
            ],
            "findings": self._corrected_findings(),
            "follow_up_reviews": [
                review
                for review, form in zip(
                    original.get("follow_up_reviews", []), self.reviews.forms, strict=True
                )
                if form.cleaned_data.get("keep")
            ],
        }

    def _corrected_findings(self) -> list[dict[str, Any]]:
        """Kept, edited and added findings in canonical order (by question, then as listed).

        References follow the default numbering unless the report gave one of its own;
        a recommendation keeps its cause of concern under the cause's new reference.
        """
        source = self.original["findings"]
        source_defaults = default_references(source)
        rows = []  # (item, source item, its reference, its default reference)
        for index, form in enumerate(self.findings.forms):
            if index < len(source):
                if self.findings._should_delete_form(form):
                    continue
                origin = source[index]
                origin_default = source_defaults[index]
            elif form.has_changed():
                origin, origin_default = {}, ""
            else:
                continue
            data = form.cleaned_data
            item: dict[str, Any] = {
                "kind": data["kind"],
                "question": data["question"],
                "text": data["text"],
            }
            if origin.get("deadline"):
                item["deadline"] = origin["deadline"]
            rows.append((item, origin, origin.get("reference") or origin_default, origin_default))
        rows.sort(key=lambda row: row[0]["question"])  # stable: keeps the listed order

        defaults = default_references([row[0] for row in rows])
        new_reference: dict[str, str] = {}
        position: dict[str, int] = {}
        for index, ((item, origin, origin_ref, origin_default), default) in enumerate(
            zip(rows, defaults, strict=True)
        ):
            reference = default
            own = origin.get("reference")
            # A reference of the report's own (not the default numbering) is kept as long
            # as the finding keeps its kind and question.
            unmoved = (item["kind"], item["question"]) == (
                origin.get("kind"),
                origin.get("question"),
            )
            if own and own != origin_default and unmoved:
                reference = own
                item["reference"] = own
            if origin_ref:
                new_reference[origin_ref] = reference
            position[reference] = index

        errors = []
        if len(position) != len(rows):
            errors.append(
                "Two findings would have the same reference; check the kinds and questions."
            )
        for index, (item, origin, _, _) in enumerate(rows):
            parent = origin.get("parent")
            if not parent or item["kind"] != Finding.Kind.RECOMMENDATION:
                continue
            reference = new_reference.get(parent)
            text = Truncator(item["text"]).chars(80)
            if reference is None:
                errors.append(
                    f"The recommendation “{text}” answers a cause of concern that was removed: "
                    "keep the cause of concern or remove the recommendation too."
                )
            elif position.get(reference, len(rows)) > index:
                errors.append(
                    f"The recommendation “{text}” must stay under the same question as its "
                    "cause of concern."
                )
            else:
                item["parent"] = reference
        if errors:
            raise ValidationError(errors)
        return [row[0] for row in rows]

    # Display ---------------------------------------------------------------------------

    def display_data(self) -> dict[str, Any]:
        """The document the page describes: the corrected one when it could be built."""
        return self.data or self.original

    def context(self) -> dict[str, Any]:
        original = self.original
        data = self.display_data()
        source = original["findings"]
        source_defaults = default_references(source)
        finding_rows = []
        for index, form in enumerate(self.findings.forms):
            origin = source[index] if index < len(source) else None
            finding_rows.append(
                {
                    "form": form,
                    "origin": origin,
                    "reference": (origin.get("reference") or source_defaults[index])
                    if origin
                    else "",
                    "new": origin is None,
                }
            )
        existing = existing_inspection(data)
        differences = (
            diff_canonical(inspection_to_canonical(existing), data) if existing is not None else []
        )
        return {
            "preview": self,
            "warnings": self.warnings,
            "preview_errors": self.errors,
            "filename": self.payload.get("filename", ""),
            "report_force": self.payload.get("report_force", ""),
            "force_exists": Force.objects.filter(name__iexact=data["force"]).exists(),
            "grading_scale": original["grading_scale"],
            "inspection_form": self.inspection_form,
            "judgment_rows": [
                {"number": j["number"], "form": form}
                for j, form in zip(original["judgments"], self.judgments.forms, strict=False)
            ],
            "judgment_formset": self.judgments,
            "finding_formset": self.findings,
            "finding_rows": finding_rows,
            "finding_count": len(source),
            "review_rows": [
                {"review": review, "form": form}
                for review, form in zip(
                    original.get("follow_up_reviews", []), self.reviews.forms, strict=False
                )
            ],
            "review_formset": self.reviews,
            "existing": existing,
            "differences": differences,
        }


# --- views ---------------------------------------------------------------------------------


def _require_permission(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _context(request, model_admin, **extra) -> dict[str, Any]:
    opts = model_admin.model._meta
    return {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        "has_view_permission": model_admin.has_view_permission(request),
        "upload_url": reverse("admin:inspections_inspection_import"),
        "confirm_url": reverse("admin:inspections_inspection_import_confirm"),
        **extra,
    }


def _render_preview(request, model_admin, preview: ImportPreview, token: str, status=200):
    context = _context(
        request,
        model_admin,
        title="Import report: check and confirm",
        payload=token,
        **preview.context(),
    )
    return TemplateResponse(request, PREVIEW_TEMPLATE, context, status=status)


def _render_upload(request, model_admin, form, *, error: str = "", status=200):
    context = _context(request, model_admin, title="Import report", form=form, error=error)
    return TemplateResponse(request, UPLOAD_TEMPLATE, context, status=status)


def import_upload_view(request, model_admin):
    """Step 1: the upload form; a valid upload answers with the preview."""
    _require_permission(request)
    if request.method != "POST":
        return _render_upload(request, model_admin, ReportUploadForm())
    form = ReportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_upload(request, model_admin, form)
    data = form.result.data
    report_force = data["force"]
    if form.cleaned_data.get("force"):
        data["force"] = form.cleaned_data["force"]
    payload = {
        "data": data,
        "warnings": form.result.warnings,
        "filename": form.filename,
        "report_force": report_force,
        "user": request.user.pk,
    }
    return _render_preview(request, model_admin, ImportPreview(payload), sign_preview(payload))


def import_confirm_view(request, model_admin):
    """Step 2: save what the preview showed, with the corrections made on it."""
    _require_permission(request)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("admin:inspections_inspection_import"))
    token = request.POST.get("payload", "")
    try:
        payload = load_preview(token, request.user)
    except PreviewDataError as exc:
        return _render_upload(request, model_admin, ReportUploadForm(), error=str(exc), status=400)
    preview = ImportPreview(payload, request.POST)
    if not preview.structure_matches():
        return _render_upload(
            request,
            model_admin,
            ReportUploadForm(),
            error=(
                "The submitted preview does not match the uploaded report (rows were added "
                "or removed outside the form), so nothing was saved; upload the report again."
            ),
            status=400,
        )
    if not preview.is_valid():
        return _render_preview(request, model_admin, preview, token)

    data = preview.data
    update = preview.inspection_form.cleaned_data["update"]
    existing = existing_inspection(data)
    if existing is not None and update:
        allowed = model_admin.get_queryset(request).filter(pk=existing.pk).exists()
        if not (allowed and model_admin.has_change_permission(request, existing)):
            raise PermissionDenied
    try:
        saved = inspection_save_canonical(data, update=update)
    except ReimportConflict as exc:
        preview.errors.append(
            f"{existing or 'This inspection'} is already stored and differs from this "
            f"preview in {len(exc.differences)} place(s) (listed below). Tick “Apply these "
            "changes to the existing inspection” to update it. Nothing was saved."
        )
        return _render_preview(request, model_admin, preview, token)
    except CanonicalError as exc:
        preview.errors.append(f"Nothing was saved: {exc}")
        return _render_preview(request, model_admin, preview, token)

    inspection = saved.inspection
    summary = (
        f"{len(data['judgments'])} judgments, {len(data['findings'])} findings, "
        f"{len(data['follow_up_reviews'])} proposed follow-up reviews"
    )
    source = payload.get("filename") or "a report"
    if saved.created:
        model_admin.log_addition(request, inspection, f"Imported from {source}: {summary}.")
        messages.success(request, f"Imported “{inspection}” from {source}: {summary}.")
    elif saved.changed:
        model_admin.log_change(
            request, inspection, f"Re-imported from {source}: " + "; ".join(saved.differences)
        )
        messages.success(
            request,
            f"Updated “{inspection}” from {source}: {len(saved.differences)} change(s) applied.",
        )
    else:
        messages.info(request, f"“{inspection}” already matches {source}; nothing was changed.")
    return HttpResponseRedirect(
        reverse("admin:inspections_inspection_change", args=[inspection.pk])
    )
