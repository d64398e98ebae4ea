"""The preview: the forms over a signed parsed document, the corrected document they give,
and the context of the preview page (with the differences from a stored inspection)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import Truncator

from ..canonical import default_references, diff_canonical, find_force, inspection_to_canonical
from ..models import Finding, Inspection
from .forms import FindingFormSet, InspectionForm, JudgmentFormSet, ReviewFormSet, question_choices


def existing_inspection(data: dict) -> Inspection | None:
    """The stored inspection this document would be saved over (same force, programme,
    pillar), if there is one."""
    force = find_force(data.get("force", ""))
    if force is None:
        return None
    return (
        Inspection.objects.filter(
            force=force, programme=data.get("programme", ""), pillar=data.get("pillar") or ""
        )
        .select_related("force")
        .first()
    )


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
            diff_canonical(inspection_to_canonical(existing, dates=True), data)
            if existing is not None
            else []
        )
        return {
            "preview": self,
            "warnings": self.warnings,
            "preview_errors": self.errors,
            "filename": self.payload.get("filename", ""),
            "report_force": self.payload.get("report_force", ""),
            "force_exists": find_force(data["force"]) is not None,
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
