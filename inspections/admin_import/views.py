"""The admin views: the upload form (step 1, answered with the preview) and the
confirmation (step 2, which saves the signed document with the form's corrections)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from ..canonical import CanonicalError, ReimportConflict, inspection_save_canonical
from ..roles import user_is_inspector
from .forms import ReportUploadForm
from .preview import ImportPreview, existing_inspection
from .signing import PreviewDataError, load_preview, sign_preview

PERMISSION = "inspections.add_inspection"
UPLOAD_TEMPLATE = "admin/inspections/inspection/import_upload.html"
PREVIEW_TEMPLATE = "admin/inspections/inspection/import_preview.html"


# --- views ---------------------------------------------------------------------------------


def _require_permission(request) -> None:
    """Importing a report writes an inspection for whichever force the report names (and
    may create the force): the inspectorate's job, so inspectors only, whatever model
    permissions a force user has been given."""
    if not (user_is_inspector(request.user) and request.user.has_perm(PERMISSION)):
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
