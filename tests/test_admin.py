"""The inspectors' admin: every page answers, and its query count does not grow with rows."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvements.models import Action, Evidence, ProgressUpdate
from inspections.models import Finding, FollowUpReview, Inspection, Judgment, Membership

from .factories import (
    ActionFactory,
    FindingFactory,
    FollowUpReviewFactory,
    InspectionFactory,
    JudgmentFactory,
    MembershipFactory,
    ProgressUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OUR_MODELS = [
    m for m in admin.site._registry if m._meta.app_label in ("inspections", "improvements")
]


def grow(inspection, judgment, force, n):
    """Add n of everything: findings, actions, updates, evidence, memberships, reviews."""
    for _ in range(n):
        finding = FindingFactory(
            judgment=judgment,
            inspection=inspection,
            reference=f"Q1-AFI-{Finding.objects.count() + 100}",
        )
        action = ActionFactory(finding=finding)
        action.contributors.add(UserFactory())
        update = ProgressUpdateFactory(action=action)
        Evidence.objects.create(
            action=action, update=update, link="https://example.org/e", uploaded_by=action.owner
        )
        MembershipFactory(force=force)
        other = InspectionFactory(force=force)
        JudgmentFactory(inspection=other, number=0)
        FollowUpReviewFactory(inspection=inspection).judgments.add(judgment)


def urls_for(model, obj):
    info = model._meta.app_label, model._meta.model_name
    return [
        reverse("admin:{}_{}_changelist".format(*info)),
        reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
    ]


def first_objects(inspection):
    finding = inspection.findings.first()
    action = Action.objects.filter(finding__inspection=inspection).first()
    return {
        Inspection: inspection,
        Judgment: inspection.judgments.first(),
        Finding: finding,
        Action: action,
        FollowUpReview: inspection.follow_up_reviews.first(),
        Membership: Membership.objects.first(),
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def test_every_admin_page_answers_with_a_bounded_number_of_queries(client, administrator, alpha):
    inspection = InspectionFactory(force=alpha)
    JudgmentFactory(inspection=inspection, number=0)
    judgment = JudgmentFactory(inspection=inspection, number=1)
    grow(inspection, judgment, alpha, 1)
    client.force_login(administrator)

    objects = first_objects(inspection)
    urls = []
    for model in OUR_MODELS:
        obj = objects.get(model) or model.objects.first()
        if obj is None:
            info = model._meta.app_label, model._meta.model_name
            urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        else:
            urls.extend(urls_for(model, obj))
    urls.append(reverse("admin:index"))
    small = {url: count_queries(client, url) for url in urls}

    grow(inspection, judgment, alpha, 6)
    large = {url: count_queries(client, url) for url in urls}
    grown = {url: (small[url], large[url]) for url in urls if large[url] > small[url]}
    assert not grown, f"query counts grew with rows: {grown}"


def test_inspectors_see_inspections_and_actions(client, inspector, action):
    FollowUpReviewFactory(inspection=action.finding.inspection)
    client.force_login(inspector)
    for model in (Inspection, Judgment, Finding, FollowUpReview, Action, Membership):
        for target in urls_for(
            model, first_objects(action.finding.inspection).get(model) or model.objects.first()
        ):
            assert client.get(target).status_code == 200, target


def test_history_pages_answer(client, inspector, action):
    client.force_login(inspector)
    for model, obj in [
        (Action, action),
        (Finding, action.finding),
        (Judgment, action.finding.judgment),
    ]:
        info = model._meta.app_label, model._meta.model_name
        url = reverse("admin:{}_{}_history".format(*info), args=[obj.pk])
        assert client.get(url).status_code == 200


def test_csv_export_action(client, inspector, action):
    client.force_login(inspector)
    url = reverse("admin:improvements_action_changelist")
    response = client.post(url, {"action": "export_as_csv", "_selected_action": [action.pk]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "Fix it" in body and body.splitlines()[0].startswith("Title")


def test_csv_export_writes_formulas_as_text(client, inspector, action):
    action.title = '=HYPERLINK("http://evil")'
    action.save()
    client.force_login(inspector)
    url = reverse("admin:improvements_action_changelist")
    response = client.post(url, {"action": "export_as_csv", "_selected_action": [action.pk]})
    assert "'=HYPERLINK" in response.content.decode()


def test_search_and_filters(client, inspector, action):
    client.force_login(inspector)
    url = reverse("admin:inspections_finding_changelist")
    response = client.get(
        url,
        {
            "q": action.finding.reference,
            "kind": "area_for_improvement",
            "inspection__force__id__exact": action.finding.inspection.force_id,
        },
    )
    assert response.status_code == 200
    assert action.finding.reference in response.content.decode()


def test_staff_without_admin_rights_are_sent_to_login(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={reverse('admin:index')}"


def test_inspectors_cannot_change_actions_or_the_progress_log(client, inspector, action):
    update = ProgressUpdateFactory(action=action, text="What was said")
    action_before = Action.objects.filter(pk=action.pk).values().get()
    update_before = ProgressUpdate.objects.filter(pk=update.pk).values().get()
    client.force_login(inspector)
    change_action = reverse("admin:improvements_action_change", args=[action.pk])
    change_update = reverse("admin:improvements_progressupdate_change", args=[update.pk])
    add_update = reverse("admin:improvements_progressupdate_add")

    # Both may be read...
    assert client.get(change_action).status_code == 200
    assert client.get(change_update).status_code == 200
    # ...but not changed, added to or deleted.
    refused = [
        client.post(change_action, {"title": "Rewritten", "status": "completed"}),
        client.post(reverse("admin:improvements_action_delete", args=[action.pk]), {"post": "yes"}),
        client.post(change_update, {"text": "Rewritten", "status_after": "completed"}),
        client.post(
            reverse("admin:improvements_progressupdate_delete", args=[update.pk]),
            {"post": "yes"},
        ),
        client.get(add_update),
        client.post(
            add_update,
            {
                "action": action.pk,
                "author": inspector.pk,
                "text": "Slipped in",
                "status_after": "completed",
            },
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert Action.objects.filter(pk=action.pk).values().get() == action_before
    assert ProgressUpdate.objects.filter(pk=update.pk).values().get() == update_before
    assert list(ProgressUpdate.objects.values_list("pk", flat=True)) == [update.pk]
