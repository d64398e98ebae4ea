"""Event emails through the outbox: written with the change, sent after it, each once;
a broker that is down only delays them; people choose which they get, except the
mandatory ones; nobody hears of what they did themselves."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from improvements import notifications, services
from improvements.models import Notification, ReminderPreference, Status
from inspections.models import Finding
from inspections.services import finding_inspectorate_decide

from .factories import ActionFactory

pytestmark = pytest.mark.django_db


def _send() -> dict:
    out = StringIO()
    call_command("send_notifications", "--json", stdout=out)
    return json.loads(out.getvalue())


def _to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_a_new_action_tells_its_owner_and_lead_but_not_the_manager_who_made_it(
    alpha_finding, manager, owner, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        action = services.action_create(
            finding=alpha_finding,
            title="Brief the teams",
            owner=owner,
            lead=staff,
            due_date=timezone.localdate() + timedelta(days=30),
            by=manager,
        )
    assert callbacks, "delivery is queued after the commit"
    rows = Notification.objects.filter(action=action)
    assert {(r.recipient.username, r.event) for r in rows} == {
        ("bob", "action_assigned"),
        ("carol", "action_assigned"),
    }
    assert _send() == {"sent": 2, "failed": 0, "pending": 0}
    (email,) = _to(owner)
    assert action.reference in email.subject and "is yours as owner" in email.subject
    assert f"/actions/{action.pk}/" in email.body
    assert not _to(manager)
    assert _send() == {"sent": 0, "failed": 0, "pending": 0}  # each row once


def test_a_return_carries_the_reason_and_is_mandatory(action, owner, manager):
    ReminderPreference.objects.create(
        user=owner, muted_events=["action_returned", "action_signed_off"]
    )
    from improvements.models import Action

    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED, completed_by=owner, completed_at=timezone.now()
    )
    action.refresh_from_db()
    Notification.objects.all().delete()
    services.action_change_status(
        action=action, to=Status.RETURNED, by=manager, reason="The minutes are missing"
    )
    _send()
    (email,) = _to(owner)
    assert "returned to you" in email.subject
    assert "The reason given: The minutes are missing" in email.body
    assert "whatever your preferences say" in email.body


def test_a_muted_event_is_not_sent(action, owner, manager, staff):
    ReminderPreference.objects.create(user=owner, muted_events=["due_date_moved"])
    Notification.objects.all().delete()
    services.action_reassign(
        action=action,
        by=manager,
        owner=owner,
        lead=action.lead,
        due_date=action.due_date + timedelta(days=14),
        reason="The supplier slipped",
    )
    assert not Notification.objects.filter(recipient=owner).exists()


def test_a_moved_date_says_from_when_to_when_and_why(action, owner, manager):
    Notification.objects.all().delete()
    old = action.due_date
    new = old + timedelta(days=14)
    services.action_reassign(
        action=action, by=manager, owner=owner, lead=None, due_date=new, reason="Slipped"
    )
    _send()
    (email,) = _to(owner)
    assert f"from {old:%-d %B %Y} to {new:%-d %B %Y}" in email.body
    assert "The reason given: Slipped" in email.body


def test_a_broker_that_is_down_only_delays_the_email(
    alpha_finding, manager, owner, django_capture_on_commit_callbacks
):
    from improvements.tasks import deliver_notifications

    with (
        mock.patch.object(deliver_notifications, "delay", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        action = services.action_create(
            finding=alpha_finding,
            title="Still saved",
            owner=owner,
            due_date=timezone.localdate() + timedelta(days=30),
            by=manager,
        )
    assert action.pk and mail.outbox == []
    assert Notification.objects.get(action=action).status == Notification.State.PENDING
    assert _send()["sent"] == 1 and len(_to(owner)) == 1


def test_failures_are_recorded_and_the_command_says_so(action, owner, manager, settings):
    Notification.objects.all().delete()
    notifications.actions_assigned([(action, owner, None)], by=manager)
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    with pytest.raises(CommandError, match="1 email"):
        call_command("send_notifications", "--json", stdout=StringIO())
    row = Notification.objects.get()
    assert row.status == Notification.State.FAILED and "SMTP is down" in row.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert _send()["sent"] == 1


def test_a_claimed_row_is_not_sent_by_a_second_worker(action, owner, manager):
    Notification.objects.all().delete()
    notifications.actions_assigned([(action, owner, None)], by=manager)
    Notification.objects.update(status=Notification.State.SENDING, claimed_at=timezone.now())
    assert notifications.deliver() == {"sent": 0, "failed": 0, "pending": 0}
    assert mail.outbox == []


def _signed_off_finding(finding, owner, manager):
    ActionFactory(
        finding=finding,
        owner=owner,
        status=Status.SIGNED_OFF,
        completed_by=owner,
        completed_at=timezone.now(),
        signed_off_by=manager,
        signed_off_at=timezone.now(),
    )


def test_a_submission_tells_the_inspectors_who_follow_the_force(
    alpha_finding, owner, manager, inspector, alpha
):
    from .factories import UserFactory

    other = UserFactory(username="other-inspector", inspector=True)
    ReminderPreference.objects.create(user=inspector).followed_forces.add(alpha)
    _signed_off_finding(alpha_finding, owner, manager)
    Notification.objects.all().delete()
    services.finding_submit_evidence(finding=alpha_finding, by=manager)
    _send()
    (email,) = _to(inspector)
    assert "submits Q1-AFI-1 to the inspectorate" in email.subject
    assert not _to(other)


def test_the_inspectorates_decision_tells_managers_and_owners(
    alpha_finding, owner, manager, inspector
):
    _signed_off_finding(alpha_finding, owner, manager)
    services.finding_submit_evidence(finding=alpha_finding, by=manager)
    Notification.objects.all().delete()
    finding_inspectorate_decide(
        finding=alpha_finding,
        to=Finding.Status.RETURNED,
        by=inspector,
        reason="Show the training records",
    )
    _send()
    for person in (manager, owner):
        (email,) = _to(person)
        assert "the inspectorate has returned Q1-AFI-1" in email.subject
        assert "The reason given: Show the training records" in email.body


def test_the_preferences_page_sets_the_events_and_the_followed_forces(client, inspector, alpha):
    client.force_login(inspector)
    page = client.get("/account/reminders/").content.decode()
    assert "An action is given to you" in page and "Alpha Police" in page
    assert "An action of yours is returned" not in page  # mandatory: not offered
    response = client.post(
        "/account/reminders/",
        {"opt_out": "False", "events": ["action_assigned"], "followed_forces": [alpha.pk]},
    )
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user=inspector)
    assert "action_assigned" not in preference.muted_events
    assert "due_date_moved" in preference.muted_events
    assert list(preference.followed_forces.all()) == [alpha]


def test_a_returned_finding_waits_for_something_new_before_it_is_resubmitted(
    client, alpha_finding, owner, manager, inspector
):
    from improvements.workflow import MoveRefused

    _signed_off_finding(alpha_finding, owner, manager)
    services.finding_submit_evidence(finding=alpha_finding, by=manager)
    finding_inspectorate_decide(
        finding=alpha_finding, to=Finding.Status.RETURNED, by=inspector, reason="No records"
    )
    alpha_finding.refresh_from_db()
    client.force_login(manager)
    page = client.get(f"/inspections/{alpha_finding.inspection_id}/").content.decode()
    assert "Returned by the inspectorate" in page and "No records" in page
    board = client.get("/board/").content.decode()
    returned = board.split('id="returned-findings"')[1].split("</ul>")[0]
    assert "Q1-AFI-1" in returned and "No records" in returned
    with pytest.raises(MoveRefused, match="Add something new first"):
        services.finding_submit_evidence(finding=alpha_finding, by=manager)

    # A new signed-off action answering the return is something new.
    ActionFactory(
        finding=alpha_finding,
        owner=owner,
        status=Status.SIGNED_OFF,
        completed_by=owner,
        completed_at=timezone.now(),
        signed_off_by=manager,
        signed_off_at=timezone.now(),
        title="Publish the training records",
    )
    services.finding_submit_evidence(finding=alpha_finding, by=manager)
    alpha_finding.refresh_from_db()
    assert alpha_finding.status == Finding.Status.EVIDENCE_SUBMITTED


def test_someone_no_longer_in_the_force_is_not_told_its_news(action, owner, manager):
    from inspections.models import Membership

    Membership.objects.filter(user=owner).delete()  # left the force, still owns the action
    Notification.objects.all().delete()
    notifications.actions_assigned([(action, owner, None)], by=manager)
    assert not Notification.objects.exists()
