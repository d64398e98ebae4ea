"""Single sign-on against a real OpenID Connect provider, not a mock: the npm package
oidc-provider runs on 127.0.0.1 (tests/oidc/provider.mjs) and Playwright signs in
through its pages. A known person lands signed in; someone the tracker doesn't know gets
the "ask your administrator" page; a tampered state, or a nonce that doesn't match the
ID token's, is refused; signing out ends the session."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from inspections.models import Force, Membership
from people.models import ExternalIdentity

from ..factories import MembershipFactory, UserFactory
from .conftest import ROOT, _unavailable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PROVIDER = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "peel-tracker"
CLIENT_SECRET = "peel-tracker-secret"  # noqa: S105 (the test provider's)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def provider(live_server, settings):
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        _unavailable("oidc-provider is not installed: npm ci")
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_REDIRECT_URI": f"{live_server.url}/oidc/callback/",
    }
    process = subprocess.Popen(  # noqa: S603 (our own script)
        ["node", str(PROVIDER)],  # noqa: S607 (node from the PATH, as the build uses)
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"oidc-provider exited: {process.stdout.read()}")
            time.sleep(0.1)
    issuer = f"http://127.0.0.1:{port}"
    from peel import oidc

    oidc.discovery.cache_clear()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ISSUER = issuer
    settings.OIDC_DISCOVERY_URL = f"{issuer}/.well-known/openid-configuration"
    settings.OIDC_ID_CLAIM = "oid"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "peel.oidc.OIDCBackend"]
    yield issuer
    process.terminate()
    process.wait(timeout=10)
    oidc.discovery.cache_clear()


@pytest.fixture
def jane(demo):
    user = UserFactory(
        username="jsmith",
        first_name="Jane",
        last_name="Smith",
        email="jane.smith@staffordshire.police.uk",
    )
    MembershipFactory(
        user=user, force=Force.objects.get(slug="staffordshire-police"), role=Membership.Role.STAFF
    )
    return user


def _to_provider(page, login: str):
    page.goto("/accounts/login/")
    page.locator("#sso").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    consent = page.locator("button[type=submit]", has_text="Continue")
    if consent.count():
        consent.click()


def test_a_known_person_signs_in_through_the_provider_and_signing_out_ends_it(page, provider, jane):
    _to_provider(page, "jane")
    page.wait_for_url(re.compile(r"/actions/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    identity = ExternalIdentity.objects.get(user=jane)
    assert (identity.issuer, identity.subject) == (provider, "6f1c-jane")

    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.goto("/actions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/actions/"))


def test_someone_the_tracker_does_not_know_is_told_whom_to_ask(page, provider, demo):
    _to_provider(page, "stranger")
    page.wait_for_url(re.compile(r"/accounts/no-access/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You don’t have access to the tracker yet"
    )
    expect(page.locator("main")).to_contain_text("tracker administrator")
    page.goto("/actions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def _session(page, settings) -> SessionStore:
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    return SessionStore(session_key=cookie["value"])


def _start(page):
    """To the provider's sign-in page: the tracker's session now holds the state and
    nonce it sent."""
    page.goto("/accounts/login/")
    page.locator("#sso").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_a_tampered_state_is_refused(page, provider, jane, settings):
    _start(page)
    (state,) = _session(page, settings)["oidc_states"]
    tampered = ("x" if state[0] != "x" else "y") + state[1:]
    response = page.goto(f"/oidc/callback/?code=anything&state={tampered}")
    assert response.status == 400
    page.goto("/actions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_nonce_that_does_not_match_the_id_token_is_refused(page, provider, jane, settings):
    _start(page)
    session = _session(page, settings)
    states = session["oidc_states"]
    (state,) = states
    states[state]["nonce"] = "not-the-nonce-the-provider-signed"
    session["oidc_states"] = states
    session.save()
    page.locator("input[name=login]").fill("jane")
    page.locator("input[name=password]").fill("any password")
    with page.expect_response(re.compile(r"/oidc/callback/\?")) as callback:
        page.locator("button[type=submit]").click()
        consent = page.locator("button[type=submit]", has_text="Continue")
        if consent.count():
            consent.click()
    assert callback.value.status == 400
    page.goto("/actions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
