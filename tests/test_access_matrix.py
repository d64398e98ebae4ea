"""The access matrix: every URL pattern the resolver knows, for every persona, for an
Alpha and a Beta object, against what the product promises.

- ``url_inventory()`` walks ``get_resolver()`` (the admin included) into (route, name)
  entries, keyed by URL name, or by route for the admin's unnamed patterns;
- ``EXPECTED`` is the table: for each key, for GET (and POST on write endpoints), for
  each persona, for each object label ("alpha", "beta", "malformed", ...) the expected
  answer. A pattern without a row fails ``test_every_url_pattern_has_a_row``; a row
  naming no pattern fails ``test_every_row_names_a_url_pattern``;
- ``target_for(key)`` (``PAGE_TARGETS`` for the pages, ``_admin_target`` for every
  admin model) turns an object label into the values of the route's parameters (and a
  query string); ``build_url`` substitutes them into the route;
- ``test_access`` is one case per (key, method, persona, label).

The table is written to the promises (docs/architecture.md, "Who sees what" and the lead's brief):
anonymous users go to a login page; another force's object is a 404 wherever it is
asked for; a write the user may not make is a 403 and changes nothing; the admin is
for staff (inspectors, superusers, force users given admin access), scoped like the
pages, and view-only for actions, the progress log and evidence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models as db_models
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from improvements.models import (
    Action,
    DailySnapshot,
    Evidence,
    ProgressUpdate,
    Reminder,
    ReminderPreference,
    ReminderRule,
)
from inspections.models import Finding, FollowUpReview, Force, Inspection, Judgment, Membership

from .access_personas import (
    ADMIN_USERS,
    ALPHA_USERS,
    BETA_USERS,
    NON_STAFF,
    PERSONAS,
    SECRETS,
    build_world,
)

pytestmark = pytest.mark.django_db


# --- 1. The URL inventory -----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    route: str  # the full route, e.g. "admin/inspections/force/<path:object_id>/change/"
    name: str  # the namespaced name, "" when the pattern has none

    @property
    def key(self) -> str:
        return self.name or self.route


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ""
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Entry(prefix + str(pattern.pattern), name)


def url_inventory() -> dict[str, Entry]:
    entries = {}
    for entry in _walk(get_resolver()):
        assert entry.key not in entries, f"two patterns share the key {entry.key}"
        entries[entry.key] = entry
    return entries


INVENTORY = url_inventory()


def build_url(route: str, values: dict) -> str:
    """Substitute values into a route: ``<conv:name>``, ``(?P<name>...)`` and positional
    groups (``values["args"]``, in order)."""
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: quote(str(values[m.group(1)])), path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: quote(str(values[m.group(1)])), path)
    positional = iter(values.get("args", ()))
    path = re.sub(r"\([^)]*\)", lambda m: quote(str(next(positional))), path)
    return "/" + path


# --- 2. Expectations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """An expected answer: a status (or any of several), where a redirect goes (a URL
    name, or "re:<pattern>" matched against the Location), and whether the request may
    write (otherwise the database must be unchanged after a POST)."""

    status: int | tuple[int, ...]
    location: str = ""
    writes: bool = False

    @property
    def statuses(self) -> tuple[int, ...]:
        return self.status if isinstance(self.status, tuple) else (self.status,)

    def __str__(self):
        return "/".join(map(str, self.statuses)) + (f"→{self.location}" if self.location else "")


def E(value) -> Expect:
    return value if isinstance(value, Expect) else Expect(value)


LOGIN = Expect(302, "login")
ADMIN_LOGIN = Expect(302, "admin:login")
ADMIN_INDEX = Expect(302, "admin:index")
NATIONAL = Expect(302, "boards:national")
MY_ACTIONS = Expect(302, "improvements:action-list")
TO_EXPORT = Expect(302, r"re:^/board/exports/[0-9a-f-]+/$")
# A malformed id in the admin: "not found" (404) or Django's "doesn't exist" redirect.
NOT_FOUND = Expect((404, 302), "admin:index")
# The same for someone with no right to the model at all: a 403 is fine too.
NOT_FOUND_OR_REFUSED = Expect((403, 404, 302), "admin:index")
SAVED_OR_RESHOWN = Expect((200, 302), writes=True)


def W(value) -> Expect:
    """An allowed write."""
    e = E(value)
    return Expect(e.status, e.location, writes=True)


def ab(alpha, beta, **more) -> dict:
    """Per object label: Alpha's object, Beta's object (and any further labels)."""
    return {"alpha": alpha, "beta": beta, **more}


def personas(**cells) -> dict:
    missing = set(PERSONAS) - set(cells)
    unknown = set(cells) - set(PERSONAS)
    assert not missing and not unknown, (missing, unknown)
    return cells


def all_personas(value, except_=None) -> dict:
    cells = dict.fromkeys(PERSONAS, value)
    cells.update(except_ or {})
    return cells


def logged_in(value, anonymous=LOGIN, **overrides) -> dict:
    cells = {p: value for p in PERSONAS if p != "anonymous"}
    cells["anonymous"] = anonymous
    cells.update(overrides)
    return personas(**cells)


# Pages for one force's object, by persona: (on Alpha's, on Beta's).
def _requester_only() -> dict:
    cells = {p: {"alpha": 404, "beta": 404} for p in PERSONAS if p != "anonymous"}
    cells.update(
        anonymous=LOGIN,
        manager={"alpha": 200, "beta": 404},
        beta_manager={"alpha": 404, "beta": 200},
    )
    return personas(**cells)


def force_object_page(ok=200, *, refused=None, managers=None, inspectors=None):
    """A page about a force's object. ``ok``: what a member of the force gets; ``refused``:
    what a member who may not use it gets (defaults to ``ok``); ``managers``: what the
    force's managers get (defaults to ``ok``); ``inspectors``: inspectors and superusers
    (both forces; defaults to ``ok``)."""
    member = refused if refused is not None else ok
    boss = managers if managers is not None else ok
    insp = inspectors if inspectors is not None else ok
    return personas(
        anonymous=LOGIN,
        owner=ab(member, 404),
        staff=ab(member, 404),
        contributor=ab(member, 404),
        manager=ab(boss, 404),
        beta_staff=ab(404, member),
        beta_manager=ab(404, boss),
        inspector=insp,
        superuser=insp,
        force_admin=ab(boss, 404),
    )


def action_write(participant, other_member):
    """A write on an action: participants (owner, contributor, managers) vs other members."""
    return personas(
        anonymous=LOGIN,
        owner=ab(participant, 404),
        staff=ab(other_member, 404),
        contributor=ab(participant, 404),
        manager=ab(participant, 404),
        beta_staff=ab(404, other_member),
        beta_manager=ab(404, participant),
        inspector=403,
        superuser=403,
        force_admin=ab(participant, 404),
    )


def manager_write(manager, member):
    """A write only the force's managers make."""
    return personas(
        anonymous=LOGIN,
        owner=ab(member, 404),
        staff=ab(member, 404),
        contributor=ab(member, 404),
        manager=ab(manager, 404),
        beta_staff=ab(404, member),
        beta_manager=ab(404, manager),
        inspector=403,
        superuser=403,
        force_admin=ab(manager, 404),
    )


def board(manager_own, staff_own, inspector_plain):
    """/board/ and its exports, labels: "plain" (no ?force), "alpha"/"beta" (?force=slug)."""

    def cell(plain, alpha, beta):
        return {"plain": plain, "alpha": alpha, "beta": beta}

    return personas(
        anonymous=LOGIN,
        owner=cell(403, staff_own, 404),
        staff=cell(403, staff_own, 404),
        contributor=cell(403, staff_own, 404),
        manager=cell(manager_own, manager_own, 404),
        beta_staff=cell(403, 404, staff_own),
        beta_manager=cell(manager_own, 404, manager_own),
        inspector=cell(inspector_plain, manager_own, manager_own),
        superuser=cell(inspector_plain, manager_own, manager_own),
        force_admin=cell(manager_own, manager_own, 404),
    )


def api_object():
    """An API object: as its page (another force's is a 404), but 401 without a session."""
    return {**force_object_page(200), "anonymous": 401}


def evidence_download(anonymous):
    """A file, to whoever sees its action (a link's row is no file: 404)."""
    return personas(
        anonymous=anonymous,
        **{
            p: {"alpha": 200, "beta": 404, "alpha-link": 404, "beta-link": 404} for p in ALPHA_USERS
        },
        **{p: {"alpha": 404, "beta": 200, "alpha-link": 404, "beta-link": 404} for p in BETA_USERS},
        **{
            p: {"alpha": 200, "beta": 200, "alpha-link": 404, "beta-link": 404}
            for p in ("inspector", "superuser")
        },
    )


POST_ONLY = logged_in(405)  # GET on a POST-only endpoint: 405 for anyone logged in


def team_member(admin_own):
    """A team member's page or write: the force's administrators only (``force_admin``
    is Alpha's); everyone else, inspectors and managers included, is refused; another
    force's member is a 404."""
    return logged_in(ab(403, 403), force_admin=ab(admin_own, 404))


ADMINS_ONLY_FORM = {"GET": logged_in(403, force_admin=200), "POST": logged_in(403, force_admin=400)}

PAGES = {
    # --- home, accessibility, accounts ---
    # anonymous: login_required; managers start at their board
    "home": logged_in(
        MY_ACTIONS,
        inspector=NATIONAL,
        superuser=NATIONAL,
        manager=Expect(302, "boards:force-board"),
        beta_manager=Expect(302, "boards:force-board"),
        force_admin=Expect(302, "boards:force-board"),
    ),
    "accessibility": all_personas(200),
    "healthz": all_personas(200),
    # Where single sign-on sends someone the tracker doesn't know.
    "no-access": all_personas(200),
    # Single sign-on's two URLs: a 404 until OIDC_CLIENT_ID is set (tests/test_sso.py).
    "oidc_authentication_init": all_personas(404),
    "oidc_authentication_callback": all_personas(404),
    # The timeout warning's "Stay signed in": renews the session, for anyone signed in.
    "session-keepalive": {"GET": POST_ONLY, "POST": logged_in(204)},
    "login": {"GET": all_personas(200)},
    "logout": {"GET": all_personas(405), "POST": all_personas(LOGIN)},
    "password_change": {"GET": logged_in(200), "POST": logged_in(200)},
    "password_change_done": logged_in(200),
    "password_reset": {"GET": all_personas(200), "POST": all_personas(200)},
    "password_reset_done": all_personas(200),
    "password_reset_confirm": all_personas(200),
    "password_reset_complete": all_personas(200),
    # --- boards ---
    "boards:force-board": board(200, 403, NATIONAL),
    "boards:national": logged_in(403, inspector=200, superuser=200),
    "boards:export-csv": board(200, 403, NATIONAL),
    "boards:export-xlsx": board(200, 403, NATIONAL),
    # The pack is built in the background: the request starts it and goes to its page.
    "boards:review-pack": force_object_page(403, managers=TO_EXPORT, inspectors=TO_EXPORT),
    # A background export is its requester's alone: anyone else gets a 404.
    "boards:export-status": _requester_only(),
    "boards:export-download": _requester_only(),
    # --- actions ---
    # "mine" (the default) and "all" (?scope=all: managers' and inspectors' whole view).
    "improvements:action-list": logged_in({"mine": 200, "all": 200}),
    # Bulk changes: managers only; an empty choice is a 400 that changes nothing.
    "improvements:action-bulk": {
        "GET": POST_ONLY,
        "POST": logged_in(403, manager=400, beta_manager=400, force_admin=400),
    },
    "improvements:action-detail": force_object_page(200),
    "improvements:action-update": {"GET": POST_ONLY, "POST": action_write(400, 403)},
    "improvements:action-decide": {"GET": POST_ONLY, "POST": manager_write(400, 403)},
    "improvements:action-assign": {"GET": POST_ONLY, "POST": manager_write(400, 403)},
    "improvements:action-edit": {"GET": POST_ONLY, "POST": manager_write(400, 403)},
    # Asking for more time: the action's owner only (an empty request is a 400).
    "improvements:action-extension": {
        "GET": POST_ONLY,
        "POST": logged_in(
            ab(403, 404),
            owner=ab(400, 404),
            beta_staff=ab(404, 403),
            beta_manager=ab(404, 403),
            inspector=ab(403, 403),
            superuser=ab(403, 403),
        ),
    },
    "improvements:extension-decide": {"GET": POST_ONLY, "POST": manager_write(400, 403)},
    "improvements:evidence-download": evidence_download(anonymous=LOGIN),
    # --- the team: force administrators manage their force's people ---
    "people:team": logged_in(403, force_admin=200),
    "people:invite": ADMINS_ONLY_FORM,
    "people:invite-bulk": ADMINS_ONLY_FORM,
    "people:member": team_member(200),
    "people:member-role": {"GET": POST_ONLY, "POST": team_member(400)},
    "people:member-deactivate": {"GET": POST_ONLY, "POST": team_member(W(200))},
    # The owner has a password already: refused with a message, back to their page.
    "people:member-resend": {
        "GET": POST_ONLY,
        "POST": team_member(Expect(302, r"re:^/team/\d+/$")),
    },
    # An invitation link that is not one: the "expired" page, for anyone.
    "people:welcome": {"GET": all_personas(200), "POST": all_personas(200)},
    # --- inspections, findings, reviews ---
    "improvements:inspection-list": logged_in(200),
    "improvements:inspection-detail": force_object_page(200),
    "improvements:finding-action-create": {
        "GET": manager_write(200, 403),
        "POST": manager_write(400, 403),
    },
    # Plan the response: the force's managers; an empty plan is a 400 that saves nothing.
    "improvements:inspection-plan": {
        "GET": manager_write(200, 403),
        "POST": manager_write(400, 403),
    },
    "improvements:inspection-response": manager_write(200, 403),
    # Import a tracker: the force's managers; a post without a file is a 400.
    "improvements:inspection-import": {
        "GET": manager_write(200, 403),
        "POST": manager_write(400, 403),
    },
    "improvements:finding-submit": {
        "GET": POST_ONLY,
        "POST": manager_write(Expect(302, r"re:^/inspections/\d+/\?finding=\d+#finding-\d+$"), 403),
    },
    "improvements:review-detail": force_object_page(200),
    # The inspectorate's queue and decisions: inspectors only (managers and staff 403);
    # an empty decision goes back to the queue and changes nothing.
    "improvements:inspectorate": logged_in(403, inspector=200, superuser=200),
    "improvements:finding-decide": {
        "GET": POST_ONLY,
        "POST": logged_in(
            ab(403, 403),
            inspector=ab(*[Expect(302, r"re:^/inspectorate/#finding-\d+$")] * 2),
            superuser=ab(*[Expect(302, r"re:^/inspectorate/#finding-\d+$")] * 2),
        ),
    },
    # Owner suggestions: anyone signed in, among the people they may see; a force they
    # cannot see is a 404.
    "improvements:people": personas(
        anonymous=LOGIN,
        **{p: {"plain": 200, "alpha": 200, "beta": 404} for p in ALPHA_USERS},
        **{p: {"plain": 200, "alpha": 404, "beta": 200} for p in BETA_USERS},
        **{p: {"plain": 200, "alpha": 200, "beta": 200} for p in ("inspector", "superuser")},
    ),
    "improvements:reminder-preferences": {
        "GET": logged_in(200),
        "POST": logged_in(W(Expect(302, "improvements:reminder-preferences"))),
    },
    # --- API tokens: a person's own; an empty form is a 400 that makes nothing ---
    "tokens:list": {"GET": logged_in(200), "POST": logged_in(400)},
    # Only the token's maker revokes it: Alpha's is the owner's; Beta's is nobody's here.
    "tokens:revoke": {
        "GET": POST_ONLY,
        "POST": logged_in(ab(404, 404), owner=ab(W(Expect(302, "tokens:list")), 404)),
    },
    # --- the API (signed in by the session here; tokens: tests/test_api.py) ---
    # Anyone without a session or token: 401 (WWW-Authenticate: Bearer).
    "api:schema": logged_in(200, anonymous=401),
    # Any other path under /api/: the API's own 404, in JSON, for anyone.
    "api:not-found": all_personas(404),
    "api:docs": logged_in(200, anonymous=401),
    "api:inspection-list": logged_in(200, anonymous=401),
    "api:inspection-detail": api_object(),
    "api:finding-list": logged_in(200, anonymous=401),
    "api:finding-detail": api_object(),
    "api:action-list": logged_in(200, anonymous=401),
    "api:action-detail": api_object(),
    # The log: whoever sees the action; a new entry: participants.
    "api:action-updates": {
        "GET": api_object(),
        # The matrix posts a form with multipart encoding: a 415 (JSON, or a link).
        "POST": {**action_write(415, 403), "anonymous": 401},
    },
    # A file through the API: as the site's download (a link's row is no file: 404).
    "api:evidence-download": evidence_download(anonymous=401),
    "api:force-list": logged_in(403, inspector=200, superuser=200, anonymous=401),
    "api:force-detail": logged_in(
        ab(403, 403), inspector=ab(200, 200), superuser=ab(200, 200), anonymous=401
    ),
    # As the board page, but an inspector (or a manager of several) names the force: 400.
    "api:board": {**board(200, 403, 400), "anonymous": 401},
}


# --- The admin ---------------------------------------------------------------------------

TO_ACTION = Expect(302, r"re:/actions/\d+/$")

ADMIN_SITE = {
    "admin:index": logged_in(ADMIN_LOGIN, anonymous=ADMIN_LOGIN, **dict.fromkeys(ADMIN_USERS, 200)),
    "admin:login": logged_in(200, anonymous=200, **dict.fromkeys(ADMIN_USERS, ADMIN_INDEX)),
    "admin:logout": {
        # Without admin access the logout page sends you to the admin index (and so to
        # the admin login); it takes a POST only.
        "GET": logged_in(ADMIN_INDEX, anonymous=ADMIN_INDEX, **dict.fromkeys(ADMIN_USERS, 405)),
        # Logged out, staff land on the site's login page (LOGOUT_REDIRECT_URL).
        "POST": logged_in(ADMIN_INDEX, anonymous=ADMIN_INDEX, **dict.fromkeys(ADMIN_USERS, LOGIN)),
    },
    "admin:password_change": logged_in(
        ADMIN_LOGIN, anonymous=ADMIN_LOGIN, **dict.fromkeys(ADMIN_USERS, 200)
    ),
    "admin:password_change_done": logged_in(
        ADMIN_LOGIN, anonymous=ADMIN_LOGIN, **dict.fromkeys(ADMIN_USERS, 200)
    ),
    "admin:jsi18n": logged_in(
        ADMIN_LOGIN, anonymous=ADMIN_LOGIN, **dict.fromkeys(ADMIN_USERS, 200)
    ),
    "admin:autocomplete": logged_in(
        ADMIN_LOGIN,
        anonymous=ADMIN_LOGIN,
        **dict.fromkeys(
            ADMIN_USERS, {"review-judgments": 200, "membership-force": 200, "bad-params": 403}
        ),
    ),
    # r/<content_type>/<object_id>/: to the object's page (actions have one; inspections
    # have none: 404).
    "admin:view_on_site": logged_in(
        ADMIN_LOGIN,
        anonymous=ADMIN_LOGIN,
        inspector=ab(TO_ACTION, TO_ACTION, **{"no-url": 404, "malformed": 404}),
        superuser=ab(TO_ACTION, TO_ACTION, **{"no-url": 404, "malformed": 404}),
        force_admin=ab(TO_ACTION, 404, **{"no-url": 404, "malformed": 404}),
    ),
    "admin:app_list": logged_in(
        ADMIN_LOGIN,
        anonymous=ADMIN_LOGIN,
        inspector={"inspections": 200, "improvements": 200, "auth": 404},
        superuser={"inspections": 200, "improvements": 200, "auth": 200},
        force_admin={"inspections": 200, "improvements": 200, "auth": 404},
    ),
    "admin/(?P<url>.*)$": logged_in(
        ADMIN_LOGIN, anonymous=ADMIN_LOGIN, **dict.fromkeys(ADMIN_USERS, 404)
    ),
    # Importing a report is the inspectorate's: a force user with admin access is refused.
    "admin:inspections_inspection_import": logged_in(
        ADMIN_LOGIN,
        anonymous=ADMIN_LOGIN,
        **{**dict.fromkeys(ADMIN_USERS, 200), "force_admin": 403},
    ),
    "admin:inspections_inspection_import_confirm": logged_in(
        ADMIN_LOGIN,
        anonymous=ADMIN_LOGIN,
        **{
            **dict.fromkeys(ADMIN_USERS, Expect(302, "admin:inspections_inspection_import")),
            "force_admin": 403,
        },
    ),
}

# What each admin persona may do with each registered model, by the product's rules
# (v view, a add, c change, d delete; "" nothing: the model's pages are 403):
# - inspectors: the Inspectors group (improvements/migrations/0002_inspectors_group.py);
#   actions, the progress log and evidence are read-only in the admin for everyone;
# - reminder rules and preferences are the service administrators' (superusers');
# - the force admin holds every inspections/improvements permission, so the scoping
#   (Alpha's rows only) is all that stands between them and Beta.
ADMIN_RIGHTS = {
    #                                 inspector  superuser  force_admin
    "inspections.force": ("vac", "vacd", "vacd"),
    "inspections.membership": ("v", "vacd", "vacd"),
    "inspections.inspection": ("vac", "vacd", "vacd"),
    "inspections.judgment": ("vacd", "vacd", "vacd"),
    "inspections.finding": ("vacd", "vacd", "vacd"),
    "inspections.followupreview": ("vacd", "vacd", "vacd"),
    "improvements.action": ("v", "v", "v"),
    "improvements.progressupdate": ("v", "v", "v"),
    "improvements.evidence": ("v", "v", "v"),
    "improvements.reminderrule": ("", "vacd", ""),
    "improvements.reminder": ("", "v", "v"),  # the ledger: view-only
    "improvements.notification": ("", "v", "v"),  # the outbox: view-only
    "improvements.reminderpreference": ("", "vacd", ""),
    "auth.user": ("", "vacd", ""),
    "auth.group": ("", "vacd", ""),
    # Lockouts (django-axes): the service administrators', read-only but for deleting,
    # which lifts a lockout.
    "axes.accessattempt": ("", "vcd", ""),
    "axes.accesslog": ("", "vcd", ""),
    "axes.accessfailurelog": ("", "vcd", ""),
}

# Models whose rows belong to a force (the force admin sees Alpha's only), and how a
# changelist is filtered to Beta's force.
FORCE_FILTER = {
    "inspections.force": "id__exact",
    "inspections.membership": "force__id__exact",
    "inspections.inspection": "force__id__exact",
    "inspections.judgment": "inspection__force__id__exact",
    "inspections.finding": "inspection__force__id__exact",
    "inspections.followupreview": "inspection__force__id__exact",
    "improvements.action": "finding__inspection__force__id__exact",
    "improvements.progressupdate": "action__finding__inspection__force__id__exact",
    "improvements.evidence": "action__finding__inspection__force__id__exact",
    "improvements.reminder": "force__id__exact",
    "improvements.notification": "force__id__exact",
}

# Object labels of each admin model ("malformed" is added to all): Alpha's and Beta's
# rows, or the one service-wide row.
ADMIN_LABELS = {
    "improvements.evidence": ["alpha", "beta", "alpha-link", "beta-link"],
    "improvements.reminderrule": ["rule"],
    "auth.group": ["group"],
    "axes.accessattempt": ["row"],
    "axes.accesslog": ["row"],
    "axes.accessfailurelog": ["row"],
}
# Models the admin only shows (their add form is refused, POST included).
VIEW_ONLY_MODELS = {"improvements.action", "improvements.progressupdate", "improvements.evidence"}


def _rights(persona: str, model: str) -> str:
    return dict(zip(ADMIN_USERS, ADMIN_RIGHTS[model], strict=True)).get(persona, "")


def _visible(persona: str, model: str, label: str) -> bool:
    if label in ("malformed", "bad-object", "bad-version", "foreign-version"):
        return False
    if persona == "force_admin" and model in FORCE_FILTER:
        return label.startswith("alpha")
    return persona in ADMIN_USERS


def _nobody_but_staff(cells_for_admin_users: dict, labels) -> dict:
    """Anonymous and non-staff users: the admin login, whatever they ask for. The door
    is the same for every object, so the non-staff personas knock with the first object
    only (Alpha's, their own force's or Beta's alike), anonymous with all of them."""
    cells = {"anonymous": dict.fromkeys(labels, ADMIN_LOGIN)}
    cells.update({p: dict.fromkeys(labels[:1], ADMIN_LOGIN) for p in NON_STAFF})
    cells.update(cells_for_admin_users)
    return personas(**cells)


def _object_view(model, labels, *, needs: str, ok=200):
    """change / history / delete of one object: no right to the model → 403; an object
    outside the user's scope → 404; a malformed id → 404 (or Django's redirect); no
    right to this view → 403; otherwise ``ok``."""
    cells = {}
    for persona in ADMIN_USERS:
        rights = _rights(persona, model)
        row = {}
        for label in labels:
            if not rights:
                # The model is closed to them: 403 (or 404 for what is not theirs).
                if label == "malformed":
                    row[label] = NOT_FOUND_OR_REFUSED
                elif persona == "force_admin" and label.startswith("beta"):
                    row[label] = Expect((403, 404))
                else:
                    row[label] = E(403)
            elif label == "malformed":
                row[label] = NOT_FOUND if set(needs) & set(rights) else NOT_FOUND_OR_REFUSED
            elif not _visible(persona, model, label):
                row[label] = E(404)
            elif not set(needs) & set(rights):
                row[label] = E(403)
            else:
                row[label] = E(ok)
        cells[persona] = row
    return _nobody_but_staff(cells, labels)


def _history_item(model, labels, method):
    """A history record (``<id>/history/<version_id>/``): read-only for everyone. A bad
    object or version id, or another object's version, is a 404; a POST (a revert) is a
    403 that changes nothing."""
    cells = {}
    for persona in ADMIN_USERS:
        rights = _rights(persona, model)
        row = {}
        for label in labels:
            bad = label in ("bad-object", "bad-version", "foreign-version")
            if not rights:
                row[label] = Expect((403, 404)) if bad else E(403)
            elif bad or not _visible(persona, model, label):
                row[label] = E(404)
            else:
                row[label] = E(200 if method == "GET" else 403)
        cells[persona] = row
    return _nobody_but_staff(cells, labels)


def admin_model_rows(model_label: str, model_admin) -> dict:
    app, name = model_label.split(".")
    base = f"admin/{app}/{name}/"
    primary = ADMIN_LABELS.get(model_label, ["alpha", "beta"])
    labels = [*primary, "malformed"]
    rights = {p: _rights(p, model_label) for p in ADMIN_USERS}
    has = lambda persona, letters: bool(set(letters) & set(rights[persona]))  # noqa: E731

    list_labels = (
        ["list", "filter-beta", "search-beta"] if model_label in FORCE_FILTER else ["list"]
    )
    changelist = _nobody_but_staff(
        {p: dict.fromkeys(list_labels, E(200 if has(p, "vc") else 403)) for p in ADMIN_USERS},
        list_labels,
    )
    add_get = _nobody_but_staff(
        {p: {"-": E(200 if has(p, "a") else 403)} for p in ADMIN_USERS}, ["-"]
    )
    rows = {
        f"admin:{app}_{name}_changelist": changelist,
        f"admin:{app}_{name}_add": {"GET": add_get},
        f"admin:{app}_{name}_change": {
            "GET": _object_view(model_label, labels, needs="vc"),
            "POST": _object_view(
                model_label,
                primary,
                needs="c",
                ok=SAVED_OR_RESHOWN,
            ),
        },
        f"admin:{app}_{name}_history": _object_view(model_label, labels, needs="vc"),
        f"admin:{app}_{name}_delete": {
            "GET": _object_view(model_label, labels, needs="d"),
            "POST": _object_view(model_label, primary, needs="d", ok=SAVED_OR_RESHOWN),
        },
        # The bare object URL only redirects to the change page: it looks nothing up, so
        # one object is enough.
        f"{base}<path:object_id>/": _nobody_but_staff(
            {p: {primary[0]: Expect(302, "re:/change/$")} for p in ADMIN_USERS}, primary[:1]
        ),
    }
    if model_label in VIEW_ONLY_MODELS or model_label == "inspections.membership":
        # Adding is refused (view-only models), or, for memberships, a membership of a
        # force the user does not manage is refused (the form is shown again).
        if model_label == "inspections.membership":
            add_post = {"inspector": 403, "superuser": W(302), "force_admin": 200}
        else:
            add_post = dict.fromkeys(ADMIN_USERS, 403)
        rows[f"admin:{app}_{name}_add"]["POST"] = _nobody_but_staff(
            {p: {"-": E(v)} for p, v in add_post.items()}, ["-"]
        )
    if isinstance(model_admin, SimpleHistoryAdmin):
        item_labels = [*primary, "bad-object", "bad-version", "foreign-version"]
        rows[f"admin:{app}_{name}_simple_history"] = {
            "GET": _history_item(model_label, item_labels, "GET"),
            "POST": _history_item(model_label, primary, "POST"),
        }
    if model_label == "auth.user":
        rows["admin:auth_user_password_change"] = _object_view(model_label, labels, needs="c")
    return rows


def _registered() -> dict[str, object]:
    return {m._meta.label_lower: ma for m, ma in admin.site._registry.items()}


ADMIN_MODELS = {}
for _label, _model_admin in _registered().items():
    if _label in ADMIN_RIGHTS:  # an unlisted model has no rows: the coverage test says so
        ADMIN_MODELS.update(admin_model_rows(_label, _model_admin))


EXPECTED: dict[str, dict] = {**PAGES, **ADMIN_SITE, **ADMIN_MODELS}


# Object labels that probe the admin's edges: asked as anonymous and as the admin
# personas; the other personas are stopped at the door before any of it matters.
PROBES = {
    "malformed",
    "filter-beta",
    "search-beta",
    "bad-object",
    "bad-version",
    "foreign-version",
    "no-url",
    "bad-params",
}


def _normalise(row) -> dict[str, dict[str, dict[str, Expect]]]:
    """{method: {persona: {label: Expect}}}; a bare persona table is GET only; a bare
    status is the same for every label ("-" for URLs without an object)."""
    methods = row if set(row) <= {"GET", "POST"} else {"GET": row}
    labels = []
    for cells in methods.values():
        for cell in cells.values():
            if isinstance(cell, dict):
                labels += [label for label in cell if label not in labels]
    labels = labels or [None]
    out = {}
    for method, cells in methods.items():
        out[method] = {}
        for persona, cell in cells.items():
            if not isinstance(cell, dict):
                cell = dict.fromkeys(labels, cell)
            if persona in NON_STAFF:
                # Probes (malformed ids, filters...) are for those who get past the door.
                cell = {k: v for k, v in cell.items() if k not in PROBES}
            out[method][persona] = cell
    return out


# --- 3. Where each key's parameters come from ---------------------------------------------


def _version(obj) -> int:
    return obj.history.order_by("history_id").first().history_id


def _admin_object(w, model: str, label: str):
    side = lambda: w.side(label.split("-")[0])  # noqa: E731
    getters = {
        "inspections.force": lambda: side().force,
        "inspections.membership": lambda: side().membership,
        "inspections.inspection": lambda: side().inspection,
        "inspections.judgment": lambda: side().judgments[1],
        "inspections.finding": lambda: side().finding,
        "inspections.followupreview": lambda: side().review,
        "improvements.action": lambda: side().action,
        "improvements.progressupdate": lambda: side().update,
        "improvements.evidence": lambda: (
            side().link_evidence if label.endswith("-link") else side().file_evidence
        ),
        "improvements.reminderrule": lambda: w.rules[0],
        "improvements.reminder": lambda: side().reminder,
        "improvements.notification": lambda: side().notification,
        "improvements.reminderpreference": lambda: side().preference,
        "auth.user": lambda: side().owner,
        "auth.group": lambda: w.group,
        "axes.accessattempt": lambda: w.extra[model],
        "axes.accesslog": lambda: w.extra[model],
        "axes.accessfailurelog": lambda: w.extra[model],
    }
    return getters[model]()


def _admin_target(model: str, view: str):
    def target(w, label):
        if view in ("changelist", "add"):
            if label == "filter-beta":
                return {"query": {FORCE_FILTER[model]: w.beta.force.pk}}
            if label == "search-beta":
                return {"query": {"q": "Beta"}}
            return {}
        if view == "simple_history":
            if label == "bad-object":
                obj = _admin_object(w, model, "alpha" if model in FORCE_FILTER else "rule")
                return {"args": ["abc", _version(obj)]}
            if label in ("bad-version", "foreign-version"):
                first = "alpha" if model in FORCE_FILTER or model == "auth.user" else "rule"
                obj = _admin_object(w, model, first)
                if label == "bad-version":
                    return {"args": [obj.pk, "abc"]}
                other = (
                    w.rules[1]
                    if model == "improvements.reminderrule"
                    else (_admin_object(w, model, "beta"))
                )
                return {"args": [obj.pk, _version(other)]}
            obj = _admin_object(w, model, label)
            return {"args": [obj.pk, _version(obj)]}
        if label == "malformed":
            return {"object_id": "abc", "id": "abc"}
        obj = _admin_object(w, model, label)
        return {"object_id": obj.pk, "id": obj.pk}

    return target


def _side_target(attr):
    return lambda w, label: {"pk": getattr(w.side(label.split("-")[0]), attr).pk}


def _board_target(w, label):
    return {} if label == "plain" else {"query": {"force": w.side(label).force.slug}}


PAGE_TARGETS = {
    "improvements:action-detail": _side_target("action"),
    "improvements:action-update": _side_target("action"),
    "improvements:action-decide": _side_target("action"),
    "improvements:action-assign": _side_target("action"),
    "improvements:action-edit": _side_target("action"),
    "improvements:action-extension": _side_target("action"),
    "improvements:extension-decide": _side_target("extension"),
    "improvements:evidence-download": lambda w, label: {
        "pk": (
            w.side(label.split("-")[0]).link_evidence
            if label.endswith("-link")
            else w.side(label).file_evidence
        ).pk
    },
    "improvements:inspection-detail": _side_target("inspection"),
    "improvements:inspection-plan": _side_target("inspection"),
    "improvements:inspection-response": _side_target("inspection"),
    "improvements:inspection-import": _side_target("inspection"),
    "people:member": _side_target("membership"),
    "people:member-role": _side_target("membership"),
    "people:member-deactivate": _side_target("membership"),
    "people:member-resend": _side_target("membership"),
    "people:welcome": lambda w, label: {"uidb64": "MQ", "token": "bad-token"},
    "improvements:finding-action-create": _side_target("finding"),
    "improvements:finding-submit": _side_target("finding"),
    "improvements:finding-decide": _side_target("finding"),
    "improvements:review-detail": _side_target("review"),
    "api:inspection-detail": _side_target("inspection"),
    "api:finding-detail": _side_target("finding"),
    "api:action-detail": _side_target("action"),
    "api:action-updates": _side_target("action"),
    "api:force-detail": _side_target("force"),
    "api:board": _board_target,
    "tokens:revoke": lambda w, label: {"prefix": w.extra["tokens"][label].prefix},
    "boards:review-pack": _side_target("review"),
    "boards:export-status": _side_target("export"),
    "boards:export-download": _side_target("export"),
    "improvements:action-list": lambda w, label: (
        {"query": {"scope": "all"}} if label == "all" else {}
    ),
    "boards:force-board": _board_target,
    "improvements:people": lambda w, label: (
        {"query": {"q": "a"}}
        if label == "plain"
        else {"query": {"q": "al", "force": w.side(label).force.slug}}
    ),
    "boards:export-csv": _board_target,
    "boards:export-xlsx": _board_target,
    "password_reset_confirm": lambda w, label: {"uidb64": "MQ", "token": "bad-token"},
    "admin:app_list": lambda w, label: {"app_label": label},
    "admin/(?P<url>.*)$": lambda w, label: {"url": "no-such-page/"},
    "admin:view_on_site": lambda w, label: {
        "content_type_id": ContentType.objects.get_for_model(
            Inspection if label == "no-url" else Action
        ).pk,
        "object_id": {
            "alpha": lambda: w.alpha.action.pk,
            "beta": lambda: w.beta.action.pk,
            "no-url": lambda: w.alpha.inspection.pk,
            "malformed": lambda: "abc",
        }[label](),
    },
    "admin:autocomplete": lambda w, label: {
        "query": {
            "review-judgments": {
                "app_label": "inspections",
                "model_name": "followupreview",
                "field_name": "judgments",
                "term": "Q2",
            },
            "membership-force": {
                "app_label": "inspections",
                "model_name": "membership",
                "field_name": "force",
                "term": "Police",
            },
            "bad-params": {"app_label": "inspections", "model_name": "nosuchmodel"},
        }[label]
    },
}

PAGE_TARGETS["api:evidence-download"] = PAGE_TARGETS["improvements:evidence-download"]


def target_for(key: str):
    if key in PAGE_TARGETS:
        return PAGE_TARGETS[key]
    if key == "admin:auth_user_password_change":
        return _admin_target("auth.user", "change")
    match = re.fullmatch(
        r"admin:(\w+?)_(\w+?)_(changelist|add|change|history|delete|simple_history)", key
    )
    if match:
        return _admin_target(f"{match[1]}.{match[2]}", match[3])
    match = re.fullmatch(r"admin/(\w+)/(\w+)/<path:object_id>/", key)
    if match:
        return _admin_target(f"{match[1]}.{match[2]}", "change")
    return lambda w, label: {}


# --- POST bodies -------------------------------------------------------------------------


def form_body(obj, **changes) -> dict:
    """What an admin change form would post for ``obj`` (with ``changes``)."""
    body = {}
    for name, value in model_to_dict(obj).items():
        if value is None or isinstance(value, db_models.fields.files.FieldFile):
            continue
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        body[name] = value
    body.update(changes)
    return body


EDIT = {
    "inspections.force": {"kind": "fire"},
    "inspections.membership": {"role": "manager"},
    "inspections.inspection": {"summary": "Rewritten"},
    "inspections.judgment": {"summary": "Rewritten"},
    "inspections.finding": {"text": "Rewritten"},
    "inspections.followupreview": {"note": "Rewritten"},
    "improvements.action": {"title": "Rewritten", "status": "completed"},
    "improvements.progressupdate": {"text": "Rewritten", "status_after": "completed"},
    "improvements.evidence": {"description": "Rewritten", "link": "https://example.org/x"},
    "improvements.reminderrule": {"offset_days": 3},
    "improvements.reminder": {"status": "sent"},
    "improvements.notification": {"status": "sent"},
    "improvements.reminderpreference": {"opt_out": "on"},
    "auth.user": {"is_superuser": "on"},
    "auth.group": {"name": "Rewritten"},
    "axes.accessattempt": {"username": "Rewritten"},
    "axes.accesslog": {"username": "Rewritten"},
    "axes.accessfailurelog": {"username": "Rewritten"},
}


PAGE_BODIES = {
    # ``request.POST or None``: an empty POST would be an unbound form (a GET).
    "improvements:reminder-preferences": {"opt_out": "True"},
    "improvements:finding-action-create": {"title": ""},
}


def post_body(key: str, w, label) -> dict:
    if not key.startswith("admin:") or key == "admin:auth_user_password_change":
        return PAGE_BODIES.get(key, {})
    match = re.fullmatch(r"admin:(\w+?)_(\w+?)_(change|delete|simple_history|add)", key)
    if match:
        model, view = f"{match[1]}.{match[2]}", match[3]
        if view == "delete":
            return {"post": "yes"}
        if view == "add":
            return {
                "inspections.membership": lambda: {
                    "user": w.users["staff"].pk,
                    "force": w.beta.force.pk,
                    "role": "manager",
                },
                "improvements.action": lambda: {
                    "finding": w.alpha.finding.pk,
                    "title": "Slipped in",
                    "owner": w.users["owner"].pk,
                    "due_date": "2030-01-01",
                    "status": "not_started",
                    "priority": "medium",
                },
                "improvements.progressupdate": lambda: {
                    "action": w.alpha.action.pk,
                    "author": w.users["owner"].pk,
                    "text": "Slipped in",
                    "status_after": "completed",
                },
                "improvements.evidence": lambda: {
                    "action": w.alpha.action.pk,
                    "link": "https://example.org/slipped",
                    "uploaded_by": w.users["owner"].pk,
                },
            }[model]()
        obj = _admin_object(w, model, label)
        if view == "simple_history":
            # What a revert posts: the old version's values.
            record = obj.history.order_by("history_id").first()
            return form_body(record.instance)
        return form_body(obj, **EDIT[model])
    return {}


# --- 4. The world and the cases ------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end;
    each case runs in its own savepoint (pytest-django's ``db``, nested inside), so a
    write in one case never reaches the next."""
    quiet = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.CRITICAL)
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        # One session per persona, reused by every case (a login per case is slow).
        for persona, user in world.users.items():
            if user is not None:
                client = Client()
                client.force_login(user)
                world.extra[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield world
        transaction.set_rollback(True)
    for logger, level in zip(quiet, levels, strict=True):
        logger.setLevel(level)


@dataclass(frozen=True)
class Case:
    key: str
    method: str
    persona: str
    label: str | None
    expect: Expect

    @property
    def id(self) -> str:
        label = f"|{self.label}" if self.label else ""
        return f"{self.key}|{self.method}|{self.persona}{label}"


def _cases() -> list[Case]:
    cases = []
    for key, row in EXPECTED.items():
        for method, cells in _normalise(row).items():
            for persona, by_label in cells.items():
                for label, expect in by_label.items():
                    cases.append(Case(key, method, persona, label, E(expect)))
    return cases


CASES = _cases()

# What a refused write must leave as it was. Every kept model (simple-history) gains a
# history row on any save, so counting rows catches a change to one of those; the rest
# (the ledger, snapshots, preferences, users) are compared row by row.
HISTORY_MODELS = [
    Force,
    Membership,
    Inspection,
    Judgment,
    Finding,
    FollowUpReview,
    Action,
    Evidence,
    ReminderRule,
]


def _counted_models():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    return [
        *HISTORY_MODELS,
        *(m.history.model for m in HISTORY_MODELS),
        FollowUpReview.judgments.through,
        FollowUpReview.findings.through,
        Action.contributors.through,
        ProgressUpdate,
        Reminder,
        ReminderPreference,
        DailySnapshot,
        User,
        User.groups.through,
        User.user_permissions.through,
        Group,
        Group.permissions.through,
    ]


def fingerprint() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    tables = [m._meta.db_table for m in _counted_models()]
    quote_name = connection.ops.quote_name
    # Table names from the models' own metadata, quoted: nothing here comes from outside.
    counts_sql = ", ".join(f"(SELECT COUNT(*) FROM {quote_name(t)})" for t in tables)  # noqa: S608
    sql = "SELECT " + counts_sql
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    return {
        "counts": counts,
        "reminders": list(Reminder.objects.order_by("pk").values()),
        "snapshots": list(DailySnapshot.objects.order_by("pk").values()),
        "preferences": list(ReminderPreference.objects.order_by("pk").values()),
        "users": list(
            get_user_model()
            .objects.order_by("pk")
            .values("pk", "username", "password", "is_active", "is_staff", "is_superuser")
        ),
    }


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        # Reading to the end closes the response inside the test client (which keeps
        # the test's database connection open); closing it again here would fire
        # request_finished outside it and close the connection on PostgreSQL.
        return b"".join(response.streaming_content)
    return response.content


def _home_force(persona: str) -> str | None:
    if persona in ALPHA_USERS:
        return "alpha"
    if persona in BETA_USERS:
        return "beta"
    return None


def check(case: Case, response, before=None, after=None) -> list[str]:
    problems = []
    expect = case.expect
    status = response.status_code
    if status not in expect.statuses:
        exc = getattr(response, "exc_info", None)
        detail = f" ({exc[0].__name__}: {exc[1]})" if exc else ""
        problems.append(f"status {status}, expected {expect}{detail}")
    if status in (301, 302) and status in expect.statuses and expect.location:
        location = response.get("Location", "")
        if expect.location.startswith("re:"):
            ok = re.search(expect.location[3:], location)
        else:
            ok = location.startswith(reverse(expect.location))
        if not ok:
            problems.append(f"redirects to {location!r}, expected {expect.location}")
    home = _home_force(case.persona)
    if home and status == 200:
        other = "beta" if home == "alpha" else "alpha"
        body = _content(response)
        for secret in SECRETS[other]:
            if secret.encode() in body:
                problems.append(f"shows {other.title()}'s {secret!r}")
    if before is not None and before != after:
        changed = sorted(
            name
            for part in before
            for name in (
                [t for t in before[part] if before[part][t] != after[part][t]]
                if part == "counts"
                else ([part] if before[part] != after[part] else [])
            )
        )
        problems.append(f"changed the database: {', '.join(changed)}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_access(case, world):
    client = Client(raise_request_exception=False)
    if case.persona in world.extra:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.extra[case.persona]
    values = target_for(case.key)(world, case.label)
    url = build_url(INVENTORY[case.key].route, values)
    # The substitution is right: the URL resolves to the pattern under test.
    assert resolve(url).route == re.sub(r"(^|/)\^", r"\1", INVENTORY[case.key].route), url
    if values.get("query"):
        url += "?" + urlencode(values["query"])
    if case.method == "GET":
        response = client.get(url)
        problems = check(case, response)
    else:
        before = None if case.expect.writes else fingerprint()
        response = client.post(url, post_body(case.key, world, case.label))
        after = None if case.expect.writes else fingerprint()
        problems = check(case, response, before, after)
    if problems:
        # No traceback: the message says it all (and formatting one is slow).
        pytest.fail(f"{case.method} {url} as {case.persona}: " + "; ".join(problems), pytrace=False)


# --- 5. Coverage -------------------------------------------------------------------------


def test_every_url_pattern_has_a_row():
    missing = sorted(set(INVENTORY) - set(EXPECTED))
    assert not missing, f"URL patterns without a row in EXPECTED: {missing}"


def test_every_row_names_a_url_pattern():
    stale = sorted(set(EXPECTED) - set(INVENTORY))
    assert not stale, f"rows in EXPECTED for URL patterns that no longer exist: {stale}"


def test_every_registered_model_admin_has_rights_and_its_urls():
    registered = _registered()
    assert set(registered) == set(ADMIN_RIGHTS), "ADMIN_RIGHTS must list every registered model"
    for label, model_admin in registered.items():
        app, name = label.split(".")
        views = ["changelist", "add", "change", "history", "delete"]
        if isinstance(model_admin, SimpleHistoryAdmin):
            views.append("simple_history")
        for view in views:
            assert f"admin:{app}_{name}_{view}" in INVENTORY, (label, view)
        assert f"admin/{app}/{name}/<path:object_id>/" in INVENTORY, label


def test_every_row_names_every_persona_for_alpha_and_beta():
    for key, row in EXPECTED.items():
        for method, cells in _normalise(row).items():
            assert set(cells) == set(PERSONAS), (key, method)
            # Anonymous and the admin personas: every object label.
            labels = {p: frozenset(cells[p]) for p in ["anonymous", *ADMIN_USERS]}
            assert len(set(labels.values())) == 1, (key, method, labels)
            full = labels["anonymous"]
            for persona in NON_STAFF:
                mine = set(cells[persona])
                if key.startswith("admin"):
                    # Stopped at the admin's door: at least one object, no probes.
                    assert mine and mine <= full - PROBES, (key, method, persona, mine)
                else:
                    assert mine == full - PROBES, (key, method, persona, mine)


def test_the_inventory_is_the_whole_site():
    """Spot checks that the walk reached everything the brief names."""
    for key in [
        "home",
        "accessibility",
        "login",
        "password_reset",
        "boards:national",
        "improvements:action-detail",
        "admin:index",
        "admin:autocomplete",
        "admin:jsi18n",
        "admin:view_on_site",
        "admin:app_list",
        "admin/(?P<url>.*)$",
        "admin:inspections_inspection_import",
        "admin:inspections_inspection_import_confirm",
        "admin:improvements_action_simple_history",
        "admin:auth_user_password_change",
    ]:
        assert key in INVENTORY, key


# --- 6. What the matrix cannot say in a status code ----------------------------------------


def _staff_client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_force_admin_changelists_list_only_alpha_rows(world):
    client = _staff_client(world.users["force_admin"])
    for label, model in [
        ("inspections.inspection", Inspection),
        ("inspections.judgment", Judgment),
        ("inspections.finding", Finding),
        ("inspections.followupreview", FollowUpReview),
        ("improvements.action", Action),
        ("improvements.progressupdate", ProgressUpdate),
        ("improvements.evidence", Evidence),
        ("improvements.reminder", Reminder),
        ("inspections.membership", Membership),
        ("inspections.force", Force),
    ]:
        app, name = label.split(".")
        response = client.get(reverse(f"admin:{app}_{name}_changelist"))
        assert response.status_code == 200, label
        shown = {obj.pk for obj in response.context["cl"].result_list}
        alpha = set(model.objects.for_force(world.alpha.force).values_list("pk", flat=True))
        assert shown and shown <= alpha, (label, shown, alpha)


def test_autocomplete_offers_a_force_admin_only_their_own_forces_judgments(world):
    url = (
        reverse("admin:autocomplete")
        + "?"
        + urlencode(
            {
                "app_label": "inspections",
                "model_name": "followupreview",
                "field_name": "judgments",
                "term": "Q2",
            }
        )
    )
    response = _staff_client(world.users["force_admin"]).get(url)
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {world.alpha.judgments[2].pk}

    response = _staff_client(world.users["inspector"]).get(url)
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {world.alpha.judgments[2].pk, world.beta.judgments[2].pk}


def test_force_admin_cannot_add_a_membership_of_another_force(world):
    client = _staff_client(world.users["force_admin"])
    before = Membership.objects.count()
    response = client.post(
        reverse("admin:inspections_membership_add"),
        {"user": world.users["staff"].pk, "force": world.beta.force.pk, "role": "manager"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get("force")
    assert Membership.objects.count() == before
    assert not Membership.objects.filter(user=world.users["staff"], force=world.beta.force).exists()


def test_view_only_admin_change_forms_change_nothing(world):
    for user in ("inspector", "superuser"):
        client = _staff_client(world.users[user])
        for model, obj in [
            ("improvements.action", world.alpha.action),
            ("improvements.progressupdate", world.alpha.update),
            ("improvements.evidence", world.alpha.file_evidence),
        ]:
            app, name = model.split(".")
            before = type(obj)._base_manager.filter(pk=obj.pk).values().get()
            response = client.post(
                reverse(f"admin:{app}_{name}_change", args=[obj.pk]), form_body(obj, **EDIT[model])
            )
            assert response.status_code == 403, (user, model)
            assert type(obj)._base_manager.filter(pk=obj.pk).values().get() == before


def test_simple_history_records_exist_for_the_history_items(world):
    """The history-item rows are only meaningful if there is an older record to revert to."""
    for obj in (world.alpha.action, world.alpha.finding, world.beta.review, world.rules[0]):
        assert obj.history.count() >= 2, obj
    assert issubclass(Action.history.model, HistoricalChanges)
