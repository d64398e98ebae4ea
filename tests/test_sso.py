"""Single sign-on's rules without a browser (tests/browser/test_sso.py signs in through
a real provider): who is matched, the groups claim, password sign-in turned off, and a
person in no force."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from peel import oidc
from people.models import ExternalIdentity

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
ISSUER = "https://login.example.test/tenant/v2.0"


@pytest.fixture
def sso(settings):
    oidc.discovery.cache_clear()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "peel"
    settings.OIDC_RP_CLIENT_SECRET = "secret"  # noqa: S105
    settings.OIDC_ISSUER = ISSUER
    # Unreachable: nothing here may need the provider.
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.OIDC_ID_CLAIM = "oid"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "peel.oidc.OIDCBackend"]
    yield settings
    oidc.discovery.cache_clear()


def _backend():
    backend = oidc.OIDCBackend()
    return backend


def test_the_first_sign_in_matches_by_email_then_by_identity(sso, alpha):
    jane = UserFactory(username="jsmith", email="Jane.Smith@alpha.police.uk")
    backend = _backend()
    claims = {"oid": "abc-123", "email": "jane.smith@alpha.police.uk"}
    assert list(backend.filter_users_by_claims(claims)) == [jane]
    backend.update_user(jane, claims)
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (jane, ISSUER, "abc-123")
    # Later sign-ins go by the identity, even if the email changes at the provider.
    moved = {"oid": "abc-123", "email": "jane@elsewhere.example"}
    assert backend.filter_users_by_claims(moved) == [jane]
    # Another identity never takes over an account that already has one.
    other = {"oid": "zzz-999", "email": "jane.smith@alpha.police.uk"}
    assert list(backend.filter_users_by_claims(other)) == []


def test_nobody_is_created_and_a_missing_id_claim_is_refused(sso):
    backend = _backend()
    assert backend.create_user({"oid": "new", "email": "new@example.org"}) is None
    assert not backend.verify_claims({"email": "new@example.org"})
    assert backend.verify_claims({"oid": "new"})


def test_the_groups_claim_makes_and_unmakes_an_inspector(sso, settings):
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_INSPECTOR_GROUPS = ["hmicfrs-inspectors"]
    person = UserFactory(username="insp", email="insp@hmicfrs.example")
    backend = _backend()
    inspectors = Group.objects.get(name=settings.INSPECTORS_GROUP)
    backend.update_user(person, {"oid": "i-1", "groups": ["staff", "hmicfrs-inspectors"]})
    assert inspectors in person.groups.all() and person.is_staff
    backend.update_user(person, {"oid": "i-1", "groups": ["staff"]})
    assert inspectors not in person.groups.all()


def test_password_sign_in_still_works_with_sso_on_and_the_provider_away(sso, client):
    person = UserFactory(username="pat")
    person.set_password("a-good-password-2027")
    person.save()
    MembershipFactory(user=person)
    page = client.get("/accounts/login/").content.decode()
    assert 'id="sso"' in page and "Or sign in with a password" in page
    response = client.post(
        "/accounts/login/", {"username": "pat", "password": "a-good-password-2027"}
    )
    assert response.status_code == 302


def test_with_password_login_off_there_is_no_password_form_anywhere(sso, client):
    sso.PASSWORD_LOGIN = False
    person = UserFactory(username="pat", is_staff=True, is_superuser=True)
    person.set_password("a-good-password-2027")
    person.save()
    page = client.get("/accounts/login/").content.decode()
    assert 'id="sso"' in page and 'name="password"' not in page
    refused = client.post(
        "/accounts/login/", {"username": "pat", "password": "a-good-password-2027"}
    )
    assert refused.status_code == 403 and "_auth_user_id" not in client.session
    admin_login = client.get("/admin/login/?next=/admin/")
    assert admin_login.status_code == 302
    assert admin_login["Location"].startswith("/accounts/login/?next=/admin/")


def test_sso_urls_are_not_found_until_configured(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_someone_signed_in_without_a_force_is_told_whom_to_ask(client):
    loner = UserFactory(username="loner")
    client.force_login(loner)
    page = client.get("/").content.decode()
    assert "You don’t have access to the tracker yet" in page
    assert "tracker administrator" in page
