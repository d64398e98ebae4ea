"""Every error the API answers has one shape: ``{"detail": "...", "errors": {...}}``.
``detail`` says what went wrong in words; ``errors`` (on a 400) names each field's
problems. A refusal by the domain (an illegal move, a rule, a stale save, the evidence
store down, a database constraint) is a 4xx or 503 with the reason, never a 500."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from improvements.services import StaleAction
from improvements.storage import StorageUnavailable
from improvements.views import REFUSED_BY_DATABASE
from improvements.workflow import MoveRefused

logger = logging.getLogger(__name__)


def _first_message(errors) -> str:
    if isinstance(errors, dict):
        for value in errors.values():
            return _first_message(value)
        return ""
    if isinstance(errors, list | tuple):
        return _first_message(errors[0]) if errors else ""
    return str(errors)


def _django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                message for error in errors for message in error.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": list(exc.messages)}


def _error(status_code: int, detail: str, errors: dict | None = None) -> Response:
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = _django_errors(exc)
        return _error(status.HTTP_400_BAD_REQUEST, _first_message(errors), errors)
    if isinstance(exc, MoveRefused):
        return _error(status.HTTP_400_BAD_REQUEST, str(exc))
    if isinstance(exc, StaleAction):
        return _error(status.HTTP_409_CONFLICT, str(exc))
    if isinstance(exc, StorageUnavailable):
        return _error(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))
    if isinstance(exc, RequestDataTooBig):
        return _error(status.HTTP_400_BAD_REQUEST, "The request body is too large.")
    if isinstance(exc, IntegrityError):
        logger.warning("refused by a database constraint: %s", exc)
        return _error(status.HTTP_400_BAD_REQUEST, REFUSED_BY_DATABASE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": _first_message(errors), "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
