"""The four promises on every path, one test (or a few) per finding of the security
review: the admin, direct POSTs, the ORM and, on PostgreSQL, raw SQL."""

import json
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from improvements import services
from improvements.models import Action, Evidence, ProgressUpdate, ReminderRule, Status
from improvements.workflow import MoveRefused
from inspections.models import Finding, FollowUpReview, Inspection, Judgment, Membership

from .factories import (
    FollowUpReviewFactory,
    JudgmentFactory,
    MembershipFactory,
    UserFactory,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database's own rules are PostgreSQL's"
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _raw(sql, params=()):
    """Run SQL past the ORM, in a savepoint so a refusal leaves the test usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def second_manager(alpha):
    user = UserFactory(username="dave")
    MembershipFactory(user=user, force=alpha, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def force_admin(alpha):
    """A manager of Alpha with staff access and every model permission: the "force user
    with admin access" of the review."""
    user = UserFactory(username="erin")
    user.is_staff = True
    user.save()
    MembershipFactory(user=user, force=alpha, role=Membership.Role.MANAGER)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["inspections", "improvements"])
    )
    return user


@pytest.fixture
def beta_inspection(beta_action):
    return beta_action.finding.inspection


def _complete(action, by):
    services.progress_update_add(action=action, by=by, text="Started.", to_status="in_progress")
    services.progress_update_add(
        action=action,
        by=by,
        text="Done.",
        to_status="completed",
        no_evidence_reason="Nothing to attach: a verbal briefing.",
    )
    action.refresh_from_db()


# --- 1. A review's scope belongs to its inspection ------------------------------------------


def test_review_scope_from_another_force_is_a_form_error(
    client, inspector, alpha_finding, beta_inspection
):
    review = FollowUpReviewFactory(inspection=alpha_finding.inspection)
    beta_judgment = beta_inspection.judgments.get()
    beta_finding = beta_inspection.findings.get()
    client.force_login(inspector)
    url = reverse("admin:inspections_followupreview_change", args=[review.pk])
    response = client.post(
        url,
        {
            "inspection": review.inspection_id,
            "title": review.title,
            "judgments": [beta_judgment.pk],
            "findings": [beta_finding.pk],
            "status": "proposed",
        },
    )
    assert response.status_code == 200
    # A saved review's pickers offer only its own inspection's rows.
    assert set(response.context["adminform"].form.errors) == {"judgments", "findings"}
    assert not review.judgments.exists() and not review.findings.exists()
    # A new review: an inspector sees every force, so the model's rule says why.
    response = client.post(
        reverse("admin:inspections_followupreview_add"),
        {
            "inspection": review.inspection_id,
            "title": "Another",
            "judgments": [beta_judgment.pk],
            "findings": [beta_finding.pk],
            "status": "proposed",
        },
    )
    assert response.status_code == 200
    assert "must belong to the review" in response.content.decode()
    assert not FollowUpReview.objects.filter(title="Another").exists()


def test_review_scope_errors_in_the_model(alpha_finding, beta_inspection):
    review = FollowUpReviewFactory(inspection=alpha_finding.inspection)
    errors = review.scope_errors(beta_inspection.judgments.all(), beta_inspection.findings.all())
    assert set(errors) == {"judgments", "findings"}
    assert review.scope_errors([alpha_finding.judgment], [alpha_finding]) == {}


@on_postgresql
def test_postgresql_refuses_another_inspections_finding_in_scope(alpha_finding, beta_inspection):
    review = FollowUpReviewFactory(inspection=alpha_finding.inspection)
    beta_finding, beta_judgment = beta_inspection.findings.get(), beta_inspection.judgments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        review.findings.add(beta_finding)
    with pytest.raises(IntegrityError), transaction.atomic():
        review.judgments.add(beta_judgment)
    review.findings.add(alpha_finding)  # its own inspection's is fine
    assert review.findings.count() == 1


def test_judgment_labels_name_the_inspection_and_search_finds_q2(
    client, inspector, alpha_inspection, beta_inspection
):
    JudgmentFactory(inspection=alpha_inspection, number=2, grade="requires_improvement")
    JudgmentFactory(inspection=beta_inspection, number=2, grade="requires_improvement")
    client.force_login(inspector)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "inspections",
            "model_name": "followupreview",
            "field_name": "judgments",
            "term": "Q2",
        },
    )
    labels = [r["text"] for r in response.json()["results"]]
    assert len(labels) == 2
    assert any("Alpha Police" in label for label in labels)
    assert any("Beta Police" in label for label in labels)
    assert all("Q2" in label for label in labels)


def test_force_admin_autocomplete_lists_only_its_force(
    client, force_admin, alpha_inspection, beta_inspection
):
    JudgmentFactory(inspection=alpha_inspection, number=2)
    JudgmentFactory(inspection=beta_inspection, number=2)
    client.force_login(force_admin)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "inspections", "model_name": "followupreview", "field_name": "judgments"},
    )
    labels = [r["text"] for r in response.json()["results"]]
    assert labels and all("Alpha Police" in label for label in labels)


# --- 2. Live work does not move to another force -------------------------------------------


def test_inspection_with_findings_cannot_change_force(client, inspector, action, alpha, beta):
    inspection = Inspection.objects.get(pk=action.finding.inspection_id)
    inspection.force = beta
    with pytest.raises(ValidationError, match="cannot move to another force"):
        inspection.save()
    client.force_login(inspector)
    url = reverse("admin:inspections_inspection_change", args=[inspection.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "summary"}
    data.update(force=beta.pk, summary="")
    for prefix in ("judgments", "findings"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cannot move to another force" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).force_id == alpha.pk


def test_finding_and_judgment_cannot_move_to_another_inspection(action, beta_inspection):
    finding = Finding.objects.get(pk=action.finding_id)
    finding.inspection = beta_inspection
    finding.judgment = beta_inspection.judgments.get()
    with pytest.raises(ValidationError) as caught:
        finding.save()
    assert "inspection" in caught.value.message_dict
    judgment = Judgment.objects.get(pk=action.finding.judgment_id)
    judgment.inspection = beta_inspection
    with pytest.raises(ValidationError, match="cannot move"):
        judgment.save()
    with pytest.raises(ValidationError, match="cannot move"):
        judgment.full_clean()


@on_postgresql
def test_postgresql_refuses_moves_in_raw_sql(action, beta_inspection):
    finding = action.finding
    with pytest.raises(IntegrityError):
        _raw(
            "UPDATE inspections_finding SET inspection_id = %s WHERE id = %s",
            [beta_inspection.pk, finding.pk],
        )
    with pytest.raises(IntegrityError):
        _raw(
            "UPDATE inspections_judgment SET inspection_id = %s WHERE id = %s",
            [beta_inspection.pk, finding.judgment_id],
        )
    with pytest.raises(IntegrityError):
        _raw(
            "UPDATE inspections_inspection SET force_id = %s WHERE id = %s",
            [beta_inspection.force_id, finding.inspection_id],
        )
    # A finding's question from another inspection breaks the composite foreign key.
    with pytest.raises(IntegrityError):
        _raw(
            "UPDATE inspections_finding SET judgment_id = %s WHERE id = %s; SET CONSTRAINTS ALL IMMEDIATE",
            [beta_inspection.judgments.get().pk, finding.pk],
        )


# --- 3. Four eyes -----------------------------------------------------------------------------


def test_manager_who_completed_on_the_owners_behalf_cannot_sign_off(
    action, manager, second_manager
):
    _complete(action, manager)
    assert action.completed_by == manager
    with pytest.raises(MoveRefused, match="marked this action complete"):
        services.action_sign_off(action=action, by=manager)
    services.action_sign_off(action=action, by=second_manager)
    action.refresh_from_db()
    assert action.status == Status.SIGNED_OFF and action.signed_off_by == second_manager


def test_manager_owner_cannot_complete_reassign_and_sign_off(action, manager, owner):
    services.action_reassign(
        action=action, by=manager, owner=manager, lead=None, due_date=action.due_date
    )
    action.refresh_from_db()
    _complete(action, manager)
    services.action_reassign(
        action=action, by=manager, owner=owner, lead=None, due_date=action.due_date
    )
    action.refresh_from_db()
    with pytest.raises(MoveRefused):
        services.action_sign_off(action=action, by=manager)
    assert Action.objects.get(pk=action.pk).status == Status.COMPLETED


@pytest.mark.parametrize("to", [Status.CANCELLED, Status.SUPERSEDED])
def test_a_manager_who_owns_an_action_cannot_close_it_alone(action, manager, second_manager, to):
    services.action_reassign(
        action=action, by=manager, owner=manager, lead=None, due_date=action.due_date
    )
    action.refresh_from_db()
    with pytest.raises(MoveRefused, match="someone else must"):
        services.action_change_status(action=action, to=to, by=manager, reason="Not needed")
    services.action_change_status(action=action, to=to, by=second_manager, reason="Not needed")
    assert Action.objects.get(pk=action.pk).status == to


def test_database_refuses_signer_who_completed(action, manager, second_manager):
    Action.objects.filter(pk=action.pk).update(
        completed_by=manager, completed_at=action.created_at, status="completed"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(
            status=Status.SIGNED_OFF, signed_off_by=manager, signed_off_at=action.created_at
        )
    # Another manager may: the same statement with a second pair of eyes is accepted.
    Action.objects.filter(pk=action.pk).update(
        status=Status.SIGNED_OFF, signed_off_by=second_manager, signed_off_at=action.created_at
    )


def test_nobody_signs_off_an_action_that_was_never_completed(action, manager):
    """One person closing alone: straight from "in progress" to "signed off"."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(
            status=Status.SIGNED_OFF, signed_off_by=manager, signed_off_at=action.created_at
        )
    stored = Action.objects.get(pk=action.pk)
    stored.status = Status.SIGNED_OFF
    stored.signed_off_by = manager
    with pytest.raises(ValidationError, match="cannot be moved"):
        stored.full_clean()


# --- 4. Closed actions accept no writes ------------------------------------------------------


@pytest.fixture
def signed_off(action, owner, manager):
    _complete(action, owner)
    services.action_sign_off(action=action, by=manager)
    action.refresh_from_db()
    return action


def _frozen(action):
    row = Action.objects.filter(pk=action.pk).values().get()
    return row, action.updates.count(), Evidence.objects.filter(action=action).count()


@pytest.mark.parametrize("status", [Status.SIGNED_OFF, Status.CANCELLED, Status.SUPERSEDED])
def test_direct_posts_to_a_closed_action_are_refused(client, action, owner, manager, status):
    if status == Status.SIGNED_OFF:
        _complete(action, owner)
        services.action_sign_off(action=action, by=manager)
    else:
        services.action_change_status(action=action, to=status, by=manager, reason="Not needed")
    action.refresh_from_db()
    before = _frozen(action)
    client.force_login(manager)
    posts = {
        "improvements:action-update": {
            "text": "More",
            "version": action.version,
            "evidence_link": "https://intranet.example/x",
        },
        "improvements:action-assign": {
            "owner": manager.pk,
            "due_date": (action.due_date + timedelta(days=30)).isoformat(),
            "reason": "Moved",
            "version": action.version,
        },
        "improvements:action-decide": {
            "decision": "returned",
            "reason": "x",
            "version": action.version,
        },
    }
    for name, data in posts.items():
        response = client.post(reverse(name, args=[action.pk]), data)
        assert response.status_code == 400, name
    client.force_login(owner)
    response = client.post(
        reverse("improvements:action-update", args=[action.pk]),
        {"text": "More", "version": action.version},
    )
    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()
    assert _frozen(action) == before


def test_reassigning_a_signed_off_action_to_its_signer_is_refused_not_a_500(
    client, signed_off, manager
):
    client.force_login(manager)
    response = client.post(
        reverse("improvements:action-assign", args=[signed_off.pk]),
        {
            "owner": manager.pk,
            "due_date": signed_off.due_date.isoformat(),
            "version": signed_off.version,
        },
    )
    assert response.status_code == 400
    assert Action.objects.get(pk=signed_off.pk).owner_id == signed_off.owner_id


def test_services_refuse_every_write_on_a_closed_action(signed_off, owner, manager):
    before = _frozen(signed_off)
    calls = [
        lambda: services.progress_update_add(action=signed_off, by=owner, text="x"),
        lambda: services.action_reassign(
            action=signed_off,
            by=manager,
            owner=manager,
            lead=None,
            due_date=signed_off.due_date + timedelta(days=30),
        ),
        lambda: services.action_change_status(
            action=signed_off, to=Status.CANCELLED, by=manager, reason="x"
        ),
    ]
    for call in calls:
        with pytest.raises((MoveRefused, ValidationError)):
            call()
    assert _frozen(signed_off) == before
    with pytest.raises(ValidationError, match="closed"):
        Action.objects.get(pk=signed_off.pk).full_clean()


@on_postgresql
def test_postgresql_refuses_changes_to_a_closed_action(signed_off, owner):
    with pytest.raises(IntegrityError):
        _raw("UPDATE improvements_action SET title = 'x' WHERE id = %s", [signed_off.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.create(
            action=signed_off, author=owner, text="late", status_after="signed_off"
        )


# --- 5. History views are scoped and read-only -----------------------------------------------


def test_history_views_are_scoped_and_cannot_revert(client, force_admin, inspector, beta_action):
    finding = beta_action.finding
    record = finding.history.first()
    client.force_login(force_admin)
    for url in (
        reverse("admin:inspections_finding_history", args=[finding.pk]),
        reverse("admin:inspections_finding_simple_history", args=[finding.pk, record.pk]),
    ):
        assert client.get(url).status_code == 404
    client.force_login(inspector)
    url = reverse("admin:inspections_finding_simple_history", args=[finding.pk, record.pk])
    assert client.get(url).status_code == 200
    status_before = Finding.objects.get(pk=finding.pk).status
    response = client.post(url, {"reference": "HACKED", "text": "x"})
    assert response.status_code == 403
    assert Finding.objects.get(pk=finding.pk).reference == finding.reference
    assert Finding.objects.get(pk=finding.pk).status == status_before


def test_non_numeric_history_ids_are_404(client, inspector, action):
    client.force_login(inspector)
    finding = action.finding
    base = reverse("admin:inspections_finding_history", args=[finding.pk])
    assert client.get(base + "abc/").status_code == 404
    assert client.get(base.replace(str(finding.pk), "abc")).status_code == 404


# --- 6. Admin choices are scoped --------------------------------------------------------------


def test_force_admin_cannot_make_themselves_manager_of_another_force(client, force_admin, beta):
    client.force_login(force_admin)
    response = client.post(
        reverse("admin:inspections_membership_add"),
        {"user": force_admin.pk, "force": beta.pk, "role": "manager"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(user=force_admin, force=beta).exists()


def test_force_admin_lists_and_filters_never_name_another_force(
    client, force_admin, action, beta_action
):
    client.force_login(force_admin)
    for name in (
        "admin:improvements_action_changelist",
        "admin:inspections_finding_changelist",
        "admin:inspections_membership_changelist",
        "admin:inspections_inspection_changelist",
        "admin:inspections_force_changelist",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "Beta Police" not in response.content.decode(), name


def test_reminder_rules_and_preferences_are_for_the_service_owner(client, inspector, db):
    client.force_login(inspector)
    assert client.get(reverse("admin:improvements_reminderrule_changelist")).status_code == 403
    assert (
        client.get(reverse("admin:improvements_reminderpreference_changelist")).status_code == 403
    )
    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    assert client.get(reverse("admin:improvements_reminderrule_changelist")).status_code == 200


def test_action_admin_foreign_keys_validate_against_scoped_rows(force_admin, beta_action, rf):
    from django.contrib import admin as django_admin

    from improvements.admin import ActionAdmin

    request = rf.get("/")
    request.user = force_admin
    model_admin = ActionAdmin(Action, django_admin.site)
    field = model_admin.formfield_for_foreignkey(Action._meta.get_field("finding"), request)
    assert beta_action.finding not in field.queryset
    field = model_admin.formfield_for_foreignkey(Action._meta.get_field("owner"), request)
    assert beta_action.owner not in field.queryset


# --- 7. Append-only, on every path ------------------------------------------------------------


@pytest.fixture
def logged(action, owner):
    update = services.progress_update_add(
        action=action, by=owner, text="First.", evidence_link="https://intranet.example/doc"
    )
    return update, Evidence.objects.get(update=update)


def test_progress_update_and_evidence_cannot_be_overwritten_by_the_orm(logged, owner):
    update, evidence = logged
    attempts = [
        lambda: ProgressUpdate(
            pk=update.pk, action=update.action, author=owner, text="Rewritten", status_after="x"
        ).save(),
        lambda: ProgressUpdate._base_manager.filter(pk=update.pk).update(text="Rewritten"),
        lambda: ProgressUpdate.objects.bulk_create(
            [ProgressUpdate(pk=update.pk, action=update.action, author=owner, text="Rewritten")],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["text"],
        ),
        # loaddata saves with save_base(raw=True).
        lambda: ProgressUpdate(
            pk=update.pk, action=update.action, author=owner, text="Rewritten", status_after="x"
        ).save_base(raw=True),
        lambda: Evidence(
            pk=evidence.pk, action=evidence.action, link="https://evil.example", uploaded_by=owner
        ).save(),
        lambda: Evidence.objects.filter(pk=evidence.pk).update(link="https://evil.example"),
        lambda: Evidence._base_manager.filter(pk=evidence.pk).update(sha256="0" * 64),
        lambda: Evidence(
            pk=evidence.pk, action=evidence.action, link="https://evil.example", uploaded_by=owner
        ).save_base(raw=True),
        lambda: Evidence.objects.get(pk=evidence.pk).delete(),
        lambda: ProgressUpdate.objects.filter(pk=update.pk).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError), transaction.atomic():
            attempt()
    assert ProgressUpdate.objects.get(pk=update.pk).text == "First."
    assert Evidence.objects.get(pk=evidence.pk).link == "https://intranet.example/doc"


def test_loaddata_cannot_overwrite_the_log(logged, tmp_path):
    from django.core.management import call_command

    update, _ = logged
    fixture = tmp_path / "rewrite.json"
    fields = {
        "action": update.action_id,
        "author": update.author_id,
        "created_at": "2026-01-01T00:00:00Z",
        "text": "Rewritten",
        "status_after": "in_progress",
        "rag_after": "",
        "corrects": None,
    }
    fixture.write_text(
        json.dumps([{"model": "improvements.progressupdate", "pk": update.pk, "fields": fields}])
    )
    with pytest.raises(ValidationError), transaction.atomic():
        call_command("loaddata", str(fixture), verbosity=0)
    assert ProgressUpdate.objects.get(pk=update.pk).text == "First."


def test_admin_has_no_add_form_for_the_log_or_evidence(client, inspector, logged):
    client.force_login(inspector)
    assert client.get(reverse("admin:improvements_progressupdate_add")).status_code == 403
    assert client.get(reverse("admin:improvements_evidence_add")).status_code == 403
    update, evidence = logged
    url = reverse("admin:improvements_progressupdate_change", args=[update.pk])
    client.post(url, {"text": "Rewritten", "author": inspector.pk})
    assert ProgressUpdate.objects.get(pk=update.pk).text == "First."


@on_postgresql
def test_postgresql_refuses_update_and_delete_of_the_log_in_plain_sql(logged):
    update, evidence = logged
    for sql, pk in (
        ("UPDATE improvements_progressupdate SET text = 'Rewritten' WHERE id = %s", update.pk),
        ("DELETE FROM improvements_progressupdate WHERE id = %s", update.pk),
        (
            "UPDATE improvements_evidence SET link = 'https://evil.example' WHERE id = %s",
            evidence.pk,
        ),
        ("DELETE FROM improvements_evidence WHERE id = %s", evidence.pk),
    ):
        with pytest.raises(IntegrityError, match="append-only"):
            _raw(sql, [pk])
    assert ProgressUpdate.objects.get(pk=update.pk).text == "First."


# --- 9. No 500s ------------------------------------------------------------------------------


def test_missing_evidence_file_is_a_404_not_a_500(client, action, owner):
    services.progress_update_add(
        action=action,
        by=owner,
        text="With a file.",
        evidence_file=SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf"),
    )
    evidence = Evidence.objects.get(action=action)
    evidence.file.storage.delete(evidence.file.name)
    client.force_login(owner)
    response = client.get(reverse("improvements:evidence-download", args=[evidence.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("offset", [-3_000_000, 3651, -3651])
def test_reminder_rule_offsets_are_bounded(client, offset, db):
    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:improvements_reminderrule_add"),
        {
            "name": "Far",
            "anchor": "due_date",
            "offset_days": offset,
            "audience": "owner",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Ensure this value is" in response.content.decode()
    assert not ReminderRule.objects.filter(name="Far").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderRule.objects.create(
            name="Far", anchor="due_date", offset_days=offset, audience="owner"
        )


# --- 10. Field history on every model an inspector or manager changes -----------------------


@pytest.mark.parametrize(
    "model_name", ["inspection", "followupreview", "force", "evidence", "reminderrule"]
)
def test_models_keep_field_history(model_name):
    from django.apps import apps

    model = {
        "inspection": Inspection,
        "followupreview": FollowUpReview,
        "force": apps.get_model("inspections", "Force"),
        "evidence": Evidence,
        "reminderrule": ReminderRule,
    }[model_name]
    assert hasattr(model, "history"), model


def test_inspection_history_shows_old_and_new_by_whom(client, inspector, alpha_inspection):
    inspection = Inspection.objects.get(pk=alpha_inspection.pk)
    inspection.title = "Renamed"
    inspection._history_user = inspector
    inspection.save()
    latest = inspection.history.first()
    delta = latest.diff_against(latest.prev_record)
    change = next(c for c in delta.changes if c.field == "title")
    assert change.new == "Renamed" and change.old == alpha_inspection.title
    assert latest.history_user == inspector
    client.force_login(inspector)
    page = client.get(reverse("admin:inspections_inspection_history", args=[inspection.pk]))
    assert "Renamed" in page.content.decode()


# --- Time ---------------------------------------------------------------------------------


@time_machine.travel("2027-01-25 09:00 +0000", tick=False)
def test_closed_action_rules_hold_on_any_date(action, owner, manager, second_manager):
    _complete(action, owner)
    services.action_sign_off(action=action, by=manager)
    action.refresh_from_db()
    assert action.signed_off_at.date() == date(2027, 1, 25)
    assert action.due_date > date(2027, 1, 25) - timedelta(days=3650)


def _import_as(client, force_name):
    from .test_admin_import import CONFIRM_URL, preview_form, upload

    fields = preview_form(upload(client, force=force_name)).fields
    return client.post(reverse(CONFIRM_URL), fields)


def test_admin_import_of_a_name_differing_only_in_punctuation_is_the_same_force(
    client, inspector, alpha
):
    client.force_login(inspector)
    response = _import_as(client, "Alpha Police.")
    assert response.status_code in (200, 302)
    assert Inspection.objects.get().force == alpha
    from inspections.models import Force

    assert Force.objects.count() == 1


def test_admin_import_of_a_name_without_slug_characters_is_a_form_error(client, inspector):
    client.force_login(inspector)
    response = _import_as(client, "!!!")
    assert response.status_code == 200
    assert "has no letters or digits" in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_finding_repeats_only_its_own_forces_findings(alpha_finding, beta_action):
    alpha_finding.repeats = beta_action.finding
    with pytest.raises(ValidationError, match="same force"):
        alpha_finding.save()


def test_evidence_belongs_to_its_updates_action(action, beta_action, owner):
    update = services.progress_update_add(action=action, by=owner, text="Note.")
    with pytest.raises(ValidationError, match="same action"):
        Evidence.objects.create(
            action=beta_action, update=update, link="https://x.example", uploaded_by=owner
        )


def test_changing_an_inspections_scale_keeps_its_judgments_in_step(alpha_inspection):
    inspection = Inspection.objects.get(pk=alpha_inspection.pk)
    inspection.grading_scale = "peel-2021"
    inspection.save()
    assert set(inspection.judgments.values_list("grading_scale", flat=True)) == {"peel-2021"}
    JudgmentFactory(inspection=inspection, number=5, grade="adequate")
    inspection = Inspection.objects.get(pk=inspection.pk)
    inspection.grading_scale = "peel-2014"
    with pytest.raises(ValidationError, match="not on this scale"):
        inspection.save()


def test_a_staff_user_admin_cannot_grant_superuser_or_groups(client, force_admin, staff):
    force_admin.user_permissions.add(*Permission.objects.filter(codename="change_user"))
    client.force_login(force_admin)
    url = reverse("admin:auth_user_change", args=[force_admin.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields and "groups" not in form.fields
