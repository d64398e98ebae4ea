"""Status boards and exports, under /board/."""

from django.urls import path

from . import board_views

app_name = "boards"

urlpatterns = [
    path("", board_views.force_board, name="force-board"),
    path("national/", board_views.national_board, name="national"),
    path("export.csv", board_views.export_csv, name="export-csv"),
    path("export.xlsx", board_views.export_xlsx, name="export-xlsx"),
    path("reviews/<int:pk>/pack.pdf", board_views.review_pack, name="review-pack"),
]
