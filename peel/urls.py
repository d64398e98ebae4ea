from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("session/keepalive/", views.session_keepalive, name="session-keepalive"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # django.contrib.auth's URLs, with the project's sign-in page.
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/no-access/", views.no_access, name="no-access"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Single sign-on (peel/oidc.py): a 404 unless OIDC_CLIENT_ID is set.
    path("oidc/authenticate/", views.oidc_authenticate, name="oidc_authentication_init"),
    path("oidc/callback/", views.oidc_callback, name="oidc_authentication_callback"),
    path("api/", include("api.urls")),
    path("account/api-tokens/", include("api.pages")),
    path("board/", include("improvements.boards.urls")),
    path("", include("people.urls")),
    path("", include("improvements.urls")),
]

handler500 = "peel.views.server_error"
