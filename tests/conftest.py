"""Personas: an inspector; a manager, an owner and another staff member of one force
(Alpha); a user of another force (Beta). Alpha and Beta each have an inspection with a
finding and an action."""

import datetime
import importlib
import os
import zoneinfo

import pytest
import time_machine
from django.apps import apps as global_apps
from django.conf import settings as django_settings
from django.core.cache import cache

from inspections.models import Membership

from .factories import (
    ActionFactory,
    FindingFactory,
    ForceFactory,
    InspectionFactory,
    JudgmentFactory,
    MembershipFactory,
    UserFactory,
)


def _suite_today():
    """The moment PEEL_TEST_TODAY names, or None. A bare date (2027-01-25) means noon
    that day in TIME_ZONE; a full ISO datetime (2027-03-28T00:30) is taken as given,
    in TIME_ZONE unless it carries an offset."""
    value = os.environ.get("PEEL_TEST_TODAY", "").strip()
    if not value:
        return None
    local = zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
    if "T" not in value and " " not in value:
        day = datetime.date.fromisoformat(value)
        return datetime.datetime.combine(day, datetime.time(12), tzinfo=local)
    moment = datetime.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=local)


@pytest.fixture(autouse=True, scope="session")
def _suite_clock():
    """A whole-suite clock: ``PEEL_TEST_TODAY=2027-01-25 pytest`` runs every test with
    the clock set to that day (time-machine, ticking, so time still passes during the
    run). It shows that no test passes only because of today's date, e.g. "the whole
    suite passes with the clock set to 2027-01-25". Tests that pin their own moment
    (``@time_machine.travel`` or the ``time_machine`` fixture) travel on from there.
    Unset, the real clock is used."""
    moment = _suite_today()
    if moment is None:
        yield None
        return
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    try:
        yield moment
    finally:
        traveller.stop()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Files kept in the default storage (a tracker waiting for its import's confirmation)
    # go to the run's temporary folder, not the checkout's var/.
    media = str(tmp_path_factory.getbasetemp() / "media")
    settings.MEDIA_ROOT = media
    # Pages are rendered without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Each test starts with an empty cache: the board's cached fragments are keyed by
    # force ids, which another test's rolled-back rows may have used.
    cache.clear()


DATA_MIGRATIONS = [
    ("improvements.migrations.0002_inspectors_group", "create_group"),
    ("improvements.migrations.0004_default_reminder_rules", "create"),
    ("improvements.migrations.0014_pcc_response_reminders", "create"),
]


@pytest.fixture(autouse=True)
def _migrated_data(request):
    """Transactional tests flush the database afterwards, taking the rows that data
    migrations wrote (the Inspectors group, the default reminder rules) with them; put
    them back for each such test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(global_apps, None)


@pytest.fixture
def alpha(db):
    return ForceFactory(name="Alpha Police", slug="alpha-police")


@pytest.fixture
def beta(db):
    return ForceFactory(name="Beta Police", slug="beta-police")


@pytest.fixture
def inspector(db):
    return UserFactory(username="inspector", inspector=True)


@pytest.fixture
def manager(alpha):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, force=alpha, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def owner(alpha):
    user = UserFactory(username="bob")
    MembershipFactory(user=user, force=alpha, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def staff(alpha):
    user = UserFactory(username="carol")
    MembershipFactory(user=user, force=alpha, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def outsider(beta):
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, force=beta, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def alpha_inspection(alpha):
    inspection = InspectionFactory(force=alpha, programme="PEEL 2015")
    JudgmentFactory(inspection=inspection, number=0, question="Overall?", grade="good")
    return inspection


@pytest.fixture
def alpha_finding(alpha_inspection):
    judgment = JudgmentFactory(inspection=alpha_inspection, number=1, grade="requires_improvement")
    return FindingFactory(judgment=judgment, reference="Q1-AFI-1")


@pytest.fixture
def action(alpha_finding, owner, manager):
    return ActionFactory(finding=alpha_finding, owner=owner, lead=manager, title="Fix it")


@pytest.fixture
def beta_action(beta, outsider):
    inspection = InspectionFactory(force=beta, programme="PEEL 2016")
    judgment = JudgmentFactory(inspection=inspection, number=1)
    finding = FindingFactory(judgment=judgment, reference="Q1-AFI-1")
    return ActionFactory(finding=finding, owner=outsider, title="Beta's action")
