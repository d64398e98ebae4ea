"""Plan the response in one page: an owned, dated action for every finding, saved at
once through the same service as the single form, or nothing when a row is wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from improvements.boards import tally_recount, tally_rows
from improvements.models import Action
from inspections.models import FollowUpReview, Membership

from .factories import (
    ActionFactory,
    FindingFactory,
    FollowUpReviewFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(alpha_finding, alpha):
    """Eight findings under one question, as a freshly imported report."""
    judgment = alpha_finding.judgment
    findings = [alpha_finding] + [
        FindingFactory(
            inspection=judgment.inspection, judgment=judgment, reference=f"Q1-AFI-{n}", position=n
        )
        for n in range(2, 9)
    ]
    people = []
    for username, first, last in (("jsmith", "Jane", "Smith"), ("pjones", "Pat", "Jones")):
        user = UserFactory(username=username, first_name=first, last_name=last)
        MembershipFactory(user=user, force=alpha, role=Membership.Role.STAFF)
        people.append(user)
    return findings, people


def _url(finding):
    return reverse("improvements:inspection-plan", args=[finding.inspection_id])


def _rows(findings, count, due, owner="Jane Smith (jsmith)"):
    data = {}
    for finding in findings[:count]:
        data[f"f{finding.pk}-title"] = f"Answer {finding.reference}"
        data[f"f{finding.pk}-owner"] = owner
        data[f"f{finding.pk}-lead"] = "pjones"
        data[f"f{finding.pk}-due_date"] = due.isoformat()
    return data


def test_the_plan_lists_every_finding_and_suggests_a_due_date(client, manager, report):
    findings, _people = report
    evidence_due = timezone.localdate() + timedelta(days=90)
    FollowUpReviewFactory(
        inspection=findings[0].inspection,
        evidence_due=evidence_due,
        status=FollowUpReview.Status.SCHEDULED,
    )
    ActionFactory(finding=findings[1], title="Already planned")
    client.force_login(manager)
    response = client.get(_url(findings[0]))
    assert response.status_code == 200
    body = response.content.decode()
    for finding in findings:
        assert f'id="finding-{finding.pk}"' in body
    assert "Already planned" in body
    assert f'name="f{findings[1].pk}-title"' not in body  # it has an action
    assert f'value="{evidence_due.isoformat()}"' in body
    assert "<strong>7</strong> findings without an action" in body


def test_one_submission_owns_and_dates_every_finding(client, manager, report):
    findings, (jane, pat) = report
    due = timezone.localdate() + timedelta(days=60)
    client.force_login(manager)
    response = client.post(_url(findings[0]), _rows(findings, 8, due))
    assert response.status_code == 302
    actions = Action.objects.filter(finding__in=findings)
    assert actions.count() == 8
    assert {(a.owner, a.lead, a.due_date) for a in actions} == {(jane, pat, due)}
    # Each writes its own history, saying who.
    for action in actions:
        assert [h.history_user for h in action.history.all()] == [manager]
    assert tally_rows() == tally_recount()
    board = client.get("/board/")
    assert board.context["counts"]["total"] == 8  # the cached board follows
    page = client.get(reverse("improvements:inspection-detail", args=[findings[0].inspection_id]))
    assert "without an action" not in page.content.decode()


def test_the_plan_costs_the_same_queries_for_two_rows_as_for_eight(client, manager, report):
    findings, _people = report
    due = timezone.localdate() + timedelta(days=30)
    client.force_login(manager)

    def queries(data) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.post(_url(findings[0]), data).status_code == 302
        return len(captured.captured_queries)

    two = queries(_rows(findings[:2], 2, due))
    Action.objects.all().delete()
    eight = queries(_rows(findings, 8, due))
    assert two == eight


def test_one_bad_row_saves_nothing_and_keeps_every_row(client, manager, report):
    findings, _people = report
    due = timezone.localdate() + timedelta(days=30)
    data = _rows(findings, 4, due)
    data[f"f{findings[2].pk}-owner"] = "Nobody Known"
    data[f"f{findings[3].pk}-due_date"] = "31/02/2027"
    client.force_login(manager)
    response = client.post(_url(findings[0]), data)
    assert response.status_code == 400
    assert not Action.objects.exists()
    body = response.content.decode()
    assert "There is a problem: nothing was saved" in body
    assert f"{findings[2].reference}: No one here is called “Nobody Known”." in body
    assert f'href="#id_f{findings[3].pk}-due_date"' in body
    for finding in findings[:4]:
        assert f'value="Answer {finding.reference}"' in body
    assert 'value="Nobody Known"' in body and 'value="31/02/2027"' in body


def test_a_begun_row_must_be_whole_and_blank_rows_are_skipped(client, manager, report):
    findings, _people = report
    client.force_login(manager)
    response = client.post(_url(findings[0]), {f"f{findings[0].pk}-title": "Half a row"})
    assert response.status_code == 400
    assert "Enter the owner" in response.content.decode()
    assert "Enter a due date" in response.content.decode()
    empty = client.post(_url(findings[0]), {})
    assert empty.status_code == 400 and not Action.objects.exists()


def test_an_owner_outside_the_force_is_refused_by_the_service(manager, report, beta):
    from improvements import services

    findings, (jane, _pat) = report
    stranger = UserFactory()
    MembershipFactory(user=stranger, force=beta)
    due = timezone.localdate()
    new = [
        services.NewAction(finding=findings[0], title="A", owner=jane, due_date=due),
        services.NewAction(finding=findings[1], title="B", owner=stranger, due_date=due),
    ]
    with pytest.raises(services.PlanRefused) as refused:
        services.actions_create(new=new, by=manager)
    assert list(refused.value.errors) == [1]
    assert "owner" in refused.value.errors[1]
    assert not Action.objects.exists()
