"""Sign-in: lockout after repeated failures (django-axes) and structured security logs.

Every password sign-in goes through ``LockoutBackend`` first: repeated failures for one
username, or from one address, lock further attempts for ``LOCKOUT_MINUTES``, with a
clear page (``registration/locked_out.html``); the admin's login is covered too, and
lockouts are lifted in the admin (Axes → Access attempts: delete). A call to
``authenticate()`` without a request (a script, the test client's ``login``) has no
address to count and is left to the next backend.

Sign-ins, sign-outs, failures and lockouts are logged to ``peel.security`` as one line
each of ``event=… key=value`` pairs, for a log pipeline to pick up.
"""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

security_log = logging.getLogger("peel.security")


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a TLS proxy the address it saw."""
    if request is None:
        return ""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _log(event: str, request, **fields) -> None:
    fields = {"ip": client_ip(request), **fields}
    parts = " ".join(f"{key}={_quote(value)}" for key, value in fields.items())
    security_log.info(f"event={event} {parts}")


def _quote(value) -> str:
    text = str(value if value is not None else "")
    if not text or any(c in text for c in ' "='):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


@receiver(user_logged_in, dispatch_uid="peel-log-sign-in")
def _signed_in(sender, request, user, **kwargs):
    _log("sign_in", request, user=user.get_username(), user_id=user.pk)


@receiver(user_logged_out, dispatch_uid="peel-log-sign-out")
def _signed_out(sender, request, user, **kwargs):
    _log(
        "sign_out",
        request,
        user=user.get_username() if user else "",
        user_id=getattr(user, "pk", ""),
    )


@receiver(user_login_failed, dispatch_uid="peel-log-sign-in-failed")
def _failed(sender, credentials, request=None, **kwargs):
    _log("sign_in_failed", request, username=credentials.get("username", ""))


@receiver(user_locked_out, dispatch_uid="peel-log-locked-out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    _log("locked_out", request, username=username or "", locked_ip=ip_address or "")


def lockout_response(request, original_response=None, credentials=None):
    """The page shown while sign-in is locked (429, with the wait in minutes)."""
    from axes.helpers import get_client_username
    from django.shortcuts import render

    username = get_client_username(request, credentials) if credentials else ""
    return render(
        request,
        "registration/locked_out.html",
        {"username": username or "", "minutes": settings.LOCKOUT_MINUTES},
        status=429,
    )
