"""The signed preview: the parsed document travels in a hidden field of the preview form,
signed with ``django.core.signing``, bound to the user and valid for a few hours."""

from __future__ import annotations

from typing import Any

from django.core import signing

SIGNING_SALT = "inspections.admin_import.preview"
PREVIEW_MAX_AGE = 6 * 60 * 60  # seconds


class PreviewDataError(Exception):
    """The signed preview data cannot be used; the message says why."""


def sign_preview(payload: dict[str, Any]) -> str:
    return signing.dumps(payload, salt=SIGNING_SALT, compress=True)


def load_preview(token: str, user) -> dict[str, Any]:
    """The payload signed by :func:`sign_preview`, checked for this user and age."""
    if not token:
        raise PreviewDataError("The preview data is missing; upload the report again.")
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise PreviewDataError(
            f"The preview has expired (it is older than {PREVIEW_MAX_AGE // 3600} hours); "
            "upload the report again."
        ) from None
    except signing.BadSignature:
        raise PreviewDataError(
            "The preview data failed its signature check (it was altered or damaged), so "
            "nothing was saved; upload the report again."
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise PreviewDataError("The preview data is not in the expected form; upload again.")
    if payload.get("user") != user.pk:
        raise PreviewDataError("This preview was made for another user; upload the report again.")
    return payload
