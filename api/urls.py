"""/api/: the schema and its documentation; /api/v1/: the endpoints."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

read_only = {"get": "list"}
one = {"get": "retrieve"}

v1 = [
    path("inspections/", views.InspectionViewSet.as_view(read_only), name="inspection-list"),
    path("inspections/<int:pk>/", views.InspectionViewSet.as_view(one), name="inspection-detail"),
    path("findings/", views.FindingViewSet.as_view(read_only), name="finding-list"),
    path("findings/<int:pk>/", views.FindingViewSet.as_view(one), name="finding-detail"),
    path("actions/", views.ActionViewSet.as_view(read_only), name="action-list"),
    path("actions/<int:pk>/", views.ActionViewSet.as_view(one), name="action-detail"),
    path("actions/<int:pk>/updates/", views.ActionUpdatesView.as_view(), name="action-updates"),
    path(
        "evidence/<int:pk>/download/",
        views.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path("forces/", views.ForceViewSet.as_view(read_only), name="force-list"),
    path("forces/<int:pk>/", views.ForceViewSet.as_view(one), name="force-detail"),
    path("board/", views.BoardView.as_view(), name="board"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles from its (self-hosted) script: allowed on this page
    # only, which shows the schema and nobody's data; scripts stay 'self'.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    # Anything else under /api/ is the API's 404 (JSON), not the site's page.
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),
]
