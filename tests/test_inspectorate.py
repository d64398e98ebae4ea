"""Finding closure is two-party: the force submits, an inspector decides."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inspections.models import Finding
from inspections.services import finding_inspectorate_decide

pytestmark = pytest.mark.django_db

S = Finding.Status


def at(finding, status):
    Finding.objects.filter(pk=finding.pk).update(status=status)
    finding.refresh_from_db()
    return finding


def test_inspector_discharges_submitted_evidence(alpha_finding, inspector):
    at(alpha_finding, S.EVIDENCE_SUBMITTED)
    finding_inspectorate_decide(finding=alpha_finding, to=S.DISCHARGED, by=inspector)
    alpha_finding.refresh_from_db()
    assert alpha_finding.status == S.DISCHARGED
    assert alpha_finding.status_changed_by == inspector
    assert alpha_finding.history.first().history_user == inspector


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        (S.OPEN, S.DISCHARGED, ""),  # the force has not submitted evidence
        (S.EVIDENCE_SUBMITTED, S.RETURNED, ""),  # a return needs a reason
        (S.DISCHARGED, S.RETURNED, "late"),
        (S.OPEN, S.SUPERSEDED, ""),
    ],
)
def test_refused_decisions(alpha_finding, inspector, source, target, reason):
    at(alpha_finding, source)
    with pytest.raises(ValidationError):
        finding_inspectorate_decide(finding=alpha_finding, to=target, by=inspector, reason=reason)
    alpha_finding.refresh_from_db()
    assert alpha_finding.status == source


def test_force_users_cannot_decide(alpha_finding, manager):
    at(alpha_finding, S.EVIDENCE_SUBMITTED)
    with pytest.raises(ValidationError, match="Only an inspector"):
        finding_inspectorate_decide(finding=alpha_finding, to=S.DISCHARGED, by=manager)


def test_admin_change_form_records_a_return_with_its_reason(client, inspector, alpha_finding):
    at(alpha_finding, S.EVIDENCE_SUBMITTED)
    client.force_login(inspector)
    url = reverse("admin:inspections_finding_change", args=[alpha_finding.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: "" if form.initial.get(name) is None else form.initial[name]
        for name in ("inspection", "judgment", "kind", "reference", "text", "position")
    }
    data.update(
        {
            "decision": "return",
            "decision_reason": "",
            "actions-TOTAL_FORMS": 0,
            "actions-INITIAL_FORMS": 0,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the form is shown again with the error
    assert "Give a reason" in response.content.decode()
    data["decision_reason"] = "The evidence does not cover the rural districts"
    response = client.post(url, data)
    assert response.status_code == 302
    alpha_finding.refresh_from_db()
    assert alpha_finding.status == S.RETURNED
    assert alpha_finding.status_reason.startswith("The evidence")


def test_admin_bulk_discharge(client, inspector, alpha_finding):
    at(alpha_finding, S.EVIDENCE_SUBMITTED)
    client.force_login(inspector)
    url = reverse("admin:inspections_finding_changelist")
    client.post(url, {"action": "discharge_selected", "_selected_action": [alpha_finding.pk]})
    alpha_finding.refresh_from_db()
    assert alpha_finding.status == S.DISCHARGED
