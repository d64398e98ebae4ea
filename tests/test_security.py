"""Secure defaults with DEBUG off, response headers, the idle timeout, and uploads
refused before they are read whole."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadhandler import load_handler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

from improvements.models import Evidence, ProgressUpdate

ROOT = Path(__file__).resolve().parents[1]
STRONG_KEY = "k3y-" + "x9F!q2#Lm7@Zr5$Tv8^Wb1&Nc4*Hd6(Jp0)Gs" * 2
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k) for k in ("
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_NAME', "
    "'CSRF_COOKIE_NAME', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', "
    "'SECURE_PROXY_SSL_HEADER', 'SESSION_IDLE_SECONDS', 'SESSION_COOKIE_AGE')}))"
)


def _env(**extra) -> dict:
    """A production-like environment: only what the test names, on top of PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update(DJANGO_SETTINGS_MODULE="peel.settings", **extra)
    return env


def _run(args, **extra):
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args],
        cwd=ROOT,
        env=_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_only_the_secret_key_and_allowed_hosts(tmp_path):
    done = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="tracker.example.police.uk",
        PEEL_VAR_DIR=str(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def _settings(tmp_path, **extra) -> dict:
    done = _run(
        ["-c", SHOW],
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="tracker.example.police.uk",
        PEEL_VAR_DIR=str(tmp_path),
        **extra,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_debug_off_is_secure_and_each_default_can_be_lowered(tmp_path):
    secure = _settings(tmp_path)
    assert secure["SESSION_COOKIE_SECURE"] and secure["CSRF_COOKIE_SECURE"]
    assert secure["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert secure["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert secure["SECURE_HSTS_SECONDS"] == 31536000 and secure["SECURE_SSL_REDIRECT"]
    assert (secure["SESSION_IDLE_SECONDS"], secure["SESSION_COOKIE_AGE"]) == (1800, 43200)

    proxied = _settings(tmp_path, BEHIND_TLS_PROXY="true")
    assert not proxied["SECURE_SSL_REDIRECT"]
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]

    lowered = _settings(
        tmp_path, SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0", SESSION_IDLE_MINUTES="10"
    )
    assert not lowered["SESSION_COOKIE_SECURE"] and lowered["SESSION_COOKIE_NAME"] == "peel-session"
    assert lowered["SECURE_HSTS_SECONDS"] == 0 and lowered["SESSION_IDLE_SECONDS"] == 600


@pytest.mark.django_db
def test_signed_in_pages_and_downloads_are_never_cached(client, manager, action):
    anonymous = client.get("/accessibility/")
    assert "Permissions-Policy" in anonymous and "camera=()" in anonymous["Permissions-Policy"]
    assert "no-store" not in anonymous.get("Cache-Control", "")

    client.force_login(manager)
    for url in ("/actions/", f"/actions/{action.pk}/", "/board/", "/board/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        cache = response["Cache-Control"]
        assert "private" in cache and "no-store" in cache, url
        assert "Permissions-Policy" in response, url


@pytest.mark.django_db
def test_a_session_ends_after_30_idle_minutes_and_activity_keeps_it(client, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(owner)
        assert client.get("/actions/").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/actions/").status_code == 200  # activity: the clock restarts
        clock.shift(timedelta(minutes=29))
        assert client.post("/session/keepalive/").status_code == 204
        clock.shift(timedelta(minutes=29))
        assert client.get("/actions/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/actions/?scope=all")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/actions/")
        signed_out = client.get(response["Location"]).content.decode()
        assert "signed out after 30 minutes without activity" in signed_out
        assert client.get("/actions/").status_code == 302  # the session is gone


@pytest.mark.django_db
def test_the_timeout_warning_is_on_signed_in_pages_only(client, owner):
    assert "timeout-warning" not in client.get("/accounts/login/").content.decode()
    client.force_login(owner)
    page = client.get("/actions/").content.decode()
    assert 'id="timeout-warning"' in page and 'data-idle-seconds="1800"' in page
    assert "Stay signed in" in page


def test_the_upload_handler_stops_reading_the_body_past_the_limit(rf, settings):
    """A 5 MB file against a 64 KB limit: the parser stops after the limit (and one
    chunk), instead of reading all 5 MB."""
    settings.EVIDENCE_MAX_BYTES = 64 * 1024
    body = encode_multipart(
        BOUNDARY,
        {"text": "What I did", "evidence_file": _named(b"%PDF-1.4\n" + b"0" * 5_000_000)},
    )

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.read_bytes += len(data)
            return data

    stream = Counting(body)
    request = rf.get("/")
    meta = {**request.META, "CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    handlers = [load_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS]
    post, files = MultiPartParser(meta, stream, handlers).parse()
    assert post["text"] == "What I did"
    assert "evidence_file" not in files
    assert request._refused_upload[0] == "evidence_file"
    assert Counting.read_bytes < 1_000_000


def _named(content: bytes, name: str = "report.pdf"):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


@pytest.mark.django_db
def test_a_file_over_the_limit_is_a_form_error_that_keeps_the_text(client, owner, action, settings):
    settings.EVIDENCE_MAX_BYTES = 64 * 1024
    client.force_login(owner)
    response = client.post(
        f"/actions/{action.pk}/update/",
        {"text": "Briefed all teams", "evidence_file": _named(b"%PDF-1.4\n" + b"0" * 500_000)},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "must be smaller than" in page and "Briefed all teams" in page
    assert not ProgressUpdate.objects.filter(action=action, text="Briefed all teams").exists()
    assert not Evidence.objects.filter(action=action).exists()
