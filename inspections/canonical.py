"""The canonical inspection JSON (docs/architecture.md, "The canonical inspection JSON"): print a stored inspection, save one.

The importer produces this shape from a report, ``inspection_json`` prints it for a
stored inspection, and tests compare the two. References: a finding may carry one;
when it is absent the default numbering (``Q2-AFI-3``) is used, and on output a
reference is written only where it differs from that default, so a report's JSON and
the stored inspection's JSON are equal. ``parent`` is always the parent's reference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.text import slugify

from .models import (
    SCALE_GRADES,
    Finding,
    FollowUpReview,
    Force,
    Grade,
    GradingScale,
    Inspection,
    Judgment,
    grade_from_label,
    scale_labels,
)


class CanonicalError(ValueError):
    """The JSON does not describe a valid inspection; the message says where."""


def _grade_label(value: str) -> str:
    return Grade(value).label if value else ""


def default_references(findings: list[dict]) -> list[str]:
    counters: dict[tuple[int, str], int] = defaultdict(int)
    refs = []
    for item in findings:
        key = (int(item["question"]), item["kind"])
        counters[key] += 1
        refs.append(Finding.make_reference(key[0], item["kind"], counters[key]))
    return refs


def inspection_to_canonical(inspection: Inspection, *, dates: bool = False) -> dict:
    """The inspection as the importer's document. ``dates``: with the publication and
    fieldwork dates it has (left out by default, as the report's own JSON leaves out
    what the report doesn't state: the demo's dates are the demo's)."""
    judgments = list(inspection.judgments.all())
    findings = list(
        inspection.findings.select_related("judgment", "parent").order_by(
            "judgment__number", "position", "pk"
        )
    )
    reviews = list(inspection.follow_up_reviews.prefetch_related("judgments").order_by("pk"))
    overall = next((j for j in judgments if j.number == 0), None)

    items = []
    for finding in findings:
        item = {"kind": finding.kind, "question": finding.judgment.number, "text": finding.text}
        if finding.parent_id:
            item["parent"] = finding.parent.reference
        if finding.deadline:
            item["deadline"] = finding.deadline
        items.append(item)
    for item, finding, default in zip(items, findings, default_references(items), strict=True):
        if finding.reference != default:
            item["reference"] = finding.reference

    stated = {
        name: getattr(inspection, name).isoformat()
        for name in DATE_KEYS
        if dates and getattr(inspection, name) is not None
    }
    return {
        "force": inspection.force.name,
        "programme": inspection.programme,
        "pillar": inspection.pillar,
        "grading_scale": scale_labels(inspection.grading_scale),
        "overall": {
            "question": overall.question if overall else "",
            "grade": _grade_label(overall.grade) if overall else "",
        },
        "judgments": [
            {"number": j.number, "question": j.question, "grade": _grade_label(j.grade)}
            for j in judgments
            if j.number != 0
        ],
        "findings": items,
        "follow_up_reviews": [
            {"questions": sorted(j.number for j in r.judgments.all()), "note": r.note}
            for r in reviews
        ],
        **stated,
    }


# Dates a report may state (ISO strings); left out when it doesn't.
DATE_KEYS = ("published", "fieldwork_start", "fieldwork_end")


def _dates(data: dict) -> dict:
    values = {}
    for name in DATE_KEYS:
        if data.get(name):
            try:
                values[name] = date.fromisoformat(str(data[name]))
            except ValueError:
                raise CanonicalError(f"{name} {data[name]!r} is not a date (YYYY-MM-DD)") from None
    return values


def scale_for_labels(labels: list[str]) -> str:
    for scale in SCALE_GRADES:
        if scale_labels(scale) == list(labels):
            return scale
    raise CanonicalError(
        f"grading_scale {labels!r} is not a known scale "
        f"(known: {[scale_labels(s) for s in SCALE_GRADES]})"
    )


def _grade(label: str, scale: str, where: str) -> str:
    if not label:
        return ""
    try:
        value = grade_from_label(label)
    except ValueError:
        raise CanonicalError(f"{where}: {label!r} is not a grade") from None
    if value not in SCALE_GRADES[scale]:
        raise CanonicalError(f"{where}: {label!r} is not in the scale {scale_labels(scale)}")
    return value


def diff_canonical(old: dict, new: dict) -> list[str]:
    """Human-readable differences between two canonical documents."""
    out = []
    for key in ("force", "programme", "pillar", "grading_scale", "overall"):
        if old.get(key) != new.get(key):
            out.append(f"{key}: {old.get(key)!r} → {new.get(key)!r}")
    old_j = {j["number"]: j for j in old.get("judgments", [])}
    new_j = {j["number"]: j for j in new.get("judgments", [])}
    for number in sorted(old_j.keys() | new_j.keys()):
        a, b = old_j.get(number), new_j.get(number)
        if a != b:
            if a and b and a["grade"] != b["grade"]:
                out.append(f"question {number} grade: {a['grade']!r} → {b['grade']!r}")
            if not a or not b or a["question"] != b["question"]:
                out.append(f"question {number}: {a and a['question']!r} → {b and b['question']!r}")
    old_f = {(f["question"], f["kind"], f["text"]) for f in old.get("findings", [])}
    new_f = {(f["question"], f["kind"], f["text"]) for f in new.get("findings", [])}
    for q, kind, text in sorted(old_f - new_f):
        out.append(f"finding removed (Q{q}, {kind}): {text[:100]}")
    for q, kind, text in sorted(new_f - old_f):
        out.append(f"finding added (Q{q}, {kind}): {text[:100]}")
    if old.get("follow_up_reviews") != new.get("follow_up_reviews"):
        out.append("follow-up reviews differ")
    for key in DATE_KEYS:
        # Only a date the new document states counts: one it leaves out is kept.
        if new.get(key) and old.get(key) != new.get(key):
            out.append(f"{key}: {old.get(key)!r} → {new.get(key)!r}")
    return out


@dataclass
class SaveResult:
    inspection: Inspection
    created: bool
    changed: bool
    differences: list[str] = field(default_factory=list)


class ReimportConflict(CanonicalError):
    def __init__(self, differences: list[str]):
        self.differences = differences
        super().__init__(
            "the stored inspection differs from this report; re-run with --update to apply:\n  "
            + "\n  ".join(differences)
        )


def force_name_error(name: str) -> str:
    """Why ``name`` cannot name a force, or "" (its slug is its board's address)."""
    if not slugify(name or ""):
        return f"the force name {name!r} has no letters or digits"
    return ""


def find_force(name: str) -> Force | None:
    """The stored force a report's name means: by name, or by slug, so that "Thames
    Valley Police." and "Thames Valley Police" are one force. The preview and the save
    both look it up here."""
    slug = slugify(name or "")[:100]
    if not slug:
        return None
    return (
        Force.objects.filter(name__iexact=name).first() or Force.objects.filter(slug=slug).first()
    )


def force_for_name(name: str) -> Force:
    """``find_force``, or a new force (never a slug collision, never an empty slug that
    no board could be reached at)."""
    if error := force_name_error(name):
        raise CanonicalError(error)
    force = find_force(name)
    if force is None:
        force = Force.objects.create(name=name.strip(), slug=slugify(name)[:100])
    return force


@transaction.atomic
def inspection_save_canonical(
    data: dict, *, title: str = "", update: bool = False, **inspection_fields
) -> SaveResult:
    """Save a canonical document: create it, leave it as it is, or (``update``) apply it.

    A re-import that differs raises ``ReimportConflict`` listing the differences unless
    ``update`` is set; nothing is saved in that case.
    """
    for key in ("force", "programme", "grading_scale", "overall", "judgments", "findings"):
        if key not in data:
            raise CanonicalError(f"missing key {key!r}")
    scale = scale_for_labels(data["grading_scale"])
    force = force_for_name(data["force"])
    pillar = data.get("pillar") or ""
    existing = Inspection.objects.filter(
        force=force, programme=data["programme"], pillar=pillar
    ).first()

    if existing is not None:
        differences = diff_canonical(inspection_to_canonical(existing, dates=True), data)
        if not differences:
            return SaveResult(existing, created=False, changed=False)
        if not update:
            raise ReimportConflict(differences)

    inspection = existing or Inspection(force=force, programme=data["programme"], pillar=pillar)
    inspection.grading_scale = scale
    inspection.title = (
        title
        or inspection.title
        or " ".join(part for part in (data["programme"], pillar, "–", force.name) if part)
    )
    # A date the report states fills in the inspection's; one it doesn't state is kept.
    for name, value in {**_dates(data), **inspection_fields}.items():
        setattr(inspection, name, value)
    inspection.save()

    judgments: dict[int, Judgment] = {}
    rows = [{"number": 0, **data["overall"]}, *data["judgments"]]
    for row in rows:
        number = int(row["number"])
        where = "overall" if number == 0 else f"question {number}"
        judgment, _ = Judgment.objects.update_or_create(
            inspection=inspection,
            number=number,
            defaults={
                "question": row["question"],
                "grade": _grade(row.get("grade", ""), scale, where),
            },
        )
        judgments[number] = judgment

    by_reference: dict[str, Finding] = {f.reference: f for f in inspection.findings.all()}
    references = default_references(data["findings"])
    for position, (item, default_ref) in enumerate(
        zip(data["findings"], references, strict=True), start=1
    ):
        question = int(item["question"])
        if question not in judgments:
            raise CanonicalError(f"finding {position}: question {question} has no judgment")
        if item["kind"] not in Finding.Kind.values:
            raise CanonicalError(f"finding {position}: unknown kind {item['kind']!r}")
        reference = item.get("reference") or default_ref
        parent = None
        if item.get("parent"):
            parent = by_reference.get(item["parent"])
            if parent is None:
                raise CanonicalError(
                    f"finding {position}: parent {item['parent']!r} is not an earlier finding"
                )
        finding = by_reference.get(reference) or Finding(inspection=inspection, reference=reference)
        finding.judgment = judgments[question]
        finding.kind = item["kind"]
        finding.text = item["text"]
        finding.parent = parent
        finding.deadline = item.get("deadline") or ""
        finding.position = position
        finding.save()
        by_reference[reference] = finding

    if existing is not None:
        kept = {
            item.get("reference") or ref
            for item, ref in zip(data["findings"], references, strict=False)
        }
        inspection.findings.exclude(reference__in=kept).filter(actions__isnull=True).delete()
        inspection.follow_up_reviews.filter(status=FollowUpReview.Status.PROPOSED).delete()

    for review in data.get("follow_up_reviews", []):
        numbers = [int(n) for n in review.get("questions", [])]
        labels = ", ".join(f"Q{n}" for n in numbers) or "the inspection"
        fur = FollowUpReview.objects.create(
            inspection=inspection,
            title=f"Follow-up review of {labels} – {inspection.programme}",
            note=review.get("note", ""),
        )
        fur.judgments.set([judgments[n] for n in numbers if n in judgments])

    return SaveResult(
        inspection,
        created=existing is None,
        changed=True,
        differences=diff_canonical({}, data) if existing is None else differences,
    )


__all__ = [
    "CanonicalError",
    "GradingScale",
    "ReimportConflict",
    "SaveResult",
    "diff_canonical",
    "inspection_save_canonical",
    "inspection_to_canonical",
]
