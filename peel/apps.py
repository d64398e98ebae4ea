from django.contrib.admin.apps import AdminConfig


class PeelAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the project's site (``peel/admin_site.py``)."""

    default_site = "peel.admin_site.PeelAdminSite"
