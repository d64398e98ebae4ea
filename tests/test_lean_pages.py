"""Pages that stay small however large the force: the owner filter by name with
suggestions, the inspection page in pages, and the board's cached figures that follow
every change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from improvements import services
from improvements.models import Status
from improvements.selectors import FINDINGS_PER_PAGE
from inspections.models import Membership

from .factories import ActionFactory, FindingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BOARD = "/board/"
PEOPLE = "/people/"


@pytest.fixture
def people(alpha, beta):
    made = {}
    for username, first, last, force in (
        ("jsmith", "Jane", "Smith", alpha),
        ("jsmyth", "John", "Smyth", alpha),
        ("pjones", "Pat", "Jones", alpha),
        ("bsmith", "Beth", "Smith", beta),
    ):
        user = UserFactory(username=username, first_name=first, last_name=last)
        MembershipFactory(user=user, force=force, role=Membership.Role.STAFF)
        made[username] = user
    return made


# --- Owner suggestions --------------------------------------------------------------------


def test_suggestions_are_people_of_the_users_forces(client, manager, people, alpha):
    manager.first_name, manager.last_name = "Alice", "Manager"  # factories pick names
    manager.save()
    client.force_login(manager)
    values = [r["value"] for r in client.get(PEOPLE, {"q": "smi"}).json()["results"]]
    assert values == ["Jane Smith (jsmith)"]  # Beth Smith is another force's
    forced = client.get(PEOPLE, {"q": "sm", "force": alpha.slug}).json()["results"]
    assert [r["value"] for r in forced] == ["Jane Smith (jsmith)", "John Smyth (jsmyth)"]
    assert client.get(PEOPLE, {"q": "j"}).json() == {"results": []}  # two letters at least


def test_suggestions_for_a_force_the_user_cannot_see_are_a_404(client, manager, beta, people):
    client.force_login(manager)
    assert client.get(PEOPLE, {"q": "sm", "force": beta.slug}).status_code == 404


def test_an_inspector_gets_suggestions_from_any_force(client, inspector, people, beta):
    client.force_login(inspector)
    results = client.get(PEOPLE, {"q": "smith", "force": beta.slug}).json()["results"]
    assert [r["value"] for r in results] == ["Beth Smith (bsmith)"]


# --- The owner filter --------------------------------------------------------------------


def _owned(people, alpha_finding):
    due = timezone.localdate() + timedelta(days=40)
    for username in ("jsmith", "jsmyth", "pjones"):
        ActionFactory(finding=alpha_finding, owner=people[username], title=f"{username} work")
    return due


def test_the_board_filters_by_an_owners_name(client, manager, people, alpha_finding):
    _owned(people, alpha_finding)
    client.force_login(manager)
    response = client.get(BOARD, {"owner": "Jane Smith (jsmith)"})
    assert response.status_code == 200
    assert response.context["counts"]["total"] == 1
    by_part = client.get(BOARD, {"owner": "sm"})  # Smith and Smyth
    assert by_part.context["counts"]["total"] == 2
    body = response.content.decode()
    assert (
        'list="filter-owner-suggestions"' in body
        and "<select" not in body.split('id="filter-owner"')[0].rsplit("<label", 1)[-1]
    )


def test_an_owner_nobody_is_called_is_a_clear_error_that_keeps_the_text(
    client, manager, people, alpha_finding
):
    _owned(people, alpha_finding)
    client.force_login(manager)
    response = client.get(BOARD, {"owner": "Beth Smith (bsmith)"})  # another force's
    assert response.status_code == 200
    body = response.content.decode()
    assert "No one here is called “Beth Smith (bsmith)”." in body
    assert 'value="Beth Smith (bsmith)"' in body


def test_the_action_list_filters_by_an_owners_name(client, manager, people, alpha_finding):
    _owned(people, alpha_finding)
    client.force_login(manager)
    response = client.get("/actions/", {"scope": "all", "owner": "pjones"})
    assert [a.title for a in response.context["actions"]] == ["pjones work"]
    # A link from elsewhere may name the person by id.
    by_id = client.get("/actions/", {"scope": "all", "owner": str(people["jsmyth"].pk)})
    assert [a.title for a in by_id.context["actions"]] == ["jsmyth work"]


def test_no_page_lists_every_person(client, manager, alpha, alpha_finding):
    for n in range(30):
        user = UserFactory(username=f"person{n}", first_name="Person", last_name=f"N{n}")
        MembershipFactory(user=user, force=alpha)
    client.force_login(manager)
    for url in (BOARD, "/actions/?scope=all"):
        assert "Person N17" not in client.get(url).content.decode()


# --- The inspection page ------------------------------------------------------------------


def test_the_inspection_page_lists_a_page_of_findings(client, manager, alpha_finding):
    judgment = alpha_finding.judgment
    findings = [alpha_finding] + [
        FindingFactory(
            inspection=judgment.inspection, judgment=judgment, reference=f"Q1-AFI-{n}", position=n
        )
        for n in range(2, FINDINGS_PER_PAGE + 8)
    ]
    ActionFactory(finding=findings[-1], due_date=timezone.localdate() - timedelta(days=2))
    client.force_login(manager)
    url = reverse("improvements:inspection-detail", args=[alpha_finding.inspection_id])
    first = client.get(url)
    body = first.content.decode()
    assert body.count('class="govuk-summary-card" id="finding-') == FINDINGS_PER_PAGE
    assert f"of <b>{len(findings)}</b>" in body
    assert "7 more findings under this question on later pages" in body
    last = findings[-1]
    opened = client.get(url, {"finding": last.pk})
    assert opened.context["page_obj"].number == 2
    assert f'id="finding-{last.pk}"' in opened.content.decode()
    assert (
        "Furthest behind" in opened.content.decode()
        or "actions are complete" in opened.content.decode()
    )
    assert client.get(url, {"page": "99"}).context["page_obj"].number == 2
    assert client.get(url, {"page": "x"}).context["page_obj"].number == 1


# --- Cached figures follow every change ---------------------------------------------------


def test_the_cached_board_follows_every_change(client, manager, owner, alpha_finding):
    client.force_login(manager)
    due = timezone.localdate() + timedelta(days=60)
    assert client.get(BOARD).context["counts"]["total"] == 0
    action = services.action_create(
        finding=alpha_finding, title="New work", owner=owner, due_date=due, by=manager
    )
    counts = client.get(BOARD).context["counts"]
    assert (counts["total"], counts["status_not_started"]) == (1, 1)
    services.action_change_status(action=action, to=Status.IN_PROGRESS, by=owner)
    assert client.get(BOARD).context["counts"]["status_in_progress"] == 1
    # Served from the cache when nothing changed: fewer queries, the same figures.
    again = client.get(BOARD)
    assert "progress" not in again.context  # the fragment was not rendered again
    assert b'id="figure-open">1<' in again.content


def test_the_cached_board_follows_the_day(client, manager, owner, alpha_finding, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    today = timezone.localdate()
    ActionFactory(finding=alpha_finding, owner=owner, due_date=today)
    client.force_login(manager)
    assert client.get(BOARD).context["counts"]["overdue"] == 0
    time_machine.move_to(timezone.now() + timedelta(days=1), tick=False)
    client.force_login(manager)  # a day on, yesterday's session has timed out
    assert client.get(BOARD).context["counts"]["overdue"] == 1


def test_a_username_of_digits_is_a_username_and_odd_digits_are_an_error(client, manager, alpha):
    collar = UserFactory(username="4711", first_name="Kim", last_name="Collar")
    MembershipFactory(user=collar, force=alpha)
    client.force_login(manager)
    results = client.get(PEOPLE, {"q": "4711"}).json()["results"]
    assert [r["value"] for r in results] == ["Kim Collar (4711)"]
    for odd in ("²", "²²", "99999999999999999999999"):
        response = client.get(BOARD, {"owner": odd})
        assert response.status_code == 200
        assert "No one here is called" in response.content.decode()
        assert client.get(PEOPLE, {"q": odd}).status_code == 200
        assert client.get("/actions/", {"scope": "all", "owner": odd}).status_code == 200
