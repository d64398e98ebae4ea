"""Faults with real services: a constraint only the database holds is a form error;
PostgreSQL restarting under the web server gives a clean page and then recovers; a
Celery worker killed while it sends an email is redelivered, and the email goes once.
(A full evidence disk and an unreachable bucket: tests/test_evidence_storage.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from improvements import reminders
from improvements.models import Action, Reminder, Status

ROOT = Path(__file__).resolve().parents[1]
ON_CI = os.environ.get("CI") == "true"


def _needs(condition: bool, reason: str):
    if not condition:
        if ON_CI:
            pytest.fail(f"{reason} (fault tests must run on CI)", pytrace=False)
        pytest.skip(reason)


@pytest.mark.django_db
def test_a_rule_only_the_database_holds_is_a_form_error(client, manager, action):
    """Four eyes is checked by the workflow and held by a CHECK constraint. With the
    workflow's check out of the way (as a bug or a race would), the database refuses
    the owner's sign-off, and the page says so instead of failing."""
    Action.objects.filter(pk=action.pk).update(
        status=Status.COMPLETED,
        owner=manager,
        completed_by=manager,
        completed_at=timezone.now(),
    )
    action.refresh_from_db()
    client.force_login(manager)
    with mock.patch("improvements.workflow._is_second_pair_of_eyes", return_value=True):
        response = client.post(
            reverse("improvements:action-decide", args=[action.pk]),
            {"decision": Status.SIGNED_OFF, "version": action.version, "reason": "Done"},
        )
    assert response.status_code == 400
    assert "a rule the database keeps" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.COMPLETED and action.signed_off_by is None


# --- PostgreSQL restarting under the web server -----------------------------------------


def _cluster() -> str:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    return versions[-1] if versions else ""


def _pg(command: str) -> None:
    subprocess.run(  # noqa: S603
        ["pg_ctlcluster", "--skip-systemctl-redirect", _cluster(), "main", command],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=60,
    )


def _get(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.django_db(transaction=True)
def test_postgresql_restarting_gives_a_clean_page_then_recovers(live_server, owner):
    _needs(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    _needs(bool(_cluster()) and os.geteuid() == 0, "needs to restart the local cluster (root)")
    from django.test import Client

    signed_in = Client()
    signed_in.force_login(owner)
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={signed_in.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    url = f"{live_server.url}/healthz/"
    page = f"{live_server.url}/actions/"
    assert _get(url)[0] == 200
    assert _get(page, cookie)[0] == 200
    _pg("stop")
    try:
        status, body = _get(url)
        assert status == 503
        status, body = _get(page, cookie)
        assert status == 503, body[:300]
        assert "Sorry, the service is unavailable" in body
        assert "Traceback" not in body
    finally:
        _pg("start")
        connections.close_all()  # this test's own connection died with the server
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _get(url)[0] != 200:
        time.sleep(0.5)
    assert _get(url)[0] == 200
    status, body = _get(page, cookie)
    assert status == 200 and "My actions" in body  # the same session, signed in still


# --- A Celery worker killed mid-delivery ------------------------------------------------


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "peel",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_is_redelivered_and_the_email_goes_once(
    tmp_path, owner, action
):
    from peel.celery import app

    _needs(connection.vendor == "postgresql", "needs PostgreSQL: the worker is another process")
    _needs(
        settings.CELERY_BROKER_URL.startswith("redis://"),
        "needs Redis: an unacknowledged message comes back after a worker dies",
    )
    owner.email = "bob@alpha.police.uk"
    owner.save()
    today = timezone.localdate()
    Action.objects.filter(pk=action.pk).update(due_date=today + timedelta(days=7))
    reminders.sweep(today)
    assert Reminder.objects.filter(recipient=owner, status=Reminder.State.PENDING).exists()

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_BACKEND": "tests.slow_mail.Backend",
        "SLOW_MAIL_DIR": str(tmp_path),
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_RESTORE_INTERVAL": "1",
        "CELERY_RESTORE_THROTTLE": "1",
        "REMINDER_CLAIM_SECONDS": "2",
        "DEBUG": "false",
        "SECRET_KEY": "fault-test-only",
    }
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    from improvements.tasks import reminders_deliver

    reminders_deliver.delay(owner.pk, today.isoformat())

    first = _worker({**env, "SLOW_MAIL_SECONDS": "120"})
    try:
        assert _wait_for(lambda: (tmp_path / "started").exists(), 60), "the send never began"
        os.killpg(first.pid, signal.SIGKILL)  # mid-delivery: the email is not out yet
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    outbox = tmp_path / "outbox"
    assert not outbox.exists()

    second = _worker({**env, "SLOW_MAIL_SECONDS": "0"})
    try:
        assert _wait_for(outbox.exists, 60), "the delivery was not redelivered"
        time.sleep(6)  # long enough for a second delivery, were there one
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    sent = outbox.read_text().splitlines()
    assert sent == ["bob@alpha.police.uk"]
    rows = Reminder.objects.filter(recipient=owner)
    assert {r.status for r in rows} == {Reminder.State.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_broker_on_a_closed_port_only_delays_the_email(alpha_finding, manager, owner, mailoutbox):
    """The change is made in another process whose broker is a port nothing listens on:
    the request succeeds, the email waits in the outbox, and the next delivery run sends
    it once."""
    _needs(
        connection.vendor == "postgresql", "needs PostgreSQL: the change is made in another process"
    )
    import socket

    from django.core.management import call_command

    from improvements.models import Notification

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{closed}/0",
        "DEBUG": "false",
        "SECRET_KEY": "fault-test-only",
    }
    script = (
        "from datetime import timedelta\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.utils import timezone\n"
        "from improvements import services\n"
        "from inspections.models import Finding\n"
        "U = get_user_model()\n"
        f"a = services.action_create(finding=Finding.objects.get(pk={alpha_finding.pk}), "
        "title='Saved while the broker is away', "
        f"owner=U.objects.get(pk={owner.pk}), by=U.objects.get(pk={manager.pk}), "
        "due_date=timezone.localdate() + timedelta(days=30))\n"
        "print('saved', a.pk)\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "saved" in done.stdout
    assert f"127.0.0.1:{closed}" in done.stderr  # queueing failed against the closed port
    row = Notification.objects.get(action__title="Saved while the broker is away")
    assert row.status == Notification.State.PENDING and mailoutbox == []
    call_command("send_notifications", "--json", stdout=__import__("io").StringIO())
    call_command("send_notifications", "--json", stdout=__import__("io").StringIO())
    assert [m.to for m in mailoutbox] == [[owner.email]]
