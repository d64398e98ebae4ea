"""Which sessions a user is signed in with, and ending them all."""

import time
from importlib import import_module

from django.conf import settings

from peel.middleware import LAST_SEEN

from .models import UserSession


def remember(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    # Signing in is activity: the idle clock starts now (peel.middleware.idle_timeout).
    session[LAST_SEEN] = int(time.time())
    key = session.session_key
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
