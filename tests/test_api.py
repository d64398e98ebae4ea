"""The REST API (issue 14): tokens, scoping, the workflow through the API, throttling,
pagination, filters and the board's figures. Session-signed requests to every API URL,
for every persona, are in the access matrix (tests/test_access_matrix.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings as settings_module
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_create
from improvements.models import Action, ProgressUpdate, Status
from inspections.models import Force, Membership

from .factories import ActionFactory, FindingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def api(key: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(headers=headers)


def key_for(user, **kwargs) -> str:
    kwargs.setdefault("name", "Tests")
    return token_create(user=user, **kwargs)[1]


def walk(client: Client, url: str) -> list[dict]:
    """Every row of a list, following ``next`` the way Power BI does."""
    rows, seen_urls = [], set()
    while url:
        assert url not in seen_urls, "pagination went round in a circle"
        seen_urls.add(url)
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url = body["next"]
    return rows


# --- The "done when", on the demo ------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())
    return Force.objects.get(slug="staffordshire-police")


def test_a_token_for_manager_lists_staffordshires_actions_and_nothing_of_the_other_force(demo):
    out = io.StringIO()
    call_command(
        "create_api_token", user="manager", name="Power BI", stdout=out, stderr=io.StringIO()
    )
    key = out.getvalue().strip()
    rows = walk(api(key), "/api/v1/actions/?page_size=4")
    ids = {row["id"] for row in rows}
    assert ids == set(Action.objects.filter(force=demo).values_list("pk", flat=True))
    assert len(rows) == len(ids)  # no row twice across pages
    assert {row["force"] for row in rows} == {"staffordshire-police"}
    other = Action.objects.exclude(force=demo).first()
    assert other is not None
    assert api(key).get(f"/api/v1/actions/{other.pk}/").status_code == 404
    assert api(key).get(f"/api/v1/actions/{other.pk}/updates/").status_code == 404


def test_officer_logs_progress_through_the_api_and_it_shows_on_the_action_page(demo):
    officer = Membership.objects.get(user__username="officer").user
    action = Action.objects.filter(owner=officer, status=Status.IN_PROGRESS).first()
    key = key_for(officer, name="Force performance system")
    response = api(key).post(
        f"/api/v1/actions/{action.pk}/updates/",
        {
            "text": "Panel terms of reference agreed with the university",
            "evidence_link": "https://intranet.example.police.uk/panel/terms",
            "evidence_description": "Terms of reference",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["author"]["username"] == "officer"
    assert body["evidence"][0]["link"] == "https://intranet.example.police.uk/panel/terms"
    page = Client()
    page.force_login(officer)
    html = page.get(reverse("improvements:action-detail", args=[action.pk])).content.decode()
    assert "Panel terms of reference agreed with the university" in html
    assert "Terms of reference" in html
    log = api(key).get(f"/api/v1/actions/{action.pk}/updates/").json()["results"]
    assert log[-1]["id"] == body["id"]


# --- Scoping with tokens: every endpoint, each role, own force and the other's ------------


@pytest.fixture
def people(action, beta_action, staff, manager, owner, outsider, inspector, alpha):
    beta_manager = UserFactory(username="erin")
    MembershipFactory(user=beta_manager, force=beta_action.force, role=Membership.Role.MANAGER)
    admin = UserFactory(username="fran")
    MembershipFactory(user=admin, force=alpha, role=Membership.Role.ADMIN)
    return {
        "owner": owner,
        "staff": staff,
        "manager": manager,
        "force_admin": admin,
        "outsider": outsider,
        "beta_manager": beta_manager,
        "inspector": inspector,
    }


LISTS = {
    "/api/v1/inspections/": lambda a: a.finding.inspection_id,
    "/api/v1/findings/": lambda a: a.finding_id,
    "/api/v1/actions/": lambda a: a.pk,
}


@pytest.mark.parametrize(
    "persona", ["owner", "staff", "manager", "force_admin", "outsider", "beta_manager", "inspector"]
)
def test_every_endpoint_through_a_token_sees_only_the_users_forces(
    people, action, beta_action, persona
):
    key = key_for(people[persona])
    client = api(key)
    home = {
        "owner": "alpha",
        "staff": "alpha",
        "manager": "alpha",
        "force_admin": "alpha",
        "outsider": "beta",
        "beta_manager": "beta",
        "inspector": "both",
    }[persona]
    mine = {"alpha": [action], "beta": [beta_action], "both": [action, beta_action]}[home]
    theirs = {"alpha": [beta_action], "beta": [action], "both": []}[home]
    for url, pk_of in LISTS.items():
        ids = {row["id"] for row in walk(client, url)}
        assert ids == {pk_of(a) for a in mine}, url
        for other in theirs:
            assert client.get(f"{url}{pk_of(other)}/").status_code == 404, url
        for own in mine:
            assert client.get(f"{url}{pk_of(own)}/").status_code == 200, url
    for own in mine:
        assert client.get(f"/api/v1/actions/{own.pk}/updates/").status_code == 200
    for other in theirs:
        assert client.get(f"/api/v1/actions/{other.pk}/updates/").status_code == 404
        posted = client.post(
            f"/api/v1/actions/{other.pk}/updates/", {"text": "x"}, content_type="application/json"
        )
        assert posted.status_code == 404
    forces = client.get("/api/v1/forces/")
    assert forces.status_code == (200 if persona == "inspector" else 403)
    board = client.get("/api/v1/board/", {"force": beta_action.force.slug})
    expected_board = {
        "inspector": 200,
        "beta_manager": 200,
        "outsider": 403,
    }.get(persona, 404)
    assert board.status_code == expected_board, board.content


def test_the_forces_list_is_the_inspectorates(people, alpha, beta):
    client = api(key_for(people["inspector"]))
    slugs = {row["slug"] for row in walk(client, "/api/v1/forces/")}
    assert slugs == {"alpha-police", "beta-police"}
    assert client.get(f"/api/v1/forces/{beta.pk}/").json()["name"] == "Beta Police"
    assert api(key_for(people["manager"])).get(f"/api/v1/forces/{alpha.pk}/").status_code == 403


# --- The workflow through the API ----------------------------------------------------------


def post_update(key, action, **body):
    return api(key).post(
        f"/api/v1/actions/{action.pk}/updates/", body, content_type="application/json"
    )


def test_the_owner_completes_but_never_signs_off_and_a_manager_signs_off(action, owner, manager):
    owner_key, manager_key = key_for(owner), key_for(manager)
    assert post_update(owner_key, action, text="Started", status="in_progress").status_code == 201
    refused = post_update(owner_key, action, text="Done", status="completed")
    assert refused.status_code == 400
    assert "evidence_link" in refused.json()["errors"]  # evidence, or a reason, first
    done = post_update(
        owner_key,
        action,
        text="Done",
        status="completed",
        evidence_link="https://example.police.uk/evidence",
    )
    assert done.status_code == 201, done.content
    assert done.json()["status_after"] == "completed"
    own_sign_off = post_update(owner_key, action, text="Signing my own", status="signed_off")
    assert own_sign_off.status_code == 400
    assert "someone else must sign it off" in own_sign_off.json()["detail"]
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    signed = post_update(manager_key, action, text="Checked the evidence", status="signed_off")
    assert signed.status_code == 201, signed.content
    action.refresh_from_db()
    assert action.status == Status.SIGNED_OFF
    assert action.signed_off_by == manager
    closed = post_update(owner_key, action, text="One more thing")
    assert closed.status_code == 400
    assert "can no longer be changed" in closed.json()["detail"]


def test_a_manager_who_completed_an_action_cannot_sign_it_off(action, manager):
    key = key_for(manager)
    post_update(key, action, text="Started", status="in_progress")
    post_update(key, action, text="Done", status="completed", no_evidence_reason="A policy change")
    refused = post_update(key, action, text="Mine", status="signed_off")
    assert refused.status_code == 400
    assert "You marked this action complete" in refused.json()["detail"]


def test_an_illegal_move_is_a_400_with_the_reason_and_changes_nothing(action, owner):
    before = ProgressUpdate.objects.count()
    response = post_update(key_for(owner), action, text="Skip ahead", status="signed_off")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("An action that is “Not started” cannot be moved")
    assert ProgressUpdate.objects.count() == before
    unknown = post_update(key_for(owner), action, text="x", status="finished")
    assert unknown.status_code == 400
    assert "status" in unknown.json()["errors"]


def test_a_return_needs_a_manager_and_a_stale_version_is_a_409(action, owner, manager, staff):
    owner_key = key_for(owner)
    post_update(owner_key, action, text="Started", status="in_progress")
    post_update(owner_key, action, text="Done", status="completed", no_evidence_reason="Verbal")
    assert post_update(owner_key, action, text="Back", status="returned").status_code == 400
    assert post_update(key_for(staff), action, text="Not mine").status_code == 403
    action.refresh_from_db()
    stale = post_update(
        key_for(manager), action, text="Late", status="returned", version=action.version - 1
    )
    assert stale.status_code == 409
    returned = post_update(
        key_for(manager),
        action,
        text="Needs the minutes",
        status="returned",
        version=action.version,
    )
    assert returned.status_code == 201
    action.refresh_from_db()
    assert action.status == Status.RETURNED


def test_bad_bodies_are_400s_that_name_the_field(action, owner):
    key = key_for(owner)
    assert post_update(key, action).json()["errors"]["text"]
    bad_link = post_update(key, action, text="x", evidence_link="not a url")
    assert bad_link.status_code == 400
    assert "evidence_link" in bad_link.json()["errors"]
    not_json = api(key).post(
        f"/api/v1/actions/{action.pk}/updates/", "{nope", content_type="application/json"
    )
    assert not_json.status_code == 400
    assert "JSON" in not_json.json()["detail"]


# --- Tokens ---------------------------------------------------------------------------------


def test_the_token_is_stored_as_a_hash_never_as_itself(owner):
    token, key = token_create(user=owner, name="Power BI")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(key in str(value) for value in row.values())
    assert row["hashed_key"] == "sha512$$" + hashlib.sha512(key.encode()).hexdigest()
    assert key.startswith(row["prefix"] + ".")


def test_a_revoked_token_is_refused(action, owner):
    token, key = token_create(user=owner, name="Old laptop")
    assert api(key).get("/api/v1/actions/").status_code == 200
    page = Client()
    page.force_login(owner)
    response = page.post(reverse("tokens:revoke", args=[token.prefix]))
    assert response.status_code == 302
    refused = api(key).get("/api/v1/actions/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This token has been revoked."
    assert refused["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_expires(owner, action):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        key = key_for(owner, days=7)
        assert api(key).get("/api/v1/actions/").status_code == 200
        traveller.shift(timedelta(days=7, seconds=1))
        refused = api(key).get("/api/v1/actions/")
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_a_read_only_token_reads_but_a_post_is_a_403(action, owner):
    key = key_for(owner, read_only=True)
    assert api(key).get(f"/api/v1/actions/{action.pk}/updates/").status_code == 200
    before = ProgressUpdate.objects.count()
    refused = post_update(key, action, text="Trying")
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]
    assert ProgressUpdate.objects.count() == before


def test_unknown_malformed_and_deactivated_tokens_are_401s(action, owner, manager, alpha):
    assert api("nope").get("/api/v1/actions/").status_code == 401
    assert api("abcdefgh.wrongsecret").get("/api/v1/actions/").status_code == 401
    split = Client(headers={"Authorization": "Bearer two parts"})
    assert split.get("/api/v1/actions/").status_code == 401
    key = key_for(owner)
    from people.services import deactivate

    admin = UserFactory(username="fran")
    MembershipFactory(user=admin, force=alpha, role=Membership.Role.ADMIN)
    deactivate(membership=Membership.objects.get(user=owner, force=alpha), by=admin)
    assert ApiToken.objects.get(user=owner).revoked
    assert api(key).get("/api/v1/actions/").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(owner, action):
    token, key = token_create(user=owner, name="Power BI")
    assert token.last_used_at is None
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        api(key).get("/api/v1/actions/")
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        assert first == timezone.now()
        traveller.shift(timedelta(seconds=30))
        api(key).get("/api/v1/actions/")
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first
        traveller.shift(timedelta(seconds=31))
        api(key).get("/api/v1/actions/")
        assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_the_tokens_page_shows_a_new_token_once_and_lists_only_your_own(owner, staff):
    token_create(user=staff, name="Carol's secret token")
    page = Client()
    page.force_login(owner)
    made = page.post(reverse("tokens:list"), {"name": "Power BI", "days": "90", "read_only": "on"})
    assert made.status_code == 200
    token = ApiToken.objects.get(user=owner)
    key = made.context["new_key"]
    assert key in made.content.decode()
    assert token.read_only and token.name == "Power BI"
    assert (token.expiry_date - timezone.now()).days in (89, 90)
    again = page.get(reverse("tokens:list")).content.decode()
    assert key not in again
    assert "Power BI" in again
    assert "Carol's secret token" not in again
    assert (
        made["Cache-Control"].startswith("private, no-store") or "no-store" in made["Cache-Control"]
    )
    refused = page.post(reverse("tokens:list"), {"name": "", "days": "9999"})
    assert refused.status_code == 400
    assert ApiToken.objects.filter(user=owner).count() == 1
    other = ApiToken.objects.get(user=staff)
    assert page.post(reverse("tokens:revoke", args=[other.prefix])).status_code == 404
    assert not ApiToken.objects.get(pk=other.pk).revoked


def test_create_api_token_prints_only_the_token(owner, action):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", user="bob", read_only=True, name="Script", stdout=out, stderr=err
    )
    key = out.getvalue().strip()
    assert "\n" not in key and "." in key
    assert "read-only" in err.getvalue()
    assert ApiToken.objects.get(user=owner).read_only
    assert api(key).get("/api/v1/actions/").status_code == 200
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("create_api_token", user="nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("create_api_token", user="bob", days=0, stdout=io.StringIO())


# --- Throttling and pagination ----------------------------------------------------------------


def test_each_token_is_throttled_on_its_own(settings, owner, action):
    settings.API_THROTTLE_RATE = "3/min"
    first, second = key_for(owner, name="One"), key_for(owner, name="Two")
    codes = [api(first).get("/api/v1/actions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = api(first).get("/api/v1/actions/")
    assert int(limited["Retry-After"]) > 0
    assert "throttled" in limited.json()["detail"].lower()
    assert api(second).get("/api/v1/actions/").status_code == 200


def test_pagination_is_stable_while_actions_are_added_and_changed(owner, manager, alpha_finding):
    actions = ActionFactory.create_batch(25, finding=alpha_finding, owner=owner)
    key = key_for(manager)
    client = api(key)
    first = client.get("/api/v1/actions/", {"page_size": 10}).json()
    seen = [row["id"] for row in first["results"]]
    # Between pages: one action is re-dated, one is added.
    Action.objects.filter(pk=actions[15].pk).update(
        due_date=timezone.localdate() + timedelta(days=1)
    )
    added = ActionFactory(finding=alpha_finding, owner=owner)
    url = first["next"]
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    assert set(seen) == {a.pk for a in actions} | {added.pk}
    bad = client.get("/api/v1/actions/", {"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    capped = client.get("/api/v1/actions/", {"page_size": 100000}).json()
    assert len(capped["results"]) == 26


# --- Filters ------------------------------------------------------------------------------------


def test_action_filters(owner, manager, alpha_finding, alpha_inspection):
    today = timezone.localdate()
    other_finding = FindingFactory(judgment=alpha_finding.judgment, reference="Q1-AFI-2")
    late = ActionFactory(
        finding=alpha_finding,
        owner=owner,
        lead=manager,
        due_date=today - timedelta(days=3),
        status=Status.IN_PROGRESS,
    )
    later = ActionFactory(
        finding=other_finding, owner=manager, due_date=today + timedelta(days=200)
    )
    client = api(key_for(manager))

    def ids(**params):
        response = client.get("/api/v1/actions/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="in_progress") == {late.pk}
    assert ids(status=["in_progress", "not_started"]) == {late.pk, later.pk}
    assert ids(rag="red") == {late.pk}
    assert ids(owner="BOB") == {late.pk}
    assert ids(lead="alice") == {late.pk}
    assert ids(due_before=today.isoformat()) == {late.pk}
    assert ids(due_after=(today + timedelta(days=100)).isoformat()) == {later.pk}
    assert ids(finding=other_finding.pk) == {later.pk}
    assert ids(inspection=alpha_inspection.pk) == {late.pk, later.pk}
    assert ids(inspection=alpha_inspection.pk + 999) == set()
    bad = client.get("/api/v1/actions/", {"due_after": "31/02/2026", "rag": "purple"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"due_after", "rag"}


def test_finding_filters(manager, alpha_finding, alpha_inspection):
    concern = FindingFactory(
        judgment=alpha_finding.judgment, reference="Q1-CoC-1", kind="cause_of_concern"
    )
    client = api(key_for(manager))

    def refs(**params):
        return {
            row["reference"] for row in client.get("/api/v1/findings/", params).json()["results"]
        }

    assert refs(kind="cause_of_concern") == {"Q1-CoC-1"}
    assert refs(question=1) == {"Q1-AFI-1", "Q1-CoC-1"}
    assert refs(question=2) == set()
    assert refs(status="open") == {"Q1-AFI-1", "Q1-CoC-1"}
    assert refs(status="discharged") == set()
    assert refs(inspection=alpha_inspection.pk) == {"Q1-AFI-1", "Q1-CoC-1"}
    inspections = client.get("/api/v1/inspections/").json()["results"]
    assert [j["number"] for j in inspections[0]["judgments"]] == [0, 1]
    assert concern.pk in {row["id"] for row in client.get("/api/v1/findings/").json()["results"]}


# --- The board ------------------------------------------------------------------------------------


def test_the_boards_figures_are_the_pages(demo):
    manager = Membership.objects.get(user__username="manager").user
    page = Client()
    page.force_login(manager)
    key = key_for(manager)
    for params in ({}, {"status": ["in_progress", "blocked"]}, {"rag": "red", "question": "2"}):
        shown = page.get(reverse("boards:force-board"), params)
        assert shown.status_code == 200
        served = api(key).get("/api/v1/board/", params)
        assert served.status_code == 200, served.content
        body = served.json()
        assert body["counts"] == dict(shown.context["counts"]), params
        assert body["filters_applied"] == bool(params)
        assert body["force"]["slug"] == "staffordshire-police"
    assert body["counts"]["total"] > 0


def test_the_board_for_an_inspector_names_the_force_and_bad_filters_are_400s(demo):
    inspector = UserFactory(username="hmicfrs", inspector=True)
    client = api(key_for(inspector))
    unnamed = client.get("/api/v1/board/")
    assert unnamed.status_code == 400
    assert "force" in unnamed.json()["errors"]
    assert client.get("/api/v1/board/", {"force": "staffordshire-police"}).status_code == 200
    assert client.get("/api/v1/board/", {"force": "no-such-force"}).status_code == 404
    bad = client.get("/api/v1/board/", {"force": "staffordshire-police", "due_after": "soon"})
    assert bad.status_code == 400
    assert "due_after" in bad.json()["errors"]


def test_the_schema_is_openapi_3_and_documents_the_errors(manager):
    client = api(key_for(manager))
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    post = document["paths"]["/api/v1/actions/{id}/updates/"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(post["responses"])
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


# --- Queries: a fixed number per page, whatever the rows -------------------------------------

QUERIES = {
    # the token (with its user), whether the user is an inspector, the page (its
    # subqueries inline); inspections prefetch their judgments; the log reads its action
    # (and its contributors) and prefetches evidence. The token's last use is written at most once a minute
    # (not here: the request before touches it).
    "/api/v1/actions/": 3,
    "/api/v1/findings/": 3,
    "/api/v1/inspections/": 4,
    "/api/v1/actions/{action}/updates/": 6,
}


@pytest.mark.parametrize("url", list(QUERIES))
def test_each_page_costs_the_same_queries_for_few_rows_or_many(
    url, owner, manager, alpha_finding, django_assert_num_queries
):
    key = key_for(manager)
    client = api(key)
    first = ActionFactory(finding=alpha_finding, owner=owner)
    post_update(key, first, text="Started", evidence_link="https://example.org/start")
    client.get("/api/v1/actions/")  # the token's last use: written now, not below
    target = url.format(action=first.pk)
    with django_assert_num_queries(QUERIES[url]):
        assert client.get(target).status_code == 200
    for n in range(30):
        finding = FindingFactory(judgment=alpha_finding.judgment, reference=f"Q1-AFI-{n + 10}")
        ActionFactory(finding=finding, owner=owner)
        post_update(key, first, text=f"Update {n}", evidence_link=f"https://example.org/{n}")
    with django_assert_num_queries(QUERIES[url]):
        assert client.get(target).status_code == 200


# --- Edges a client (or someone probing) may send ----------------------------------------


def _cursor(**fields) -> str:
    return base64.b64encode(urlencode(fields).encode()).decode()


def test_a_hand_made_cursor_is_a_400_never_a_query(manager, action):
    client = api(key_for(manager))
    for position in ("abc", "1.5", "-1", "9" * 30):
        response = client.get("/api/v1/actions/", {"cursor": _cursor(p=position)})
        assert response.status_code == 400, position
        assert "cursor" in response.json()["detail"]
    log = f"/api/v1/actions/{action.pk}/updates/"
    assert client.get(log, {"cursor": _cursor(p="yesterday")}).status_code == 400
    assert client.get(log, {"cursor": _cursor(p="9999-12-31 23:59:59-05:00")}).status_code == 400
    assert client.get(log, {"cursor": _cursor(p="2026-01-01 10:00:00-18:25")}).status_code == 400
    assert client.get(log, {"cursor": _cursor(p="2026-01-01 10:00:00")}).status_code == 400
    assert client.get(log, {"cursor": _cursor(p="2026-01-01 10:00:00+00:00")}).status_code == 200
    assert client.get("/api/v1/actions/", {"cursor": _cursor(p="3")}).status_code == 200


def test_a_slug_that_is_no_slug_is_a_404_on_the_board_and_its_page(manager, alpha):
    assert api(key_for(manager)).get("/api/v1/board/", {"force": "a\x00b"}).status_code == 404
    page = Client()
    page.force_login(manager)
    assert page.get(reverse("boards:force-board"), {"force": "a\x00b"}).status_code == 404


def test_a_moment_beyond_utc_is_a_400(manager, action):
    client = api(key_for(manager))
    for moment in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "soon"):
        response = client.get("/api/v1/actions/", {"updated_since": moment})
        assert response.status_code == 400, moment
        assert "updated_since" in response.json()["errors"]
    recent = client.get("/api/v1/actions/", {"updated_since": "2000-01-01T00:00:00Z"})
    assert [row["id"] for row in recent.json()["results"]] == [action.pk]
    # An offset beyond PostgreSQL's ±15:59 is still a moment: handed over in UTC.
    far = client.get("/api/v1/actions/", {"updated_since": "0028-11-15T06:49:45-18:25"})
    assert [row["id"] for row in far.json()["results"]] == [action.pk]


def test_an_unreadable_throttle_rate_stops_start_up_with_its_name():
    env = {**os.environ, "API_THROTTLE_RATE": "600", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "API_THROTTLE_RATE='600'" in result.stderr


def test_a_body_too_large_or_of_the_wrong_kind_is_a_4xx_in_the_apis_shape(settings, action, owner):
    key = key_for(owner)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    big = post_update(key, action, text="x" * 500)
    assert big.status_code == 400
    assert big.json()["detail"] == "The request body is too large."
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    multipart = api(key).post(f"/api/v1/actions/{action.pk}/updates/", {"text": "With a file"})
    assert multipart.status_code == 415  # evidence comes as a link: a file is never dropped
    assert not ProgressUpdate.objects.filter(text="With a file").exists()


def test_an_inactive_account_s_token_is_refused(owner, action):
    key = key_for(owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    refused = api(key).get("/api/v1/actions/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This token's account is not active."


def test_a_session_post_needs_the_csrf_token(owner, action):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    url = f"/api/v1/actions/{action.pk}/updates/"
    refused = browser.post(url, {"text": "No token"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    browser.get(reverse("improvements:action-detail", args=[action.pk]))
    csrf = browser.cookies[settings_module.CSRF_COOKIE_NAME].value
    made = browser.post(
        url,
        {"text": "With the token"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert made.status_code == 201, made.content


def test_a_path_without_its_final_slash_says_so(manager):
    client = api(key_for(manager))
    response = client.get("/api/v1/actions")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "No such endpoint: did you mean /api/v1/actions/ (with the final slash)?"
    )
    assert client.get("/api/v1/nothing/").json()["detail"] == "Not found."


def test_evidence_files_download_with_the_token_and_links_do_not(
    action, owner, outsider, beta_action
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from improvements import services

    update = services.progress_update_add(
        action=action,
        by=owner,
        text="Minutes attached",
        evidence_file=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf"),
    )
    key = key_for(owner)
    log = api(key).get(f"/api/v1/actions/{action.pk}/updates/").json()["results"]
    evidence = next(row for row in log if row["id"] == update.pk)["evidence"][0]
    assert evidence["kind"] == "file"
    downloaded = api(key).get(evidence["download_url"])
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == b"%PDF-1.4 minutes"
    assert 'filename="minutes.pdf"' in downloaded["Content-Disposition"]
    assert api(key_for(outsider)).get(evidence["download_url"]).status_code == 404
    link = post_update(key, action, text="A link", evidence_link="https://example.org/x").json()
    link_url = f"/api/v1/evidence/{link['evidence'][0]['id']}/download/"
    assert api(key).get(link_url).status_code == 404


def test_the_log_is_in_the_order_things_happened(action, owner):
    from improvements import services

    now = timezone.now()
    services.progress_update_add(action=action, by=owner, text="Today", at=now)
    services.progress_update_add(
        action=action, by=owner, text="From the old tracker", at=now - timedelta(days=30)
    )
    log = api(key_for(owner)).get(f"/api/v1/actions/{action.pk}/updates/").json()["results"]
    assert [row["text"] for row in log] == ["From the old tracker", "Today"]


def test_a_revocation_says_who_and_a_person_holds_at_most_ten_live_tokens(owner):
    from api.tokens import MAX_LIVE_TOKENS, token_revoke

    tokens = [token_create(user=owner, name=f"T{n}")[0] for n in range(MAX_LIVE_TOKENS)]
    with pytest.raises(ValidationError, match="revoke one you no longer use"):
        token_create(user=owner, name="One too many")
    token_revoke(tokens[0], by=owner)
    assert ApiToken.objects.get(pk=tokens[0].pk).revoked_by == owner
    token_create(user=owner, name="Room again")


def test_the_boards_questions_add_up_to_its_headline(demo):
    manager = Membership.objects.get(user__username="manager").user
    body = api(key_for(manager)).get("/api/v1/board/").json()
    questions = [q for inspection in body["inspections"] for q in inspection["questions"]]
    assert sum(q["total"] for q in questions) == body["counts"]["total"]
    assert sum(q["overdue"] for q in questions) == body["counts"]["overdue"]
    assert sum(q["signed_off"] for q in questions) == body["counts"]["signed_off"]
