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
