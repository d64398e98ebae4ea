import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from inspections.roles import user_is_any_manager, user_is_inspector, user_roles

from .middleware import LAST_SEEN


@login_required
def home(request):
    """Staff and managers start at their actions; inspectors at the national board;
    someone signed in who is in no force is told whom to ask."""
    if user_is_inspector(request.user):
        return redirect("boards:national")
    if not user_roles(request.user):
        return render(request, "registration/no_access.html", {"signed_in": True})
    if user_is_any_manager(request.user):
        return redirect("boards:force-board")  # with what awaits their sign-off
    return redirect("improvements:action-list")


def no_access(request):
    """Where single sign-on sends someone it knows but the tracker doesn't."""
    return render(request, "registration/no_access.html", {"signed_in": False})


class SignInView(auth_views.LoginView):
    """The sign-in page: single sign-on when it is configured, and the password form
    unless PASSWORD_LOGIN=false (then a password POST is refused)."""

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            return render(
                request,
                "registration/login.html",
                {**self.get_context_data(), "password_refused": True},
                status=403,
            )
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "oidc_enabled": settings.OIDC_ENABLED,
            "oidc_button": settings.OIDC_BUTTON_TEXT,
            "password_login": settings.PASSWORD_LOGIN,
        }


def _sso_only_when_configured(view):
    def wrapped(request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not set up here.")
        return view(request, *args, **kwargs)

    return wrapped


def oidc_authenticate(request):
    from .oidc import SignInView as OIDCSignIn

    return _sso_only_when_configured(OIDCSignIn.as_view())(request)


def oidc_callback(request):
    from .oidc import CallbackView

    return _sso_only_when_configured(CallbackView.as_view())(request)


def accessibility(request):
    return render(request, "pages/accessibility.html")


@login_required
@require_POST
def session_keepalive(request):
    """The timeout warning's "Stay signed in": the session's activity, renewed."""
    request.session[LAST_SEEN] = int(time.time())
    return HttpResponse(status=204)


def healthz(request):
    """For the load balancer: 200 when the database answers, 503 when it doesn't."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request):
    """The 500 handler. A database that can't be reached (a restart, a failover) is a
    503 with its own page, rendered without the database; anything else is the 500
    page. Django logs the exception either way."""
    import sys

    from django.db.utils import InterfaceError, OperationalError
    from django.template import loader

    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        body = loader.render_to_string("503.html")
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)
