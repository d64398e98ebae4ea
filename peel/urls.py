from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "PEEL improvement tracker – administration"
admin.site.site_title = "PEEL tracker admin"
admin.site.index_title = "Inspections, findings and actions across all forces"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("board/", include("improvements.boards.urls")),
    path("", include("improvements.urls")),
]
