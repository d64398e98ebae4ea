"""``Authorization: Bearer <token>`` (a personal token, ``api.tokens``)."""

from __future__ import annotations

import logging

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from peel.auth import client_ip

from .tokens import TokenRefused, token_authenticate

security = logging.getLogger("peel.security")
KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None  # not ours: the session may authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”, with no spaces in it."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        try:
            user, token = token_authenticate(key)
        except TokenRefused as exc:
            security.info(
                "event=api_token_refused ip=%s reason=%s",
                client_ip(request._request),
                str(exc).split(":")[0],
            )
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return user, token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from the site's API tokens page.",
        }
