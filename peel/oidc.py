"""Single sign-on over OpenID Connect (Microsoft Entra ID, or any certified provider),
with mozilla-django-oidc.

mozilla-django-oidc, rather than django-allauth: the tracker signs people in from one
identity provider per deployment and never creates accounts (force administrators
invite people); mozilla-django-oidc is exactly an OIDC relying party (the code flow,
state, nonce, PKCE, the ID token's signature) in one backend and two views, where
allauth would bring a whole account system (sign-up, email confirmation, its own
templates) to switch off.

Configured from the environment (``peel/settings.py``): the issuer (or discovery URL),
client id and secret, scopes, the claim that identifies a person (``oid`` for Entra ID,
or ``sub``), an optional groups claim mapped to the Inspectors group. The provider's
endpoints come from its discovery document, read once and kept.

A person is matched by their identity (issuer and that claim), else by email the first
time, after which the identity is remembered. Nobody is created: someone unknown gets
the "ask your administrator" page, and so does someone known but in no force.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

logger = logging.getLogger("peel.security")

# Settings mozilla-django-oidc reads that come from the discovery document.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}


@lru_cache(maxsize=4)
def discovery(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ImproperlyConfigured(f"OIDC discovery at {url} failed: {exc}") from exc
    return document


def oidc_setting(attr, *args):
    """A setting, or an endpoint from the provider's discovery document."""
    explicit = getattr(settings, attr, None)
    if attr in DISCOVERED and not explicit and settings.OIDC_DISCOVERY_URL:
        value = discovery(settings.OIDC_DISCOVERY_URL).get(DISCOVERED[attr])
        if value:
            return value
    return import_from_settings(attr, *args)


def issuer() -> str:
    if settings.OIDC_ISSUER:
        return settings.OIDC_ISSUER
    return discovery(settings.OIDC_DISCOVERY_URL).get("issuer", "")


class SignInView(OIDCAuthenticationRequestView):
    """/oidc/authenticate/: off to the provider."""

    get_settings = staticmethod(oidc_setting)


class CallbackView(OIDCAuthenticationCallbackView):
    """/oidc/callback/: back from the provider. A tampered state is refused by
    mozilla-django-oidc (SuspiciousOperation: a 400), and so is a nonce that doesn't
    match the ID token's."""

    get_settings = staticmethod(oidc_setting)


class OIDCBackend(OIDCAuthenticationBackend):
    """Consulted only on the way back from the provider: the endpoints (and so the
    discovery document) are read then, never for a password sign-in."""

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or "state" not in request.GET:
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def _subject(self, claims) -> str:
        return str(claims.get(settings.OIDC_ID_CLAIM) or "")

    def verify_claims(self, claims):
        if not self._subject(claims):
            logger.warning("event=sso_refused reason=no_%s_claim", settings.OIDC_ID_CLAIM)
            return False
        return True

    def filter_users_by_claims(self, claims):
        from people.models import ExternalIdentity

        subject = self._subject(claims)
        linked = ExternalIdentity.objects.filter(issuer=issuer(), subject=subject).select_related(
            "user"
        )
        users = [identity.user for identity in linked if identity.user.is_active]
        if users:
            return users
        email = (claims.get("email") or "").strip()
        if not email or "@" not in email or claims.get("email_verified") is False:
            # Only an email the provider vouches for (never preferred_username).
            return self.UserModel.objects.none()
        # The first sign-in: matched by email, to an account nobody else's identity holds.
        return self.UserModel.objects.filter(email__iexact=email, is_active=True).exclude(
            external_identities__issuer=issuer()
        )

    def update_user(self, user, claims):
        from people.models import ExternalIdentity

        with transaction.atomic():
            ExternalIdentity.objects.get_or_create(
                issuer=issuer(), subject=self._subject(claims), defaults={"user": user}
            )
            if settings.OIDC_GROUPS_CLAIM and settings.OIDC_INSPECTOR_GROUPS:
                groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
                if isinstance(groups, str):
                    groups = [groups]
                inspectors = Group.objects.get(name=settings.INSPECTORS_GROUP)
                if set(groups) & set(settings.OIDC_INSPECTOR_GROUPS):
                    user.groups.add(inspectors)
                    if not user.is_staff:
                        user.is_staff = True
                        user.save(update_fields=["is_staff"])
                else:
                    user.groups.remove(inspectors)
                    if user.is_staff and not user.is_superuser:
                        user.is_staff = False  # the admin came with the group
                        user.save(update_fields=["is_staff"])
        logger.info(
            "event=sso_sign_in user=%s subject=%s", user.get_username(), self._subject(claims)
        )
        return user

    def create_user(self, claims):  # never: people are invited by their force
        return None

    def get_userinfo(self, access_token, id_token, payload):
        """The verified ID token's claims (Entra puts ``oid`` and ``groups`` there, not
        in userinfo), with userinfo's added; userinfo must be about the same subject."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") and payload.get("sub") and userinfo["sub"] != payload["sub"]:
            from django.core.exceptions import SuspiciousOperation

            raise SuspiciousOperation("userinfo is about someone else than the ID token")
        return {**payload, **{k: v for k, v in userinfo.items() if v not in (None, "", [])}}
