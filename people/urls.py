from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("team/", views.team, name="team"),
    path("team/invite/", views.invite, name="invite"),
    path("team/invite/csv/", views.invite_bulk, name="invite-bulk"),
    path("team/<int:pk>/", views.member, name="member"),
    path("team/<int:pk>/role/", views.member_role, name="member-role"),
    path("team/<int:pk>/deactivate/", views.member_deactivate, name="member-deactivate"),
    path("team/<int:pk>/resend/", views.member_resend, name="member-resend"),
    path("welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
]
