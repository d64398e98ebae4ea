"""Schemathesis against the API's own OpenAPI schema, as a signed-in manager (the demo's
``manager``, by a personal token and by the site's session): generated requests for every operation, from the
schema, must never get a 500 and every response must match the schema (status code,
content type, headers, body)."""

from __future__ import annotations

import io
import json
import os
import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import token_create
from improvements.models import Action, Evidence
from inspections.models import Finding, Force, Inspection, Membership

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def manager_headers(db, settings):
    settings.API_THROTTLE_RATE = "100000/min"  # the generated requests, not the throttle
    call_command("load_demo", stdout=io.StringIO())
    manager = Membership.objects.get(user__username="manager").user
    key = token_create(user=manager, name="Schemathesis")[1]
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def session_headers(manager_headers):
    """The same manager signed in to the site: the session cookie, and the CSRF cookie
    and header a browser's script would send with a POST (``call_and_validate``'s
    arguments)."""
    from django.conf import settings as django_settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    browser = Client()
    browser.force_login(Membership.objects.get(user__username="manager").user)
    session = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    secret = _get_new_csrf_string()
    return {
        # No Authorization header at all (an empty one is none): the session is the way in.
        "headers": {"Authorization": "", "X-CSRFToken": secret},
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: session,
            django_settings.CSRF_COOKIE_NAME: secret,
        },
    }


@pytest.fixture
def in_process_requests():
    """The requests run in this thread, inside the test's transaction: Django's request
    signals must not close the connection between them (as its test client ensures)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _served_schema() -> dict:
    """The schema /api/schema/ serves, generated without a request (at collection)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_served_schema())


@pytest.fixture
def real_ids(manager_headers):
    force = Force.objects.get(slug="staffordshire-police")
    actions = list(Action.objects.filter(force=force).values_list("pk", flat=True))
    return {
        "actions": actions,
        "findings": list(
            Finding.objects.filter(inspection__force=force).values_list("pk", flat=True)
        ),
        "inspections": list(Inspection.objects.filter(force=force).values_list("pk", flat=True)),
        "forces": [force.pk],
        "evidence": list(Evidence.objects.filter(action__force=force).values_list("pk", flat=True)),
    }


@schema.parametrize()
@hypothesis_settings(
    # CI is the same cases every run (derandomized); API_FUZZ_EXAMPLES=500 explores
    # afresh, for a longer look before a change lands.
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "40")),
    derandomize="API_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(
    case, manager_headers, session_headers, in_process_requests, real_ids
):
    # The manager signs in by token or by the site's session (each case takes one, its
    # repeat for a real object the other), so both ways in meet every operation.
    picked = zlib.crc32(repr((case.path_parameters, case.body, case.query)).encode())
    ways = [{"headers": manager_headers}, session_headers]
    first, second = ways[picked % 2], ways[1 - picked % 2]
    case.call_and_validate(app=in_process_requests, checks=CHECKS, **first)
    if "id" in (case.path_parameters or {}):
        # Generated ids are mostly no one's (404s): the same request again for one of the
        # force's real objects, so that generated bodies and filters meet real rows.
        ids = real_ids[case.path.split("/")[3]]
        case.path_parameters["id"] = ids[picked % len(ids)]
        case.call_and_validate(app=in_process_requests, checks=CHECKS, **second)


def test_the_schema_tested_is_the_one_served(manager_headers):
    from django.test import Client

    served = Client(headers=manager_headers).get("/api/schema/", {"format": "json"})
    assert served.json() == _served_schema()
