"""Status boards and exports, under /board/."""

from django.urls import path

from . import views

app_name = "boards"

urlpatterns = [
    path("", views.force_board, name="force-board"),
    path("national/", views.national_board, name="national"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("reviews/<int:pk>/pack.pdf", views.review_pack, name="review-pack"),
    path("exports/<uuid:pk>/", views.export_status, name="export-status"),
    path("exports/<uuid:pk>/download", views.export_download, name="export-download"),
]
