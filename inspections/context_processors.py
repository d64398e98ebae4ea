from django.conf import settings

from .roles import administered_force_ids, user_is_any_manager, user_is_inspector


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_is_inspector": bool(user) and user_is_inspector(user),
        "nav_is_manager": bool(user) and user_is_any_manager(user),
        "nav_is_force_admin": bool(user) and bool(administered_force_ids(user)),
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_warn_seconds": min(120, settings.SESSION_IDLE_SECONDS // 2),
    }
