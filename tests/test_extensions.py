"""An owner asks for more time; a manager approves (the date moves, with history) or
refuses (with a reason); both are told by email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from improvements import services
from improvements.models import ExtensionRequest, Notification
from improvements.workflow import MoveRefused

pytestmark = pytest.mark.django_db


def _send():
    from io import StringIO

    call_command("send_notifications", "--json", stdout=StringIO())


def test_an_owner_asks_and_a_manager_approves(client, action, owner, manager, mailoutbox):
    old = action.due_date
    new = old + timedelta(days=21)
    client.force_login(owner)
    response = client.post(
        f"/actions/{action.pk}/extension/",
        {"due_date": new.isoformat(), "reason": "The supplier slipped"},
    )
    assert response.status_code == 302
    request = ExtensionRequest.objects.get()
    assert request.status == ExtensionRequest.State.PENDING
    _send()
    (asked,) = [m for m in mailoutbox if m.to == [manager.email]]
    assert "needs more time" in asked.subject and "The supplier slipped" in asked.body

    client.force_login(manager)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "has asked for more time" in page and "Approve the new date" in page
    response = client.post(f"/extensions/{request.pk}/decide/", {"verdict": "approve"})
    assert response.status_code == 302
    action.refresh_from_db()
    request.refresh_from_db()
    assert action.due_date == new and request.status == ExtensionRequest.State.APPROVED
    assert (
        "More time approved: The supplier slipped" in action.history.first().history_change_reason
    )
    mailoutbox.clear()
    _send()
    (told,) = [m for m in mailoutbox if m.to == [owner.email]]
    assert "has more time" in told.subject and f"{new:%-d %B %Y}" in told.body
    # The approval tells the owner once, not also as "due date moved".
    assert not Notification.objects.filter(recipient=owner, event="due_date_moved").exists()


def test_a_refusal_needs_a_reason_and_leaves_the_date(client, action, owner, manager):
    request = services.extension_request(
        action=action, by=owner, due_date=action.due_date + timedelta(days=7), reason="Busy"
    )
    client.force_login(manager)
    page = client.post(f"/extensions/{request.pk}/decide/", {"verdict": "refuse"})
    assert page.status_code == 400 and "Say why the request is refused" in page.content.decode()
    services.extension_decide(request=request, by=manager, approve=False, note="Not this time")
    request.refresh_from_db()
    action.refresh_from_db()
    assert request.status == ExtensionRequest.State.REFUSED
    assert action.updates.first().text == "Request for more time refused: Not this time"


def test_only_the_owner_asks_one_at_a_time_for_a_later_date(action, owner, manager, staff):
    later = action.due_date + timedelta(days=7)
    with pytest.raises(MoveRefused, match="Only the action's owner"):
        services.extension_request(action=action, by=staff, due_date=later, reason="x")
    with pytest.raises(Exception, match="Ask for a date after"):
        services.extension_request(action=action, by=owner, due_date=action.due_date, reason="x")
    services.extension_request(action=action, by=owner, due_date=later, reason="Busy")
    with pytest.raises(Exception, match="already waiting"):
        services.extension_request(action=action, by=owner, due_date=later, reason="Again")


def test_the_owner_cannot_decide_their_own_request(client, action, owner):
    request = services.extension_request(
        action=action, by=owner, due_date=action.due_date + timedelta(days=7), reason="Busy"
    )
    with pytest.raises(MoveRefused):
        services.extension_decide(request=request, by=owner, approve=True)
    client.force_login(owner)
    assert (
        client.post(f"/extensions/{request.pk}/decide/", {"verdict": "approve"}).status_code == 403
    )


def test_a_manager_cannot_approve_their_own_request(action, manager, staff):
    from improvements.models import Action

    Action.objects.filter(pk=action.pk).update(owner=manager)
    action.refresh_from_db()
    request = services.extension_request(
        action=action, by=manager, due_date=action.due_date + timedelta(days=7), reason="Busy"
    )
    with pytest.raises(MoveRefused, match="another manager must decide"):
        services.extension_decide(request=request, by=manager, approve=True)
