from django.contrib.admin.apps import AdminConfig


class PeelAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the project's site (``peel/admin_site.py``); its
    ``ready`` also connects the security log (``peel/auth.py``)."""

    default_site = "peel.admin_site.PeelAdminSite"

    def ready(self):
        super().ready()
        from . import auth  # noqa: F401 (connects the sign-in signal receivers)
