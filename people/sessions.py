"""Which sessions a user is signed in with, and ending them all."""

from importlib import import_module

from django.conf import settings

from .models import UserSession


def remember(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.update_or_create(session_key=key, defaults={"user": user})


def forget(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def end_sessions(user) -> int:
    """Sign the user out everywhere: every session they signed in with is deleted."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for row in UserSession.objects.filter(user=user):
        store(session_key=row.session_key).delete()
        ended += 1
    UserSession.objects.filter(user=user).delete()
    return ended
