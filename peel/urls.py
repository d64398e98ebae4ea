from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("session/keepalive/", views.session_keepalive, name="session-keepalive"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("board/", include("improvements.boards.urls")),
    path("", include("people.urls")),
    path("", include("improvements.urls")),
]
