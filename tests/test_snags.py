"""The everyday gaps a new user found, closed."""

from __future__ import annotations

import logging
import re
import sys
from datetime import timedelta

import pytest
from django.db import transaction

from improvements import notifications, services
from improvements.models import Notification

from .factories import JudgmentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def test_the_action_page_has_no_two_elements_with_one_id(client, action, owner, manager):
    services.extension_request(
        action=action, by=owner, due_date=action.due_date + timedelta(days=9), reason="Busy"
    )
    for user in (manager, owner):
        client.force_login(user)
        html = client.get(f"/actions/{action.pk}/").content.decode()
        ids = _ids(html)
        duplicates = {i for i in ids if ids.count(i) > 1}
        assert not duplicates, (
            user,
            duplicates,
            re.findall(r'<[^>]*id="id_submit"[^>]*>', html),
        )
        assert "id_submit" not in ids


def test_filters_applied_are_listed(client, manager, action):
    client.force_login(manager)
    page = client.get("/actions/", {"scope": "all", "status": ["in_progress"], "rag": ["red"]})
    listed = page.content.decode().split('id="filters-applied"')[1].split("</ul>")[0]
    assert "Status:</strong> In progress" in listed and "RAG:</strong> Red" in listed


def test_dates_are_day_month_year_and_iso_is_accepted_too(client, manager, alpha_finding, owner):
    client.force_login(manager)
    page = client.get(f"/findings/{alpha_finding.pk}/actions/new/").content.decode()
    assert 'type="date"' not in page and "dd/mm/yyyy" in page
    for typed, expected in (("31/03/2027", "2027-03-31"), ("2027-04-30", "2027-04-30")):
        response = client.post(
            f"/findings/{alpha_finding.pk}/actions/new/",
            {"title": f"Due {typed}", "owner": owner.pk, "due_date": typed, "priority": "medium"},
        )
        assert response.status_code == 302, response.content.decode()[:500]
        assert str(alpha_finding.actions.get(title=f"Due {typed}").due_date) == expected


def test_the_signed_in_persons_name_is_visible(client, owner):
    owner.first_name, owner.last_name = "Olivia", "Hughes"
    owner.save()
    client.force_login(owner)
    page = client.get("/actions/").content.decode()
    assert '<span class="peel-signed-in-as">Olivia Hughes</span>' in page


def test_an_officer_is_told_the_board_is_for_managers(client, owner):
    client.force_login(owner)
    response = client.get("/board/")
    assert response.status_code == 403
    assert "The board is for the force&#x27;s managers." in response.content.decode()


def test_the_question_filter_lists_the_questions_there_are(client, manager, alpha_finding):
    JudgmentFactory(inspection=alpha_finding.inspection, number=3, question="Third?")
    client.force_login(manager)
    page = client.get("/actions/", {"scope": "all"}).content.decode()
    options = re.findall(
        r'<option value="(\d+)"', page.split('name="question"')[1].split("</select>")[0]
    )
    assert options == ["1", "3"]


def test_owner_choices_tell_people_of_the_same_name_apart(client, manager, alpha, alpha_finding):
    for n, email in enumerate(("sam.lee@alpha.police.uk", "s.lee2@alpha.police.uk")):
        MembershipFactory(
            user=UserFactory(username=f"slee{n}", first_name="Sam", last_name="Lee", email=email),
            force=alpha,
        )
    client.force_login(manager)
    page = client.get(f"/findings/{alpha_finding.pk}/actions/new/").content.decode()
    assert (
        "Sam Lee (sam.lee@alpha.police.uk)" in page and "Sam Lee (s.lee2@alpha.police.uk)" in page
    )


def test_a_permission_denial_is_logged_without_a_traceback():
    from peel.logs import NoTracebackBelow500

    try:
        raise PermissionError("no")
    except PermissionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Forbidden", (), exc_info
    )
    record.status_code = 403
    NoTracebackBelow500().filter(record)
    assert record.exc_info is None
    server_error = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Boom", (), exc_info
    )
    server_error.status_code = 500
    NoTracebackBelow500().filter(server_error)
    assert server_error.exc_info is not None


def test_no_email_when_the_change_rolls_back(
    action, owner, manager, django_capture_on_commit_callbacks
):
    Notification.objects.all().delete()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifications.actions_assigned([(action, owner, None)], by=manager)
        raise RuntimeError("something later failed")
    assert not Notification.objects.exists() and not callbacks
