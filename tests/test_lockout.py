"""Lockout (django-axes): repeated wrong passwords for one username, or from one address,
lock sign-in for a while with a clear page; the admin's login is covered; a superuser
lifts a lockout in the admin; every sign-in event is a structured log line."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from .factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "the-right-password-2027"
LOGIN = "/accounts/login/"


@pytest.fixture
def person(db):
    user = UserFactory(username="pat")
    user.set_password(PASSWORD)
    user.save()
    return user


def _try(client, username, password, address="10.1.1.1", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_twelve_wrong_passwords_lock_the_account_even_from_many_addresses(client, person):
    for n in range(12):
        response = _try(client, "pat", "wrong", address=f"10.2.0.{n}")
    assert response.status_code == 429
    right = _try(client, "pat", PASSWORD, address="10.9.9.9")
    page = right.content.decode()
    assert right.status_code == 429
    assert "Sign-in is locked for now" in page and "15 minutes" in page and "pat" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_cool_off(client, person):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(10):
            _try(client, "pat", "wrong")
        assert _try(client, "pat", PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=16))
        assert _try(client, "pat", PASSWORD).status_code == 302  # signed in


def test_failures_from_one_address_lock_that_address(client, person):
    for n in range(10):
        _try(client, f"guess{n}", "wrong", address="10.3.3.3")
    assert _try(client, "pat", PASSWORD, address="10.3.3.3").status_code == 429
    assert _try(client, "pat", PASSWORD, address="10.4.4.4").status_code == 302


def test_fewer_failures_then_the_right_password_signs_in_and_resets(client, person):
    for _ in range(9):
        _try(client, "pat", "wrong")
    assert _try(client, "pat", PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        _try(client, "pat", "wrong")
    assert _try(client, "pat", PASSWORD).status_code == 302  # the count started again


def test_the_admin_login_is_covered(client):
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    staff.set_password(PASSWORD)
    staff.save()
    for _ in range(10):
        _try(client, "root", "wrong", url="/admin/login/")
    assert _try(client, "root", PASSWORD, url="/admin/login/").status_code == 429


def test_a_superuser_lifts_a_lockout_in_the_admin(client, person):
    for _ in range(10):
        _try(client, "pat", "wrong", address="10.5.5.5")
    attempt = AccessAttempt.objects.get(username="pat")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin_client = type(client)()
    admin_client.force_login(root)
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "pat" in page.content.decode()
    deleted = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert _try(client, "pat", PASSWORD, address="10.5.5.5").status_code == 302


def test_sign_in_events_are_structured_log_lines(client, person, caplog):
    with caplog.at_level(logging.INFO, logger="peel.security"):
        _try(client, "pat", "wrong", address="10.6.6.6")
        _try(client, "pat", PASSWORD, address="10.6.6.6")
        client.post("/accounts/logout/", REMOTE_ADDR="10.6.6.6")
        for _ in range(10):
            _try(client, "pat", "wrong", address="10.6.6.6")
    lines = [r.getMessage() for r in caplog.records if r.name == "peel.security"]
    assert "event=sign_in_failed ip=10.6.6.6 username=pat" in lines
    assert f"event=sign_in ip=10.6.6.6 user=pat user_id={person.pk}" in lines
    assert f"event=sign_out ip=10.6.6.6 user=pat user_id={person.pk}" in lines
    assert any(line.startswith("event=locked_out ip=10.6.6.6 username=pat") for line in lines)
