"""Personal API tokens (docs/architecture.md, "The API").

A token is djangorestframework-api-key's key: a public prefix and a secret, shown once
when made; only its SHA-512 hash is stored (``hashed_key``). Each token is a person's
own, with a name, an expiry, the time it was last used and, when set, read-only (GET
only). Revoking is final (the library refuses to un-revoke).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class ApiTokenManager(BaseAPIKeyManager):
    def owned_by(self, user):
        """A person's own tokens: nobody sees anyone else's, inspectors included (not
        ``for_user``, which is the force scoping: a token belongs to a person)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def get_usable_keys(self):
        return super().get_usable_keys().filter(expiry_date__gt=timezone.now())


class ApiToken(AbstractAPIKey):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    read_only = models.BooleanField(
        default=False, help_text="A read-only token can read but never write (GET only)."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Who revoked it (the person, or the administrator who deactivated them).",
    )

    objects = ApiTokenManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API token"
        verbose_name_plural = "API tokens"
        ordering = ("-created",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiry_date__isnull=False), name="apitoken_expires"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked=False) | models.Q(revoked_at__isnull=False),
                name="apitoken_revoked_has_time",
            ),
        ]

    @property
    def state(self) -> str:
        if self.revoked:
            return "revoked"
        if self.has_expired:
            return "expired"
        return "active"

    @property
    def is_usable(self) -> bool:
        return self.state == "active"

    @property
    def masked(self) -> str:
        """How the token is shown after it was made: its public prefix only."""
        return f"{self.prefix}.…"
