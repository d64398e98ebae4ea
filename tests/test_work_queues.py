"""Work queues for each role: what needs me on *My actions* (returned with the reason,
overdue, due soon) and the actions I lead; a manager's board opens with what awaits
their sign-off; the inspectorate decides on submitted findings in the site."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from improvements import services
from improvements.models import Action, Status
from inspections.models import Finding

from .factories import ActionFactory

pytestmark = pytest.mark.django_db


def _completed(action, by):
    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED, completed_by=by, completed_at=timezone.now()
    )
    action.refresh_from_db()
    return action


def test_my_actions_open_with_what_needs_me(client, owner, manager, staff, alpha_finding):
    today = timezone.localdate()
    returned = _completed(
        ActionFactory(finding=alpha_finding, owner=owner, title="Returned one"), owner
    )
    services.action_change_status(
        action=returned, to=Status.RETURNED, by=manager, reason="Attach the minutes"
    )
    ActionFactory(
        finding=alpha_finding,
        owner=owner,
        title="Late one",
        due_date=today - timedelta(days=3),
        status=Status.IN_PROGRESS,
    )
    ActionFactory(
        finding=alpha_finding, owner=owner, title="Soon one", due_date=today + timedelta(days=5)
    )
    ActionFactory(finding=alpha_finding, owner=staff, lead=owner, title="Led one")
    client.force_login(owner)
    page = client.get("/actions/").content.decode()
    assert "Needs you" in page
    returned_at = page.index("Returned to you")
    assert "“Attach the minutes”" in page[returned_at:]
    assert page.index("Late one") > page.index("Overdue") > returned_at
    assert "Soon one" in page[page.index("Due soon") :]
    assert "Led one" in page[page.index("Actions you lead") :]

    detail = client.get(f"/actions/{returned.pk}/").content.decode()
    assert "A manager returned this action: “Attach the minutes”" in detail
    assert detail.index("Attach the minutes") < detail.index("Progress log")


def test_a_managers_board_opens_with_what_awaits_their_sign_off(client, manager, owner, action):
    _completed(action, owner)
    client.force_login(manager)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/board/"
    page = response.content.decode()
    assert "Awaiting your sign-off" in page and action.title in page


def test_a_manager_is_not_asked_to_sign_off_their_own_action(client, manager, owner, alpha_finding):
    _completed(ActionFactory(finding=alpha_finding, owner=manager, title="My own"), manager)
    client.force_login(manager)
    assert 'id="awaiting-mine"' not in client.get("/board/").content.decode()
    _completed(ActionFactory(finding=alpha_finding, owner=owner, title="Theirs"), owner)
    page = client.get("/board/").content.decode()
    banner = page[page.index('id="awaiting-mine"') :].split("</ul>")[0]
    assert "Theirs" in banner and "My own" not in banner


def test_the_inspectorate_decides_in_the_site(client, inspector, manager, owner, alpha_finding):
    ActionFactory(
        finding=alpha_finding,
        owner=owner,
        status=Status.SIGNED_OFF,
        completed_by=owner,
        completed_at=timezone.now(),
        signed_off_by=manager,
        signed_off_at=timezone.now(),
        title="Done and dusted",
    )
    services.finding_submit_evidence(finding=alpha_finding, by=manager)
    client.force_login(inspector)
    page = client.get("/inspectorate/").content.decode()
    assert "Q1-AFI-1" in page and "Done and dusted" in page and "Alpha Police" in page

    refused = client.post(
        f"/findings/{alpha_finding.pk}/decide/", {"decision": "return", "reason": ""}, follow=True
    )
    assert "reason" in refused.content.decode().lower()
    alpha_finding.refresh_from_db()
    assert alpha_finding.status == Finding.Status.EVIDENCE_SUBMITTED

    done = client.post(
        f"/findings/{alpha_finding.pk}/decide/",
        {"decision": "return", "reason": "Show the training records"},
        follow=True,
    )
    alpha_finding.refresh_from_db()
    assert alpha_finding.status == Finding.Status.RETURNED
    assert alpha_finding.status_reason == "Show the training records"
    assert "is returned" in done.content.decode()
    assert "Nothing is waiting" in done.content.decode()


def test_managers_and_staff_cannot_decide_for_the_inspectorate(client, manager, alpha_finding):
    client.force_login(manager)
    assert client.get("/inspectorate/").status_code == 403
    response = client.post(f"/findings/{alpha_finding.pk}/decide/", {"decision": "discharge"})
    assert response.status_code == 403
