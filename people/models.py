from django.conf import settings
from django.db import models
from django.utils import timezone


class UserSession(models.Model):
    """A signed-in session of a user, so that deactivating someone can end every one of
    them whatever the session engine (``sessions.end_sessions``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user"], name="user_session_user")]

    def __str__(self):
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class ExternalIdentity(models.Model):
    """Who a person is at the identity provider (single sign-on): the issuer and the
    claim that identifies them (``oid`` or ``sub``). Matched on every sign-in; made the
    first time, when the person is found by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_once"),
        ]

    def __str__(self):
        return f"{self.user} at {self.issuer}"
