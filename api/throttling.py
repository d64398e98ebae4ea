"""Throttling per token (``API_THROTTLE_RATE``): each token has its own allowance, and a
session its user's. Every API request is authenticated first (a 401 otherwise), so
there is no anonymous allowance. The rate is read from settings on every request, so a
test, or an operator's change, takes effect at once."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def __init__(self):  # the rate is read per request, in allow_request
        self.rate = None

    def allow_request(self, request, view):
        self.rate = settings.API_THROTTLE_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None  # refused before this by IsAuthenticated
        return self.cache_format % {"scope": self.scope, "ident": ident}
