"""Response headers and the idle timeout: what every response must carry, in one place.

- ``Permissions-Policy`` on every response: the tracker needs no camera, microphone,
  location, payment or USB, and says so.
- ``Cache-Control: private, no-store`` on every response to a signed-in user and on
  every download: police data must not stay in a shared cache or the browser's history.
- The idle timeout: a session not used for ``SESSION_IDLE_SECONDS`` ends; the next
  request signs the user out and asks them to sign in again. Activity is written to the
  session at most once a minute, so the timeout costs no write on most requests.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
LAST_SEEN = "peel_last_seen"
# Activity is recorded when the stored time is older than this (seconds).
TOUCH_EVERY = 60
# Requests that don't count as the user's activity (the timeout warning's own check).
PASSIVE_HEADER = "HTTP_X_PEEL_PASSIVE"


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or response.has_header("Content-Disposition"):
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Expires", None)
        return response

    return middleware


def _duration(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def idle_timeout(get_response):
    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {_duration(settings.SESSION_IDLE_SECONDS)} "
                    "without activity. Sign in again to carry on.",
                )
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path(), reverse("login"))
                return redirect("login")
            passive = request.META.get(PASSIVE_HEADER) == "1"
            touch_every = min(TOUCH_EVERY, settings.SESSION_IDLE_SECONDS // 4)
            if not passive and (last is None or now - last >= touch_every):
                request.session[LAST_SEEN] = now
        return get_response(request)

    return middleware
