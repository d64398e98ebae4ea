"""The project's admin site: Django's, with the view-on-site shortcut scoped.

``/admin/r/<content type>/<id>/`` redirects to an object's page. Django's own version
looks the object up unscoped, so it would confirm that another force's object exists;
here an object outside the user's ``for_user`` is a 404, as everywhere else.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path, reverse


def scoped_view_on_site(request, content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        raise Http404("No such content type.") from None
    manager = getattr(model, "_default_manager", None)
    if manager is not None and hasattr(manager, "for_user"):
        try:
            visible = manager.for_user(request.user).filter(pk=object_id).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        if not visible:
            raise Http404("No such object.")
    return contenttype_views.shortcut(request, content_type_id, object_id)


class PeelAdminSite(admin.AdminSite):
    site_header = "PEEL improvement tracker – administration"
    site_title = "PEEL tracker admin"
    index_title = "Inspections, findings and actions across all forces"

    def login(self, request, extra_context=None):
        """With PASSWORD_LOGIN=false the admin has no password form of its own either:
        staff sign in through single sign-on, like everyone else."""
        if not settings.PASSWORD_LOGIN:
            return redirect_to_login(
                request.GET.get("next") or reverse("admin:index", current_app=self.name),
                reverse("login"),
            )
        return super().login(request, extra_context)

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(
                    "r/<int:content_type_id>/<path:object_id>/",
                    self.admin_view(scoped_view_on_site),
                    name="view_on_site",
                )
        return urls
