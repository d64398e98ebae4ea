"""The staff and manager pages: access rules first, then behaviour."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from improvements import services
from improvements.models import Action, Evidence, ProgressUpdate, Status

from .factories import ActionFactory, ProgressUpdateFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, *args):
    return reverse(f"improvements:{name}", args=args)


@pytest.fixture
def evidence(action, owner):
    services.progress_update_add(
        action=action,
        by=owner,
        text="With a file",
        evidence_file=SimpleUploadedFile("plan.pdf", PDF),
    )
    return Evidence.objects.get(action=action)


def action_urls(action):
    return {
        "get": [url("action-detail", action.pk)],
        "post": [
            url("action-update", action.pk),
            url("action-decide", action.pk),
            url("action-assign", action.pk),
        ],
    }


def test_anonymous_users_are_sent_to_login(client, action, evidence):
    for target in [
        url("action-list"),
        url("action-detail", action.pk),
        url("inspection-list"),
        url("inspection-detail", action.finding.inspection_id),
        url("finding-action-create", action.finding_id),
        url("evidence-download", evidence.pk),
    ]:
        response = client.get(target)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], target
    for target in action_urls(action)["post"] + [url("finding-submit", action.finding_id)]:
        response = client.post(target, {"text": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ProgressUpdate.objects.exclude(text="With a file").exists()


def test_it_checks_ownership_other_forces_get_404(client, outsider, action, evidence):
    client.force_login(outsider)
    for target in [
        url("action-detail", action.pk),
        url("inspection-detail", action.finding.inspection_id),
        url("finding-action-create", action.finding_id),
        url("evidence-download", evidence.pk),
    ]:
        assert client.get(target).status_code == 404, target
    for target in action_urls(action)["post"] + [url("finding-submit", action.finding_id)]:
        assert client.post(target, {"text": "x", "version": 1}).status_code == 404, target
    assert ProgressUpdate.objects.filter(action=action).count() == 1
    # and the lists do not show it
    assert action.title not in client.get(url("action-list") + "?scope=all").content.decode()
    assert (
        action.finding.inspection.title not in client.get(url("inspection-list")).content.decode()
    )


def test_staff_who_are_not_owner_or_contributor_get_403_on_changes(client, staff, action):
    client.force_login(staff)
    assert client.get(url("action-detail", action.pk)).status_code == 200
    for target in action_urls(action)["post"] + [url("finding-submit", action.finding_id)]:
        assert client.post(target, {"text": "x", "version": action.version}).status_code == 403
    assert client.get(url("finding-action-create", action.finding_id)).status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_a_contributor_may_update(client, staff, action):
    action.contributors.add(staff)
    client.force_login(staff)
    response = client.post(
        url("action-update", action.pk), {"text": "Helped", "version": action.version}
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.get().author == staff


def test_owner_adds_an_update_with_a_file_and_a_status_change(client, owner, action):
    client.force_login(owner)
    response = client.post(
        url("action-update", action.pk),
        {
            "text": "Started",
            "status": Status.IN_PROGRESS,
            "version": action.version,
            "evidence_file": SimpleUploadedFile("minutes.pdf", PDF),
            "evidence_description": "Minutes",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS
    update = ProgressUpdate.objects.get()
    assert update.evidence.get().description == "Minutes"
    page = client.get(url("action-detail", action.pk)).content.decode()
    assert "Started" in page and "minutes.pdf" in page


def test_an_empty_update_shows_an_error_and_stores_nothing(client, owner, action):
    client.force_login(owner)
    response = client.post(
        url("action-update", action.pk), {"text": "  ", "version": action.version}
    )
    assert response.status_code == 400
    assert "Enter what has been done" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_a_script_in_an_update_is_shown_as_text(client, owner, action):
    client.force_login(owner)
    client.post(
        url("action-update", action.pk),
        {"text": "<script>alert('x')</script>", "version": action.version},
    )
    page = client.get(url("action-detail", action.pk)).content.decode()
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evidence.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64),
        ("evidence.pdf", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_disguised_files_are_refused(client, owner, action, name, content):
    client.force_login(owner)
    response = client.post(
        url("action-update", action.pk),
        {
            "text": "See file",
            "version": action.version,
            "evidence_file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 400
    assert "not a real PDF" in response.content.decode()
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()


def test_manager_signs_off_and_owner_cannot(client, owner, manager, action):
    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED, completed_by=action.owner, completed_at=timezone.now()
    )
    action.refresh_from_db()
    client.force_login(owner)
    response = client.post(
        url("action-decide", action.pk), {"decision": Status.SIGNED_OFF, "version": action.version}
    )
    assert response.status_code == 403
    client.force_login(manager)
    response = client.post(
        url("action-decide", action.pk), {"decision": Status.SIGNED_OFF, "version": action.version}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.SIGNED_OFF and action.signed_off_by == manager


def test_manager_who_owns_the_action_gets_a_clear_error(client, manager, action):
    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED,
        owner=manager,
        completed_by=action.owner,
        completed_at=timezone.now(),
    )
    action.refresh_from_db()
    client.force_login(manager)
    response = client.post(
        url("action-decide", action.pk), {"decision": Status.SIGNED_OFF, "version": action.version}
    )
    assert response.status_code == 400
    assert "someone else must sign it off" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.COMPLETED


def test_an_illegal_move_is_a_form_error_not_a_500(client, manager, action):
    client.force_login(manager)
    response = client.post(
        url("action-decide", action.pk), {"decision": Status.SIGNED_OFF, "version": action.version}
    )
    assert response.status_code == 400
    assert "cannot be moved" in response.content.decode()


def test_return_needs_a_reason(client, manager, action):
    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED, completed_by=action.owner, completed_at=timezone.now()
    )
    client.force_login(manager)
    response = client.post(
        url("action-decide", action.pk), {"decision": Status.RETURNED, "version": action.version}
    )
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()


def test_manager_moves_the_due_date_with_a_reason(client, manager, owner, action):
    client.force_login(manager)
    new_due = action.due_date + timedelta(days=14)
    data = {"owner": owner.pk, "due_date": new_due.isoformat(), "version": action.version}
    response = client.post(url("action-assign", action.pk), data)
    assert response.status_code == 400
    response = client.post(url("action-assign", action.pk), {**data, "reason": "Awaiting IT"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.due_date == new_due


def test_the_second_of_two_saves_is_told_and_keeps_its_text(client, owner, manager, action):
    version = action.version
    services.progress_update_add(action=action, by=manager, text="First", expected_version=version)
    client.force_login(owner)
    response = client.post(
        url("action-update", action.pk), {"text": "My careful words", "version": version}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Someone else changed this action" in body
    assert "My careful words" in body
    assert ProgressUpdate.objects.count() == 1


def test_evidence_download_rechecks_access(client, owner, outsider, evidence):
    client.force_login(owner)
    response = client.get(url("evidence-download", evidence.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    client.force_login(outsider)
    assert client.get(url("evidence-download", evidence.pk)).status_code == 404


def test_my_actions_lists_mine_open_first_by_due_date(client, owner, action, alpha_finding):
    today = timezone.localdate()
    soon = ActionFactory(
        finding=alpha_finding, owner=owner, title="Soon", due_date=today + timedelta(days=2)
    )
    ActionFactory(finding=alpha_finding, title="Someone else's")
    done = ActionFactory(
        finding=alpha_finding,
        owner=owner,
        title="Finished",
        due_date=today - timedelta(days=100),
        status=Status.CANCELLED,
    )
    client.force_login(owner)
    page = list(client.get(url("action-list")).context["actions"])
    assert page == [soon, action, done]


def test_manager_can_see_all_and_filter(client, manager, owner, action, alpha_finding):
    other = ActionFactory(finding=alpha_finding, status=Status.BLOCKED, title="Blocked one")
    client.force_login(manager)
    assert list(client.get(url("action-list")).context["actions"]) == []
    everything = list(client.get(url("action-list"), {"scope": "all"}).context["actions"])
    assert set(everything) == {action, other}
    red = client.get(url("action-list"), {"scope": "all", "rag": "red"}).context["actions"]
    assert list(red) == [other]
    mine = client.get(url("action-list"), {"scope": "all", "owner": owner.pk}).context["actions"]
    assert list(mine) == [action]


def test_staff_cannot_widen_the_list_to_the_force(client, staff, action):
    client.force_login(staff)
    assert list(client.get(url("action-list"), {"scope": "all"}).context["actions"]) == []


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("action-list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_action_list_query_count_is_the_same_for_1_and_50(client, owner, action, alpha_finding):
    ProgressUpdateFactory(action=action)
    client.force_login(owner)
    one = _list_queries(client)
    for _ in range(49):
        extra = ActionFactory(finding=alpha_finding, owner=owner)
        extra.contributors.add(owner)
    assert _list_queries(client) == one


def test_action_page_query_count_does_not_grow_with_the_log(client, owner, action):
    client.force_login(owner)
    services.progress_update_add(
        action=action, by=owner, text="one", evidence_link="https://example.org/1"
    )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("action-detail", action.pk)).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(10):
        services.progress_update_add(
            action=Action.objects.get(pk=action.pk),
            by=owner,
            text=f"more {n}",
            evidence_link="https://example.org/2",
        )
    assert count() == before


def test_inspection_page_shows_rollup_and_manager_submits_finding(client, manager, action):
    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED, completed_by=action.owner, completed_at=timezone.now()
    )
    action.refresh_from_db()
    services.action_sign_off(action=action, by=manager)
    client.force_login(manager)
    response = client.get(url("inspection-detail", action.finding.inspection_id))
    assert response.status_code == 200
    assert action.finding.text in response.content.decode()
    response = client.post(url("finding-submit", action.finding_id))
    assert response.status_code == 302
    action.finding.refresh_from_db()
    assert action.finding.status == "evidence_submitted"


def test_manager_adds_an_action_to_a_finding(client, manager, owner, alpha_finding):
    client.force_login(manager)
    target = url("finding-action-create", alpha_finding.pk)
    response = client.post(target, {"title": "", "priority": "medium"})
    assert response.status_code == 400
    response = client.post(
        target,
        {
            "title": "New work",
            "owner": owner.pk,
            "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "priority": "high",
        },
    )
    assert response.status_code == 302
    assert Action.objects.get(title="New work").owner == owner


def test_owner_choices_are_limited_to_the_force(client, manager, outsider, alpha_finding):
    client.force_login(manager)
    response = client.post(
        url("finding-action-create", alpha_finding.pk),
        {
            "title": "Sneaky",
            "owner": outsider.pk,
            "due_date": timezone.localdate().isoformat(),
            "priority": "high",
        },
    )
    assert response.status_code == 400
    assert not Action.objects.filter(title="Sneaky").exists()
