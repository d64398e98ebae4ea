"""Who a user is to the application: inspector, or staff / manager of some forces.

Kept free of model imports so that querysets, views and templates can all ask the same
question. Results are cached on the user object for the length of a request.
"""

from django.conf import settings


def user_is_inspector(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_peel_is_inspector", None)
    if cached is None:
        cached = user.groups.filter(name=settings.INSPECTORS_GROUP).exists()
        user._peel_is_inspector = cached
    return cached


def user_roles(user) -> dict[int, str]:
    """{force id: role} for a user's memberships (empty for anonymous users)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_peel_roles", None)
    if cached is None:
        cached = dict(user.memberships.values_list("force_id", "role"))
        user._peel_roles = cached
    return cached


# A force administrator runs the tracker for their force: a manager who also manages
# the force's people. The one home of "who manages" and "who administers".
MANAGING_ROLES = ("manager", "admin")
ADMIN_ROLE = "admin"


def managed_force_ids(user) -> list[int]:
    """The forces a user manages: the one home of the manager check."""
    return [force_id for force_id, role in user_roles(user).items() if role in MANAGING_ROLES]


def administered_force_ids(user) -> list[int]:
    """The forces whose people a user manages (invite, change roles, deactivate)."""
    return [force_id for force_id, role in user_roles(user).items() if role == ADMIN_ROLE]


def user_administers(user, force_id: int) -> bool:
    return force_id in administered_force_ids(user)


def user_is_manager_of(user, force_id: int) -> bool:
    return force_id in managed_force_ids(user)


def user_is_any_manager(user) -> bool:
    return bool(managed_force_ids(user))
