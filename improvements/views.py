"""Pages for force staff and managers: my actions, an action, inspections, findings.

Every view fetches through a scoped selector first (other forces: 404), then checks the
edit rule (403), validates the form, calls a service and redirects with a message.
"""

from __future__ import annotations

import contextlib
import logging
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from import_export.tmp_storages import MediaStorage

from inspections.admin_utils import users_visible_to
from inspections.models import Finding, FollowUpReview, Force
from inspections.roles import user_is_any_manager, user_is_inspector, user_is_manager_of

from . import boards, selectors, services
from .filters import (
    PEOPLE_SUGGESTED,
    ActionFilter,
    PeopleDirectory,
    people_matching,
    people_url,
    person_label,
)
from .forms import (
    ActionCreateForm,
    ActionEditForm,
    AssignForm,
    BulkChangeForm,
    DecisionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    PlanRowForm,
    ProgressForm,
    ReminderPreferenceForm,
    TrackerUploadForm,
)
from .models import Action, ExtensionRequest, ReminderPreference, Status
from .response import DOCX_TYPE, response_docx, response_filename
from .storage import EvidenceCorrupt, StorageUnavailable, open_verified
from .tracker import TrackerUnreadable, import_tracker
from .workflow import MoveRefused, user_is_participant, user_may_manage

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


def _apply_service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages[0])
    else:
        for message in exc.messages:
            form.add_error(None, message)


# The database's own constraints are the last line: a write that passed every check
# above it but breaks one (a race, or a rule only the database holds) is a form error.
REFUSED_BY_DATABASE = (
    "That could not be saved: it conflicts with a change saved at the same moment, or "
    "with a rule the database keeps. Nothing was saved; your input is kept below."
)


def _call_service(form, call) -> bool:
    """Run a service call; a refusal becomes a form error (never a 500)."""
    try:
        call()
    except ValidationError as exc:
        _apply_service_errors(form, exc)
    except (MoveRefused, services.StaleAction) as exc:
        form.add_error(None, str(exc))
    except StorageUnavailable as exc:
        form.add_error("evidence_file" if "evidence_file" in form.fields else None, str(exc))
    except IntegrityError as exc:
        logger.warning("refused by a database constraint: %s", exc)
        form.add_error(None, REFUSED_BY_DATABASE)
    else:
        return True
    return False


# --- My actions -------------------------------------------------------------------------


def _action_list(request, bulk_form=None, status=200):
    can_see_all = user_is_any_manager(request.user) or user_is_inspector(request.user)
    show_all = can_see_all and request.GET.get("scope") == "all"
    actions = selectors.action_list_for_user(request.user, mine_only=not show_all)
    action_filter = ActionFilter(request.GET or None, queryset=actions, user=request.user)
    filtered = action_filter.qs if action_filter.is_bound and action_filter.is_valid() else actions
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    can_bulk = show_all and user_is_any_manager(request.user)
    if can_bulk and bulk_form is None:
        bulk_form = BulkChangeForm(directory=None)
    bulk_errors = []
    if bulk_form is not None and bulk_form.is_bound:
        bulk_errors = [
            (bulk_form[name].auto_id if name != "__all__" else "bulk", message)
            for name, messages_ in bulk_form.errors.items()
            for message in messages_
        ]
    return render(
        request,
        "improvements/action_list.html",
        {
            "page_obj": page,
            "actions": page.object_list,
            "filter": action_filter,
            "show_all": show_all,
            "can_see_all": can_see_all,
            "can_bulk": can_bulk,
            "bulk": bulk_form,
            "bulk_errors": bulk_errors,
            "chosen": set(bulk_form.data.getlist("action")) if bulk_errors else set(),
            "people_url": people_url(),
            "queue": None if show_all else selectors.my_queue(request.user, timezone.localdate()),
        },
        status=status,
    )


@login_required
@require_GET
def action_list(request):
    return _action_list(request)


@login_required
@require_POST
def action_bulk(request):
    """Change the chosen actions at once (the all-actions list's form), each through the
    services; closed ones and others' are skipped and named. The list's query string
    comes back in ``?`` so the user returns to the same page and filters."""
    if not user_is_any_manager(request.user):
        raise PermissionDenied("Bulk changes are for managers.")
    people = users_visible_to(request.user).filter(is_active=True)
    form = BulkChangeForm(request.POST, directory=PeopleDirectory(people))
    if not form.is_valid():
        return _action_list(request, form, status=400)
    data = form.cleaned_data
    chosen = list(
        Action.objects.managed_by(request.user)
        .filter(pk__in=data["action"])
        .select_related("finding", "owner", "lead")
        .order_by("pk")
    )
    result = services.actions_bulk_change(
        actions=chosen,
        by=request.user,
        owner=data["owner"],
        lead=data["lead"],
        due_date=data["due_date"],
        reason=data["reason"],
    )
    unknown = len(set(data["action"])) - len(chosen)
    messages.success(
        request, f"{len(result.changed)} action{'s' if len(result.changed) != 1 else ''} changed."
    )
    for action, why in result.skipped:
        messages.error(request, f"{action.reference} “{action.title}” was not changed: {why}")
    if unknown:
        messages.error(
            request,
            f"{unknown} chosen action{'s are' if unknown != 1 else ' is'} not yours to manage.",
        )
    query = request.GET.urlencode()
    return redirect(reverse("improvements:action-list") + (f"?{query}" if query else "?scope=all"))


# --- One action -------------------------------------------------------------------------


def _action_context(request, action, **forms):
    user = request.user
    is_manager = user_may_manage(user, action)
    can_update = user_is_participant(user, action)
    context = {
        "action": action,
        "finding": action.finding,
        "log": selectors.action_log(action),
        "evidence": selectors.action_evidence(action),
        "is_manager": is_manager,
        "can_update": can_update,
        "history": action.history.select_related("history_user").order_by("-history_date")[:20],
        "return_reason": (
            action.updates.filter(status_after=Status.RETURNED)
            .order_by("-created_at", "-pk")
            .values_list("text", flat=True)
            .first()
            if action.status == Status.RETURNED
            else None
        ),
    }
    if can_update and action.is_open:
        context["progress_form"] = forms.get("progress_form") or ProgressForm(
            action=action,
            user=user,
            action_url=reverse("improvements:action-update", args=[action.pk]),
        )
    if is_manager and action.is_open:
        decision = forms.get("decision_form") or DecisionForm(
            action=action,
            user=user,
            action_url=reverse("improvements:action-decide", args=[action.pk]),
        )
        if decision.has_choices:
            context["decision_form"] = decision
        context["assign_form"] = forms.get("assign_form") or AssignForm(
            action=action, action_url=reverse("improvements:action-assign", args=[action.pk])
        )
        context["edit_form"] = forms.get("edit_form") or ActionEditForm(
            action=action, action_url=reverse("improvements:action-edit", args=[action.pk])
        )
    pending = action.extension_requests.filter(status="pending").select_related("requested_by")
    context["pending_extension"] = pending = pending.first()
    if pending is not None and is_manager and pending.requested_by_id != user.pk:
        context["extension_decision_form"] = forms.get(
            "extension_decision_form"
        ) or ExtensionDecisionForm(
            action_url=reverse("improvements:extension-decide", args=[pending.pk])
        )
    if pending is None and action.is_open and action.owner_id == user.pk:
        context["extension_form"] = forms.get("extension_form") or ExtensionRequestForm(
            action_url=reverse("improvements:action-extension", args=[action.pk])
        )
    context["form_with_errors"] = next((f for f in forms.values() if f.errors), None)
    return context


def _render_action(request, action, status=200, **forms):
    return render(
        request,
        "improvements/action_detail.html",
        _action_context(request, action, **forms),
        status=status,
    )


@login_required
@require_GET
def action_detail(request, pk: int):
    action = selectors.action_get_for_user_or_404(request.user, pk)
    return _render_action(request, action)


def _submit(request, action, form, form_key: str, call, success):
    """The action page's forms, posted: the service call (``call(data)``) through
    ``_call_service``, then back to the action with ``success`` (text, or a function of
    the action), or the page again with the form's errors and the user's input."""
    data = form.cleaned_data if form.is_valid() else None
    if data and _call_service(form, lambda: call(data)):
        messages.success(request, success(action) if callable(success) else success)
        return redirect(action)
    action = selectors.action_get_for_user_or_404(request.user, action.pk)
    return _render_action(request, action, status=400, **{form_key: form})


@login_required
@require_POST
def action_update(request, pk: int):
    action = selectors.action_get_for_user_or_404(request.user, pk)
    if not user_is_participant(request.user, action):
        raise PermissionDenied("Only the owner, a contributor or a manager can update this action.")
    form = ProgressForm(
        request.POST,
        request.FILES,
        action=action,
        user=request.user,
        action_url=reverse("improvements:action-update", args=[action.pk]),
    )
    return _submit(
        request,
        action,
        form,
        "progress_form",
        lambda data: services.progress_update_add(
            action=action,
            by=request.user,
            text=data["text"],
            to_status=data["status"] or None,
            expected_version=data["version"],
            evidence_file=data["evidence_file"],
            evidence_link=data["evidence_link"],
            evidence_description=data["evidence_description"],
            no_evidence_reason=data["no_evidence_reason"],
        ),
        "Your update has been added.",
    )


@login_required
@require_POST
def action_decide(request, pk: int):
    action = selectors.action_get_for_user_or_404(request.user, pk, manage=True)
    form = DecisionForm(
        request.POST,
        action=action,
        user=request.user,
        action_url=reverse("improvements:action-decide", args=[action.pk]),
    )
    return _submit(
        request,
        action,
        form,
        "decision_form",
        lambda data: services.action_change_status(
            action=action,
            to=data["decision"],
            by=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        lambda done: f"The action is now “{done.get_status_display()}”.",
    )


@login_required
@require_POST
def action_assign(request, pk: int):
    action = selectors.action_get_for_user_or_404(request.user, pk, manage=True)
    form = AssignForm(
        request.POST,
        action=action,
        action_url=reverse("improvements:action-assign", args=[action.pk]),
    )
    return _submit(
        request,
        action,
        form,
        "assign_form",
        lambda data: services.action_reassign(
            action=action,
            by=request.user,
            owner=data["owner"],
            lead=data["lead"],
            due_date=data["due_date"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        "The action's owner, lead and due date are saved.",
    )


@login_required
@require_POST
def action_edit(request, pk: int):
    action = selectors.action_get_for_user_or_404(request.user, pk, manage=True)
    form = ActionEditForm(
        request.POST,
        action=action,
        action_url=reverse("improvements:action-edit", args=[action.pk]),
    )
    return _submit(
        request,
        action,
        form,
        "edit_form",
        lambda data: services.action_edit(
            action=action,
            by=request.user,
            title=data["title"],
            description=data["description"],
            priority=data["priority"],
            contributors=data["contributors"],
            expected_version=data["version"],
        ),
        "The action is saved.",
    )


@login_required
@require_POST
def action_extension(request, pk: int):
    """The owner asks for more time."""
    action = selectors.action_get_for_user_or_404(request.user, pk)
    if action.owner_id != request.user.pk:
        raise PermissionDenied("Only the action's owner can ask for more time.")
    form = ExtensionRequestForm(
        request.POST, action_url=reverse("improvements:action-extension", args=[action.pk])
    )
    return _submit(
        request,
        action,
        form,
        "extension_form",
        lambda data: services.extension_request(
            action=action, by=request.user, due_date=data["due_date"], reason=data["reason"]
        ),
        "Your request for more time is with the force's managers.",
    )


@login_required
@require_POST
def extension_decide(request, pk: int):
    """A manager approves or refuses a request for more time."""
    extension = get_object_or_404(
        ExtensionRequest.objects.for_user(request.user).select_related("action"), pk=pk
    )
    action = selectors.action_get_for_user_or_404(request.user, extension.action_id, manage=True)
    form = ExtensionDecisionForm(
        request.POST, action_url=reverse("improvements:extension-decide", args=[extension.pk])
    )
    return _submit(
        request,
        action,
        form,
        "extension_decision_form",
        lambda data: services.extension_decide(
            request=extension,
            by=request.user,
            approve=data["verdict"] == "approve",
            note=data["note"],
        ),
        "The request for more time is decided.",
    )


@login_required
@require_GET
def evidence_download(request, pk: int):
    """Evidence files only ever leave through here, after the access check."""
    evidence = selectors.evidence_get_for_user_or_404(request.user, pk)
    if not evidence.file:
        raise Http404("This evidence is a link, not a file.")
    try:
        handle = open_verified(evidence.file, evidence.sha256)
    except FileNotFoundError:
        # The row says what the file was (name, size, SHA-256); restore it from backup.
        logger.error("evidence %s: file %s is missing from storage", evidence.pk, evidence.file)
        return _evidence_unavailable(request, evidence, "missing", 404)
    except StorageUnavailable:
        return _evidence_unavailable(request, evidence, "unavailable", 503)
    except EvidenceCorrupt:
        logger.error("evidence %s: file %s fails its SHA-256 check", evidence.pk, evidence.file)
        return _evidence_unavailable(request, evidence, "corrupt", 409)
    return evidence_file_response(evidence, handle)


def evidence_file_response(evidence, handle) -> FileResponse:
    """A verified evidence file as a download (the site's view and the API's)."""
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.content_type or "application/octet-stream",
    )


def _evidence_unavailable(request, evidence, why: str, status: int):
    return render(
        request,
        "improvements/evidence_unavailable.html",
        {"evidence": evidence, "why": why, "action": evidence.action},
        status=status,
    )


# --- Inspections and findings ----------------------------------------------------------


@login_required
@require_GET
def people_search(request):
    """Suggestions for the owner filters: up to ten people the user may see (members of
    ``?force=`` when given, a force the user can see or a 404) whose name or username
    contains ``q``. JSON: ``{"results": [{"value": "Name (username)"}]}``."""
    text = request.GET.get("q", "").strip()[:100]
    slug = request.GET.get("force")
    if slug:
        force = get_object_or_404(Force.objects.for_user(request.user), slug=slug)
        people = selectors.force_members(force)
    else:
        people = users_visible_to(request.user).filter(is_active=True)
    results = []
    if len(text) >= 2:
        matches = people_matching(people, text).order_by("first_name", "last_name", "username")
        results = [{"value": person_label(p)} for p in matches[:PEOPLE_SUGGESTED]]
    return JsonResponse({"results": results})


@login_required
@require_GET
def inspection_list(request):
    inspections = selectors.inspection_list_for_user(request.user)
    page = Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "improvements/inspection_list.html",
        {"page_obj": page, "inspections": page.object_list},
    )


@login_required
@require_GET
def inspection_detail(request, pk: int):
    inspection = selectors.inspection_get_for_user_or_404(request.user, pk)
    rollup = selectors.inspection_rollup(
        inspection, request.GET.get("page"), request.GET.get("finding")
    )
    return render(
        request,
        "improvements/inspection_detail.html",
        {
            "inspection": inspection,
            "questions": rollup.questions,
            "page_obj": rollup.page,
            "reviews": inspection.follow_up_reviews.prefetch_related("judgments"),
            "is_manager": user_is_manager_of(request.user, inspection.force_id),
            "unplanned": selectors.unplanned_findings([inspection.pk]).get(inspection.pk, 0),
        },
    )


def _plan_forms(request, rows, people):
    data = request.POST if request.method == "POST" else None
    directory = PeopleDirectory(people)
    return [
        PlanRowForm(
            data, prefix=f"f{row.finding.pk}", directory=directory, suggested_due=row.suggested_due
        )
        for row in rows
    ]


def _managed_inspection(request, pk: int):
    inspection = selectors.inspection_get_for_user_or_404(request.user, pk)
    if not user_is_manager_of(request.user, inspection.force_id):
        raise PermissionDenied("The plan is for the force's managers.")
    return inspection


IMPORT_SESSION_KEY = "tracker_import"
_STORED_NAME = re.compile(r"[0-9a-f]{32}")


@login_required
def inspection_import(request, pk: int):
    """Import the force's spreadsheet tracker into an inspection's plan: upload, see
    what each row would become (a dry run of the import itself), then confirm. The file
    waits in django-import-export's temporary storage, known only to this session."""
    inspection = _managed_inspection(request, pk)
    context = {"inspection": inspection}
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        pending = request.session.get(IMPORT_SESSION_KEY) or {}
        name = request.POST["confirm"]
        if (
            pending.get("name") != name
            or pending.get("inspection") != inspection.pk
            or not _STORED_NAME.fullmatch(name)
        ):
            messages.error(request, "That import has expired: upload the tracker again.")
            return redirect("improvements:inspection-import", pk=inspection.pk)
        stored = MediaStorage(name=name)
        try:
            content = stored.read()
        except FileNotFoundError:
            messages.error(request, "That import has expired: upload the tracker again.")
            return redirect("improvements:inspection-import", pk=inspection.pk)
        result = _run_import(request, inspection, content, pending, dry_run=False)
        if result is not None and result.saved:
            stored.remove()
            del request.session[IMPORT_SESSION_KEY]
            created = result.summary()["created"]
            messages.success(
                request,
                f"{created} action{'s' if created != 1 else ''} imported from "
                f"{pending['filename']}. {result.count('unchanged')} row(s) were already here.",
            )
            return redirect("improvements:inspection-plan", pk=inspection.pk)
        # Something changed since the preview: show the file's rows as they stand now.
        context.update(result=result, pending=pending, name=name)
        status = 400
        form = TrackerUploadForm()
    elif request.method == "POST":
        form = TrackerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            pending = {
                "inspection": inspection.pk,
                "filename": upload.name[:200],
                "skip_unmatched": form.cleaned_data["skip_unmatched"],
            }
            result = _run_import(request, inspection, content, pending, dry_run=True, form=form)
            if result is not None:
                _forget_pending(request)
                stored = MediaStorage()
                stored.save(content)
                pending["name"] = stored.name
                request.session[IMPORT_SESSION_KEY] = pending
                context.update(result=result, pending=pending, name=stored.name)
            else:
                status = 400
        else:
            status = 400
    else:
        form = TrackerUploadForm()
    context["form"] = form
    return render(request, "improvements/inspection_import.html", context, status=status)


def _forget_pending(request) -> None:
    """An earlier preview this session left waiting: its file goes."""
    earlier = (request.session.get(IMPORT_SESSION_KEY) or {}).get("name", "")
    if _STORED_NAME.fullmatch(earlier):
        with contextlib.suppress(FileNotFoundError):
            MediaStorage(name=earlier).remove()


def _run_import(request, inspection, content, pending, *, dry_run, form=None):
    try:
        return import_tracker(
            content=content,
            filename=pending["filename"],
            force=inspection.force,
            by=request.user,
            inspection=inspection,
            dry_run=dry_run,
            skip_unmatched=pending.get("skip_unmatched", False),
        )
    except TrackerUnreadable as exc:
        if form is not None:
            form.add_error("file", f"{exc} Nothing was imported.")
        else:
            messages.error(request, f"{exc} Nothing was imported.")
        return None
    except IntegrityError as exc:
        logger.warning("tracker import refused by a database constraint: %s", exc)
        messages.error(request, REFUSED_BY_DATABASE)
        return None


@login_required
def inspection_plan(request, pk: int):
    """Plan the response in one page: a new action for any finding, all saved at once
    (``services.actions_create``), or none when any row is wrong."""
    inspection = _managed_inspection(request, pk)
    today = timezone.localdate()
    rows = selectors.inspection_plan(inspection, today)
    people = selectors.force_members(inspection.force)
    forms = _plan_forms(request, rows, people)
    status = 200
    if request.method == "POST":
        valid = [form.is_valid() for form in forms]  # every row, so every row's errors show
        filled = [(row, form) for row, form in zip(rows, forms, strict=True) if form.has_changed()]
        if all(valid) and filled:
            new = [
                services.NewAction(
                    finding=row.finding,
                    title=form.cleaned_data["title"],
                    owner=form.cleaned_data["owner"],
                    lead=form.cleaned_data["lead"],
                    due_date=form.cleaned_data["due_date"],
                )
                for row, form in filled
            ]
            try:
                created = services.actions_create(new=new, by=request.user)
            except IntegrityError as exc:
                logger.warning("plan refused by a database constraint: %s", exc)
                messages.error(request, REFUSED_BY_DATABASE)
            except services.PlanRefused as exc:
                for index, errors in exc.errors.items():
                    form = filled[index][1]
                    for field, messages_ in errors.items():
                        for message in messages_:
                            form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request,
                    f"{len(created)} action{'s' if len(created) != 1 else ''} added to the plan.",
                )
                return redirect("improvements:inspection-plan", pk=inspection.pk)
        elif all(valid):
            messages.error(request, "Fill in at least one row: nothing was saved.")
        status = 400
    errors = [
        (row.finding, form[field].auto_id if field != "__all__" else "", message)
        for row, form in zip(rows, forms, strict=True)
        for field, messages_ in form.errors.items()
        for message in messages_
    ]
    return render(
        request,
        "improvements/inspection_plan.html",
        {
            "inspection": inspection,
            "rows": list(zip(rows, forms, strict=True)),
            "errors": errors,
            "people_url": people_url(inspection.force),
            "unplanned": sum(1 for row in rows if not row.actions),
        },
        status=status,
    )


@login_required
@require_GET
def inspection_response(request, pk: int):
    """The PCC's 56-day response, drafted from the plan as Word, for the force's managers."""
    inspection = selectors.inspection_get_for_user_or_404(request.user, pk)
    if not user_is_manager_of(request.user, inspection.force_id):
        raise PermissionDenied("The draft response is for the force's managers.")
    response = HttpResponse(response_docx(inspection), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{response_filename(inspection)}"'
    return response


def _finding_for_manager(request, pk: int):
    return selectors.finding_get_for_user_or_404(request.user, pk, manage=True)


@login_required
def finding_action_create(request, pk: int):
    finding = _finding_for_manager(request, pk)
    url = reverse("improvements:finding-action-create", args=[finding.pk])
    form = ActionCreateForm(request.POST or None, finding=finding, action_url=url)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = services.action_create(finding=finding, by=request.user, **data)
        messages.success(request, f"Action “{action.title}” added.")
        return redirect(action)
    return render(
        request,
        "improvements/action_form.html",
        {"form": form, "finding": finding},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def finding_submit(request, pk: int):
    finding = _finding_for_manager(request, pk)
    try:
        services.finding_submit_evidence(finding=finding, by=request.user)
    except MoveRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{finding.reference} is submitted to the inspectorate as evidence submitted."
        )
    return redirect(
        reverse("improvements:inspection-detail", args=[finding.inspection_id])
        + f"?finding={finding.pk}#finding-{finding.pk}"
    )


# --- The inspectorate's queue ------------------------------------------------------------


def _inspector_only(request):
    if not user_is_inspector(request.user):
        raise PermissionDenied("This page is the inspectorate's.")


@login_required
@require_GET
def inspectorate_queue(request):
    """Findings forces have submitted, waiting for the inspectorate's decision, with
    their actions and evidence; ``?mine=1`` keeps to the forces the inspector follows."""
    _inspector_only(request)
    followed = list(
        ReminderPreference.objects.filter(user=request.user).values_list(
            "followed_forces", flat=True
        )
    )
    followed = [pk for pk in followed if pk]
    only_followed = request.GET.get("mine") == "1" and bool(followed)
    page = Paginator(
        selectors.awaiting_inspectorate(request.user, forces=followed if only_followed else None),
        20,
    ).get_page(request.GET.get("page"))
    selectors.attach_actions_and_evidence(page.object_list)
    return render(
        request,
        "improvements/inspectorate_queue.html",
        {
            "page_obj": page,
            "findings": page.object_list,
            "follows_some": bool(followed),
            "only_followed": only_followed,
            "decisions": [
                ("discharge", "Discharge"),
                ("return", "Return"),
                ("supersede", "Supersede"),
            ],
        },
    )


@login_required
@require_POST
def finding_decide(request, pk: int):
    """The inspectorate's decision on a submitted finding: discharge, return (with a
    reason the force sees) or supersede, through the finding workflow."""
    from inspections.services import DECISIONS, finding_inspectorate_decide

    _inspector_only(request)
    finding = get_object_or_404(Finding.objects.for_user(request.user), pk=pk)
    decision = DECISIONS.get(request.POST.get("decision", ""))
    reason = request.POST.get("reason", "").strip()
    back = reverse("improvements:inspectorate") + f"#finding-{finding.pk}"
    if decision is None:
        messages.error(request, f"{finding.reference}: choose discharge, return or supersede.")
        return redirect(back)
    try:
        finding_inspectorate_decide(finding=finding, to=decision, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, f"{finding.reference}: {' '.join(exc.messages)}")
        return redirect(back)
    messages.success(
        request,
        f"{finding.reference} of {finding.inspection.force} is "
        f"{Finding.Status(decision).label.lower()}.",
    )
    return redirect(reverse("improvements:inspectorate"))


# --- Reminder preferences ----------------------------------------------------------------


@login_required
def reminder_preferences(request):
    preference, _ = ReminderPreference.objects.get_or_create(user=request.user)
    form = ReminderPreferenceForm(
        request.POST or None, instance=preference, inspector=user_is_inspector(request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email preferences are saved.")
        return redirect("improvements:reminder-preferences")
    return render(request, "improvements/reminder_preferences.html", {"form": form})


# --- Follow-up reviews -------------------------------------------------------------------


@login_required
@require_GET
def review_detail(request, pk: int):
    """A follow-up review: its scope, readiness per finding, and the evidence pack."""
    reviews = FollowUpReview.objects.for_user(request.user).select_related("inspection__force")
    review = get_object_or_404(boards.reviews_with_readiness(reviews), pk=pk)
    return render(
        request,
        "improvements/review_detail.html",
        {
            "review": review,
            "inspection": review.inspection,
            "judgments": review.judgments.order_by("number"),
            "findings": boards.review_findings(review),
            "can_download_pack": boards.user_can_see_review_pack(request.user, review),
        },
    )
