from __future__ import annotations

from rest_framework import permissions

from inspections.roles import user_is_inspector

from .models import ApiToken


class TokenAllowsMethod(permissions.BasePermission):
    """A read-only token reads (GET, HEAD, OPTIONS) and never writes: a 403."""

    message = "This token is read-only: make a token without “read-only” to write."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True


class IsInspector(permissions.BasePermission):
    message = "The list of forces is for the inspectorate."

    def has_permission(self, request, view) -> bool:
        return user_is_inspector(request.user)
