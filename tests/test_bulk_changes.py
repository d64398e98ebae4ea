"""Bulk changes on the all-actions list: choose actions, then reassign or re-date them
with one reason; each change goes through the services with its own history; closed
actions are skipped and named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from improvements.models import Action, Status
from inspections.models import Membership

from .factories import ActionFactory, MembershipFactory, UserFactory
from .history import writing_history

pytestmark = pytest.mark.django_db

BULK = "/actions/bulk/?scope=all"


@pytest.fixture
def leaver_work(alpha_finding, owner, manager):
    newcomer = UserFactory(username="newbie", first_name="Nia", last_name="Newcomer")
    MembershipFactory(
        user=newcomer, force=alpha_finding.inspection.force, role=Membership.Role.STAFF
    )
    open_ones = ActionFactory.create_batch(3, finding=alpha_finding, owner=owner, lead=manager)
    with writing_history():
        closed = ActionFactory(
            finding=alpha_finding,
            owner=owner,
            status=Status.CANCELLED,
            title="Cancelled work",
        )
    return newcomer, open_ones, closed


def test_reassigning_many_actions_changes_each_through_the_services(client, manager, leaver_work):
    newcomer, open_ones, closed = leaver_work
    client.force_login(manager)
    ids = [a.pk for a in open_ones] + [closed.pk]
    response = client.post(BULK, {"action": ids, "owner": "Nia Newcomer (newbie)"})
    assert response.status_code == 302 and "scope=all" in response["Location"]
    for action in open_ones:
        action.refresh_from_db()
        assert action.owner == newcomer
        assert action.history.first().history_user == manager
        assert action.updates.last().text.startswith("Owner:")
    closed.refresh_from_db()
    assert closed.owner != newcomer
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "3 actions changed." in text
    assert "“Cancelled work” was not changed" in text


def test_moving_due_dates_needs_one_reason(client, manager, leaver_work):
    _newcomer, open_ones, _closed = leaver_work
    client.force_login(manager)
    later = timezone.localdate() + timedelta(days=120)
    ids = [a.pk for a in open_ones]
    refused = client.post(BULK, {"action": ids, "due_date": later.isoformat()})
    assert refused.status_code == 400
    assert "Give a reason for moving the due date" in refused.content.decode()
    assert not Action.objects.filter(due_date=later).exists()
    assert refused.content.decode().count(" checked>") == len(ids)  # the choice is kept
    done = client.post(
        BULK, {"action": ids, "due_date": later.isoformat(), "reason": "Programme paused"}
    )
    assert done.status_code == 302
    assert Action.objects.filter(due_date=later).count() == 3
    assert all("Reason: Programme paused" in a.updates.last().text for a in open_ones)


def test_nothing_chosen_or_nothing_to_change_is_a_clear_error(client, manager, leaver_work):
    _newcomer, open_ones, _closed = leaver_work
    client.force_login(manager)
    none_chosen = client.post(BULK, {"owner": "newbie"})
    assert none_chosen.status_code == 400
    assert "Choose at least one action" in none_chosen.content.decode()
    no_change = client.post(BULK, {"action": [open_ones[0].pk]})
    assert "Give a new owner, a new lead or a new due date" in no_change.content.decode()
    unknown = client.post(BULK, {"action": [open_ones[0].pk], "owner": "Nobody At All"})
    assert "No one here is called “Nobody At All”." in unknown.content.decode()
    assert 'value="Nobody At All"' in unknown.content.decode()


def test_another_forces_actions_are_not_changed(client, manager, leaver_work, beta_action):
    newcomer, _open_ones, _closed = leaver_work
    client.force_login(manager)
    owner_before = beta_action.owner_id
    response = client.post(BULK, {"action": [beta_action.pk], "owner": "newbie"})
    assert response.status_code == 302
    beta_action.refresh_from_db()
    assert beta_action.owner_id == owner_before
    assert (
        "1 chosen action is not yours to manage."
        in client.get(response["Location"]).content.decode()
    )


def test_a_deactivated_person_is_not_given_actions(client, manager, leaver_work, alpha):
    _newcomer, open_ones, _closed = leaver_work
    gone = UserFactory(username="gone", is_active=False)
    MembershipFactory(user=gone, force=alpha)
    client.force_login(manager)
    response = client.post(BULK, {"action": [open_ones[0].pk], "owner": "gone"})
    assert response.status_code == 400
    assert "No one here is called “gone”." in response.content.decode()
    open_ones[0].refresh_from_db()
    assert open_ones[0].owner != gone
    bad_ids = client.post(BULK, {"action": ["²", "99999999999999999999999"], "owner": "newbie"})
    assert bad_ids.status_code == 400
