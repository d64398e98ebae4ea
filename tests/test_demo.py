import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from improvements.models import Action, Status

EXPECTED = (
    Path(__file__).resolve().parent.parent
    / "inspections"
    / "data"
    / ("staffordshire-peel-effectiveness-2015.expected.json")
)

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in ("inspections", "improvements", "auth")
        and not model._meta.label.startswith("auth.Permission")
    }


def test_load_demo_twice_gives_the_same_rows():
    out = StringIO()
    call_command("load_demo", "--password", "demo-pw-123", stdout=out)
    first = _counts()
    call_command("load_demo", "--password", "demo-pw-123", stdout=StringIO())
    assert _counts() == first
    assert first["improvements.Action"] >= 8
    text = out.getvalue()
    for login in ("inspector", "manager", "officer", "outsider"):
        assert login in text
    assert "demo-pw-123" in text


def test_demo_picture_is_alive():
    from django.contrib.auth import authenticate

    call_command("load_demo", "--password", "demo-pw-123", stdout=StringIO())
    actions = Action.objects.with_rag()
    statuses = set(actions.values_list("status", flat=True))
    assert {Status.SIGNED_OFF, Status.COMPLETED, Status.IN_PROGRESS} <= statuses
    rags = list(actions.values_list("current_rag", flat=True))
    assert "red" in rags and "amber" in rags
    assert authenticate(username="officer", password="demo-pw-123") is not None
    # every area for improvement has at least one action
    from inspections.models import Finding

    staffs = Finding.objects.filter(inspection__force__slug="staffordshire-police")
    assert staffs.count() == 8
    assert not staffs.filter(actions__isnull=True).exists()


LOGINS = ("inspector", "manager", "officer", "outsider")


def _printed_passwords(text: str) -> dict[str, str]:
    """The "username / password" lines load_demo prints."""
    found = dict(re.findall(rf"^\s+({'|'.join(LOGINS)})\s+(\S+)\s", text, re.MULTILINE))
    assert set(found) == set(LOGINS), text
    return found


def test_random_passwords_without_the_option():
    from django.contrib.auth import authenticate

    runs = []
    for _ in range(2):
        out = StringIO()
        call_command("load_demo", stdout=out)
        passwords = _printed_passwords(out.getvalue())
        for username, password in passwords.items():
            assert authenticate(username=username, password=password) is not None, username
        runs.append(passwords)
    first, second = runs
    assert len(set(first.values())) == len(LOGINS)  # one password per login
    for username in LOGINS:
        assert first[username] != second[username], username
        # The second run reset the password: the first one no longer works.
        assert authenticate(username=username, password=first[username]) is None, username


def test_inspection_json_of_the_demo_equals_the_expected_json():
    call_command("load_demo", "--password", "demo-pw-123", stdout=StringIO())
    out = StringIO()
    call_command("inspection_json", "--force", "staffordshire-police", stdout=out)
    got = json.loads(out.getvalue())
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert got == expected
    assert len(got["judgments"]) == 4 and got["overall"]["grade"] == "Requires improvement"
    assert len(got["findings"]) == 8


def test_inspection_json_fails_clearly_when_nothing_matches():
    with pytest.raises(CommandError, match="No inspection found"):
        call_command("inspection_json", "--force", "nowhere", stdout=StringIO())


def test_the_second_force_shows_a_review_with_findings_in_scope(client):
    out = StringIO()
    call_command("load_demo", "--password", "demo-pw-123", stdout=out)
    assert "northmoor.lead" in out.getvalue()
    client.login(username="northmoor.lead", password="demo-pw-123")
    board = client.get("/board/")
    assert board.status_code == 200
    text = board.content.decode()
    # The cause of concern and its recommendation are in scope; the recommendation's
    # action is signed off with evidence, the concern's still in progress.
    assert re.search(r'id="figure-readiness">1 of 2<', text)
    assert "PCC response due" in text


def test_loading_the_demo_sends_no_emails(db):
    from improvements.models import Notification

    call_command("load_demo", "--password", "demo-pw-123", stdout=StringIO())
    assert not Notification.objects.exists()
