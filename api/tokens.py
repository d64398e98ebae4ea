"""API tokens: the one home of making, checking and revoking them (every path: the API
tokens page, ``create_api_token``, deactivation and the API's authentication)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken

security = logging.getLogger("peel.security")

# A token's last use is written at most this often (not a write on every request).
TOUCH_EVERY = timedelta(minutes=1)
# Live tokens a person may hold at once: each has its own throttle allowance, so the
# number of tokens bounds what one person's programs may ask of the service.
MAX_LIVE_TOKENS = 10


class TokenRefused(Exception):
    """The presented token is no good; the message says why, for the client."""


def expiry_choices() -> list[int]:
    """Days a new token may last, up to ``API_TOKEN_MAX_DAYS``."""
    days = {7, 30, 90, 180, 365, settings.API_TOKEN_DEFAULT_DAYS}
    return sorted(d for d in days if 0 < d <= settings.API_TOKEN_MAX_DAYS)


def token_create(*, user, name: str, read_only: bool = False, days: int | None = None):
    """A new token for ``user``: (the row, the token to show once)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the token, such as “Power BI”"})
    if len(name) > 50:
        raise ValidationError({"name": "The name must be 50 characters or fewer"})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 0 < days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": f"A token lasts between 1 and {settings.API_TOKEN_MAX_DAYS} days"}
        )
    if not user.is_active:
        raise ValidationError("An inactive account cannot have API tokens")
    live = ApiToken.objects.get_usable_keys().filter(user=user).count()
    if live >= MAX_LIVE_TOKENS:
        raise ValidationError(
            f"You have {live} tokens that still work: revoke one you no longer use first"
        )
    token, key = ApiToken.objects.create_key(
        user=user,
        name=name,
        read_only=read_only,
        expiry_date=timezone.now() + timedelta(days=days),
    )
    security.info(
        "event=api_token_created user=%s token=%s read_only=%s",
        user.get_username(),
        token.prefix,
        read_only,
    )
    return token, key


def token_revoke(token: ApiToken, *, by) -> None:
    if token.revoked:
        return
    token.revoked = True
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked", "revoked_at", "revoked_by"])
    security.info(
        "event=api_token_revoked user=%s token=%s by=%s",
        token.user.get_username(),
        token.prefix,
        by.get_username() if by is not None else "-",
    )


@transaction.atomic
def tokens_revoke_all(user, *, by=None) -> int:
    """Every live token of ``user`` (a deactivation ends them, as it ends sessions)."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(user=user, revoked=False).update(
        revoked=True, revoked_at=now, revoked_by=by
    )
    if revoked:
        security.info(
            "event=api_tokens_revoked user=%s tokens=%s by=%s",
            user.get_username(),
            revoked,
            by.get_username() if by is not None else "-",
        )
    return revoked


def token_authenticate(key: str):
    """The token's user, or TokenRefused saying why (unknown, revoked, expired, or an
    inactive account). Touches the token's last use at most once a minute."""
    prefix, dot, _ = key.partition(".")
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first() if dot else None
    if token is None or not token.is_valid(key):
        raise TokenRefused("Invalid token.")
    if token.revoked:
        raise TokenRefused("This token has been revoked.")
    if token.has_expired:
        raise TokenRefused("This token has expired: make a new one on the API tokens page.")
    if not token.user.is_active:
        raise TokenRefused("This token's account is not active.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
