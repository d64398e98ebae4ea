"""The status workflow and the services that write actions."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from improvements import services
from improvements.models import Action, Evidence, ProgressUpdate, Status
from improvements.workflow import MOVES, MoveRefused, available_moves, check_move
from inspections.models import Finding

from .factories import ActionFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at_status(action, status):
    extra = {}
    if status in (Status.COMPLETED, Status.SIGNED_OFF):
        extra = {"completed_by": action.owner, "completed_at": "2025-12-31T10:00Z"}
    if status == Status.SIGNED_OFF:
        extra.update(signed_off_by=action.lead, signed_off_at="2026-01-01T10:00Z")
    Action.objects.filter(pk=action.pk).update(status=status, **extra)
    action.refresh_from_db()
    return action


ALLOWED = [
    # (from, to, persona)
    (Status.NOT_STARTED, Status.IN_PROGRESS, "owner"),
    (Status.IN_PROGRESS, Status.BLOCKED, "owner"),
    (Status.BLOCKED, Status.IN_PROGRESS, "owner"),
    (Status.IN_PROGRESS, Status.COMPLETED, "owner"),
    (Status.COMPLETED, Status.SIGNED_OFF, "manager"),
    (Status.COMPLETED, Status.RETURNED, "manager"),
    (Status.RETURNED, Status.IN_PROGRESS, "owner"),
    (Status.IN_PROGRESS, Status.CANCELLED, "manager"),
    (Status.NOT_STARTED, Status.SUPERSEDED, "manager"),
    (Status.IN_PROGRESS, Status.BLOCKED, "contributor"),
]

REFUSED = [
    (Status.NOT_STARTED, Status.COMPLETED, "owner"),  # not a move in the map
    (Status.NOT_STARTED, Status.SIGNED_OFF, "manager"),
    (Status.IN_PROGRESS, Status.SIGNED_OFF, "manager"),
    (Status.COMPLETED, Status.SIGNED_OFF, "owner"),  # the owner signs off their own
    (Status.COMPLETED, Status.RETURNED, "owner"),
    (Status.IN_PROGRESS, Status.CANCELLED, "owner"),
    (Status.IN_PROGRESS, Status.COMPLETED, "contributor"),
    (Status.IN_PROGRESS, Status.BLOCKED, "staff"),  # not owner, contributor or manager
    (Status.SIGNED_OFF, Status.IN_PROGRESS, "manager"),
    (Status.CANCELLED, Status.IN_PROGRESS, "manager"),
]


@pytest.fixture
def personas(owner, manager, staff, action, alpha):
    contributor = staff.__class__.objects.create(username="dave")
    from inspections.models import Membership

    Membership.objects.create(user=contributor, force=alpha)
    action.contributors.add(contributor)
    return {"owner": owner, "manager": manager, "staff": staff, "contributor": contributor}


@pytest.mark.parametrize(("source", "target", "who"), ALLOWED)
def test_allowed_moves(action, personas, source, target, who):
    at_status(action, source)
    reason = "Because." if MOVES[(source, target)].needs_reason else ""
    services.action_change_status(
        action=action,
        to=target,
        by=personas[who],
        reason=reason,
        no_evidence_reason="Nothing to attach: a verbal briefing.",
    )
    action.refresh_from_db()
    assert action.status == target
    assert action.updates.first().status_after == target


@pytest.mark.parametrize(("source", "target", "who"), REFUSED)
def test_refused_moves(action, personas, source, target, who):
    at_status(action, source)
    with pytest.raises(MoveRefused):
        services.action_change_status(action=action, to=target, by=personas[who], reason="x")
    action.refresh_from_db()
    assert action.status == source
    assert not action.updates.exists()


def test_owner_cannot_sign_off_even_as_a_manager(action, manager):
    action.owner = manager
    action.save()
    at_status(action, Status.COMPLETED)
    with pytest.raises(MoveRefused, match="someone else must sign it off"):
        check_move(manager, action, Status.SIGNED_OFF)


def test_return_cancel_and_supersede_need_a_reason(action, manager):
    at_status(action, Status.COMPLETED)
    for target in (Status.RETURNED, Status.CANCELLED, Status.SUPERSEDED):
        with pytest.raises(ValidationError):
            services.action_change_status(action=action, to=target, by=manager, reason="  ")
    assert not action.updates.exists()


def test_sign_off_records_who_and_when(action, manager):
    at_status(action, Status.COMPLETED)
    services.action_sign_off(action=action, by=manager)
    action.refresh_from_db()
    assert action.signed_off_by == manager and action.signed_off_at
    assert action.history.first().history_user == manager


def test_available_moves_depend_on_the_user(action, owner, manager, staff):
    at_status(action, Status.COMPLETED)
    assert {m.target for m in available_moves(owner, action)} == set()
    assert {m.target for m in available_moves(manager, action)} == {
        Status.SIGNED_OFF,
        Status.RETURNED,
        Status.CANCELLED,
        Status.SUPERSEDED,
    }
    assert available_moves(staff, action) == []


def test_an_empty_update_is_refused_and_nothing_stored(action, owner):
    with pytest.raises(ValidationError):
        services.progress_update_add(action=action, by=owner, text="   ")
    assert not ProgressUpdate.objects.exists()


def test_update_with_a_file_keeps_its_hash_privately(action, owner, settings):
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    services.progress_update_add(action=action, by=owner, text="Plan agreed", evidence_file=upload)
    evidence = Evidence.objects.get()
    import hashlib

    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.original_name == "plan.pdf"
    assert "plan" not in evidence.file.name  # stored under a generated name
    assert str(settings.PRIVATE_MEDIA_ROOT) in evidence.file.path
    assert not str(evidence.file.path).startswith(str(settings.STATIC_ROOT))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),  # renamed executable
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("notes.txt", b"<html><body onload=alert(1)>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("sheet.xlsx", b"PK\x03\x04 not really a zip"),
        ("empty.pdf", b""),
    ],
)
def test_files_are_checked_by_content(action, owner, name, content):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError):
        services.progress_update_add(action=action, by=owner, text="x", evidence_file=upload)
    assert not Evidence.objects.exists()
    assert not ProgressUpdate.objects.exists()


def test_a_real_xlsx_is_accepted(action, owner):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("tracker.xlsx", buffer.getvalue())
    services.progress_update_add(action=action, by=owner, text="x", evidence_file=upload)
    assert Evidence.objects.get().content_type.endswith("spreadsheetml.sheet")


def test_a_stale_save_is_refused_and_nothing_is_lost(action, owner, manager):
    version = action.version
    services.progress_update_add(action=action, by=manager, text="First", expected_version=version)
    stale = Action.objects.get(pk=action.pk)
    with pytest.raises(services.StaleAction):
        services.progress_update_add(
            action=stale, by=owner, text="Second", expected_version=version
        )
    assert list(ProgressUpdate.objects.values_list("text", flat=True)) == ["First"]


def test_due_date_move_needs_a_reason_and_is_kept_in_history(action, manager, owner):
    from datetime import timedelta

    new_due = action.due_date + timedelta(days=30)
    with pytest.raises(ValidationError):
        services.action_reassign(
            action=action, by=manager, owner=owner, lead=None, due_date=new_due
        )
    services.action_reassign(
        action=action, by=manager, owner=owner, lead=None, due_date=new_due, reason="Partner delay"
    )
    action.refresh_from_db()
    assert action.due_date == new_due
    assert "Partner delay" in action.history.first().history_change_reason
    assert "Partner delay" in action.updates.first().text


def test_reassign_is_for_managers_only(action, owner, staff):
    with pytest.raises(MoveRefused):
        services.action_reassign(
            action=action, by=owner, owner=staff, lead=None, due_date=action.due_date
        )


def test_finding_submitted_only_when_all_actions_signed_off(action, manager):
    finding = action.finding
    with pytest.raises(MoveRefused, match="signed off"):
        services.finding_submit_evidence(finding=finding, by=manager)
    at_status(action, Status.COMPLETED)
    services.action_sign_off(action=action, by=manager)
    services.finding_submit_evidence(finding=finding, by=manager)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.EVIDENCE_SUBMITTED
    assert finding.status_changed_by == manager


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_at_once(alpha_finding, owner, manager):
    """Two threads save the same action from the same version: one wins, the other is
    told, and the winner's text is kept."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row-level race needs PostgreSQL")
    action = ActionFactory(finding=alpha_finding, owner=owner)
    version = action.version
    barrier = threading.Barrier(2)
    results = []

    def save(user, text):
        from django.db import connections

        try:
            barrier.wait()
            services.progress_update_add(
                action=Action.objects.get(pk=action.pk),
                by=user,
                text=text,
                expected_version=version,
            )
            results.append("ok")
        except services.StaleAction:
            results.append("stale")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(u, t))
        for u, t in [(owner, "from owner"), (manager, "from manager")]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "stale"]
    assert ProgressUpdate.objects.filter(action=action).count() == 1


def test_a_reassignment_or_a_date_move_does_not_reset_the_staleness_clock(action, manager, staff):
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=40)
    Action.objects.filter(pk=action.pk).update(last_update_at=long_ago, created_at=long_ago)
    action.refresh_from_db()
    services.action_reassign(
        action=action,
        by=manager,
        owner=staff,
        lead=action.lead,
        due_date=action.due_date + timedelta(days=30),
        reason="The programme slipped",
    )
    action.refresh_from_db()
    assert action.last_update_at == long_ago
    assert Action.objects.stale(timezone.localdate()).filter(pk=action.pk).exists()
    assert action.updates.last().text.startswith("Owner:")  # still told in the log


def test_marking_complete_needs_evidence_or_a_reason_the_signer_sees(
    client, action, owner, manager
):
    services.progress_update_add(action=action, by=owner, text="Started.", to_status="in_progress")
    action.refresh_from_db()
    with pytest.raises(ValidationError, match="Attach evidence before marking the action complete"):
        services.progress_update_add(action=action, by=owner, text="Done.", to_status="completed")
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS and action.updates.count() == 1

    client.force_login(owner)
    page = client.post(
        f"/actions/{action.pk}/update/",
        {"text": "All done now", "status": "completed", "version": action.version},
    )
    assert page.status_code == 400 and "say why no evidence applies" in page.content.decode()
    assert "All done now" in page.content.decode()

    client.post(
        f"/actions/{action.pk}/update/",
        {
            "text": "All done now",
            "status": "completed",
            "version": action.version,
            "no_evidence_reason": "A verbal briefing: nothing was written down",
        },
    )
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    client.force_login(manager)
    signer = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Marked complete without evidence: “A verbal briefing" in signer


def test_evidence_already_attached_is_enough_to_complete(action, owner):
    services.progress_update_add(
        action=action,
        by=owner,
        text="Started.",
        to_status="in_progress",
        evidence_link="https://intranet.example/minutes",
    )
    action.refresh_from_db()
    services.progress_update_add(action=action, by=owner, text="Done.", to_status="completed")
    action.refresh_from_db()
    assert action.status == Status.COMPLETED and not action.no_evidence_reason


def test_a_due_date_cannot_be_moved_into_the_past(action, manager):
    from datetime import timedelta

    from django.utils import timezone

    with pytest.raises(ValidationError, match="can't be moved into the past"):
        services.action_reassign(
            action=action,
            by=manager,
            owner=action.owner,
            lead=action.lead,
            due_date=timezone.localdate() - timedelta(days=1),
            reason="Backdating",
        )


def test_the_original_due_date_and_the_moves_are_kept_and_shown(client, action, manager):
    from datetime import timedelta

    first = action.due_date
    for days in (10, 20):
        action.refresh_from_db()
        services.action_reassign(
            action=action,
            by=manager,
            owner=action.owner,
            lead=action.lead,
            due_date=first + timedelta(days=days),
            reason="Slipped",
        )
    client.force_login(manager)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert f"Originally due {first:%-d %B %Y}; moved 2 times" in page


def test_a_manager_edits_an_action_and_the_history_says_what_changed(
    client, action, manager, owner, staff
):
    client.force_login(manager)
    response = client.post(
        f"/actions/{action.pk}/edit/",
        {
            "title": "Fix it properly",
            "description": "With the partners.",
            "priority": "high",
            "contributors": [staff.pk],
            "version": action.version,
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.priority) == ("Fix it properly", "high")
    assert list(action.contributors.all()) == [staff]
    latest = action.history.first()
    assert latest.history_user == manager
    assert "Title: “Fix it” → “Fix it properly”" in latest.history_change_reason
    client.force_login(owner)
    refused = client.post(
        f"/actions/{action.pk}/edit/",
        {"title": "Mine now", "priority": "low", "version": action.version},
    )
    assert refused.status_code == 403


def test_an_empty_title_is_a_form_error_that_keeps_the_input(client, action, manager):
    client.force_login(manager)
    response = client.post(
        f"/actions/{action.pk}/edit/",
        {"title": "", "description": "Kept text", "priority": "low", "version": action.version},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a title for the action" in page and "Kept text" in page
