from django.urls import path

from . import views

app_name = "improvements"

urlpatterns = [
    path("actions/", views.action_list, name="action-list"),
    path("actions/bulk/", views.action_bulk, name="action-bulk"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    path("actions/<int:pk>/update/", views.action_update, name="action-update"),
    path("actions/<int:pk>/decide/", views.action_decide, name="action-decide"),
    path("actions/<int:pk>/assign/", views.action_assign, name="action-assign"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action-edit"),
    path("actions/<int:pk>/extension/", views.action_extension, name="action-extension"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension-decide"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence-download"),
    path("people/", views.people_search, name="people"),
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("inspections/<int:pk>/plan/", views.inspection_plan, name="inspection-plan"),
    path("inspections/<int:pk>/import/", views.inspection_import, name="inspection-import"),
    path(
        "inspections/<int:pk>/response.docx",
        views.inspection_response,
        name="inspection-response",
    ),
    path(
        "findings/<int:pk>/actions/new/",
        views.finding_action_create,
        name="finding-action-create",
    ),
    path("findings/<int:pk>/submit/", views.finding_submit, name="finding-submit"),
    path("findings/<int:pk>/decide/", views.finding_decide, name="finding-decide"),
    path("inspectorate/", views.inspectorate_queue, name="inspectorate"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("account/reminders/", views.reminder_preferences, name="reminder-preferences"),
]
