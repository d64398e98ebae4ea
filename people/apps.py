from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Force administrators onboard their own people: invitations, roles, deactivation."""

    name = "people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import sessions

        user_logged_in.connect(sessions.remember, dispatch_uid="people-remember-session")
        user_logged_out.connect(sessions.forget, dispatch_uid="people-forget-session")
