"""Throttling per token (``API_THROTTLE_RATE``): each token has its own allowance, a
session its user's, and requests with neither their address's (``API_ANON_THROTTLE_RATE``).
The rates are read from settings on every request, so a test (or an operator's change)
takes effect without a restart of the class."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from peel.auth import client_ip

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def __init__(self):  # the rate depends on the request: set in allow_request
        self.rate = None

    def _identity(self, request) -> tuple[str, str]:
        if isinstance(request.auth, ApiToken):
            return f"token:{request.auth.pk}", settings.API_THROTTLE_RATE
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}", settings.API_THROTTLE_RATE
        return f"address:{client_ip(request._request)}", settings.API_ANON_THROTTLE_RATE

    def allow_request(self, request, view):
        self.ident, self.rate = self._identity(request)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
