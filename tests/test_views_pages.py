"""Sign in and out, password reset by email, the accessibility statement, error pages."""

import re
from importlib import import_module

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_and_sign_in(client, owner):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "bob", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert client.get("/").url == reverse("improvements:action-list")


def test_a_wrong_password_is_an_error_not_a_crash(client, owner):
    response = client.post("/accounts/login/", {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_sign_out_is_a_post(client, owner):
    client.force_login(owner)
    session_key = client.session.session_key
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/actions/").status_code == 200  # still signed in

    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(session_key)
    response = client.get("/actions/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/actions/"


def test_password_reset_by_email(client, owner, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": owner.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mailoutbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "A-much-better-pass-42", "new_password2": "A-much-better-pass-42"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("A-much-better-pass-42")


def test_accessibility_statement_is_public(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    assert "Accessibility statement" in response.content.decode()


def test_unknown_page_is_a_styled_404(client, owner):
    client.force_login(owner)
    response = client.get("/actions/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_service_navigation_depends_on_role(client, owner, manager, inspector):
    client.force_login(owner)
    page = client.get("/actions/").content.decode()
    assert 'href="/board/"' not in page and 'href="/admin/"' not in page
    client.force_login(manager)
    assert 'href="/board/"' in client.get("/actions/").content.decode()
    client.force_login(inspector)
    page = client.get("/actions/").content.decode()
    assert 'href="/board/national/"' in page and 'href="/admin/"' in page


def test_inspectors_start_at_the_national_board(client, inspector):
    client.force_login(inspector)
    assert client.get("/").url == reverse("boards:national")


def test_reminder_preferences_opt_out(client, owner):
    from improvements.models import ReminderPreference

    client.force_login(owner)
    page = client.get("/actions/").content.decode()
    assert 'href="/account/reminders/"' in page
    response = client.post("/account/reminders/", {"opt_out": "True"})
    assert response.status_code == 302
    assert ReminderPreference.objects.get(user=owner).opt_out is True
