"""The people and the rows of the access matrix (tests/test_access_matrix.py).

Two forces, Alpha and Beta, each with an inspection (judgments 0, 1 and 2), a finding,
an action, progress updates, a link evidence and a file evidence, a follow-up review,
memberships, a reminder, a reminder preference, a daily snapshot and history records;
plus two service-wide reminder rules. Built once per module (see ``world`` in the test
module), read by every case.

Personas (``World.users``):

- ``anonymous``: nobody logged in;
- ``owner``: Alpha staff who owns Alpha's action;
- ``staff``: Alpha staff who does not;
- ``contributor``: Alpha staff in the action's contributors;
- ``manager``: Alpha's manager (the action's lead);
- ``beta_staff`` / ``beta_manager``: staff and manager of Beta (Beta's action is owned by
  another Beta user, so ``beta_staff`` is to Beta what ``staff`` is to Alpha);
- ``inspector``: in the Inspectors group, ``is_staff``;
- ``superuser``;
- ``force_admin``: Alpha's force administrator (the admin role) with ``is_staff`` and every model permission
  of the inspections and improvements apps: "a force user with admin access".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from improvements import services
from improvements.models import (
    DailySnapshot,
    Evidence,
    ExportJob,
    ExtensionRequest,
    Notification,
    Reminder,
    ReminderPreference,
    ReminderRule,
)
from inspections.models import Membership

from .factories import (
    ActionFactory,
    FindingFactory,
    FollowUpReviewFactory,
    ForceFactory,
    InspectionFactory,
    JudgmentFactory,
    MembershipFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

PERSONAS = [
    "anonymous",
    "owner",
    "staff",
    "contributor",
    "manager",
    "beta_staff",
    "beta_manager",
    "inspector",
    "superuser",
    "force_admin",
]
ALPHA_USERS = ["owner", "staff", "contributor", "manager", "force_admin"]
BETA_USERS = ["beta_staff", "beta_manager"]
FORCE_USERS = ALPHA_USERS + BETA_USERS
NON_STAFF = ["owner", "staff", "contributor", "manager", "beta_staff", "beta_manager"]
ADMIN_USERS = ["inspector", "superuser", "force_admin"]

# Strings that only the other force's pages may show: an Alpha user's response never
# contains Beta's, and the other way round.
SECRETS = {
    "alpha": ["Alpha Police", "Alpha secret action"],
    "beta": ["Beta Police", "Beta secret action"],
}


@dataclass
class Side:
    """One force's rows."""

    force: object
    inspection: object
    judgments: dict
    finding: object
    action: object
    update: object
    link_evidence: object
    file_evidence: object
    review: object
    membership: object
    reminder: object
    preference: object
    snapshot: object
    owner: object
    export: object  # a ready download, the side's manager's
    notification: object = None  # an outbox row, the owner's
    extension: object = None  # the owner's pending request for more time


@dataclass
class World:
    users: dict
    alpha: Side
    beta: Side
    rules: list
    group: object
    extra: dict = field(default_factory=dict)

    def side(self, name: str) -> Side:
        return {"alpha": self.alpha, "beta": self.beta}[name]


def _user(username, **kwargs):
    return UserFactory(username=username, first_name=username.title(), last_name="Tester", **kwargs)


def _side(name, force, owner, manager, rule):
    title = name.title()
    inspection = InspectionFactory(force=force, programme=f"PEEL 20{15 if name == 'alpha' else 16}")
    judgments = {
        0: JudgmentFactory(inspection=inspection, number=0, question="Overall?", grade="good"),
        1: JudgmentFactory(inspection=inspection, number=1, grade="requires_improvement"),
        2: JudgmentFactory(inspection=inspection, number=2, grade="good"),
    }
    finding = FindingFactory(judgment=judgments[1], reference="Q1-AFI-1")
    action = ActionFactory(
        finding=finding, owner=owner, lead=manager, title=f"{title} secret action"
    )
    update = services.progress_update_add(
        action=action,
        by=owner,
        text="Link to the plan",
        evidence_link=f"https://example.org/{name}/plan",
        evidence_description=f"{title} plan link",
    )
    link_evidence = Evidence.objects.get(update=update)
    action.refresh_from_db()
    file_update = services.progress_update_add(
        action=action,
        by=owner,
        text="The minutes",
        evidence_file=SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf"),
        evidence_description=f"{title} minutes",
    )
    file_evidence = Evidence.objects.get(update=file_update)
    action.refresh_from_db()
    review = FollowUpReviewFactory(inspection=inspection, title=f"{title} review")
    review.judgments.add(judgments[1], judgments[2])
    today = timezone.localdate()
    reminder = Reminder.objects.create(
        rule=rule,
        subject=f"action:{action.pk}",
        action=action,
        force=force,
        recipient=owner,
        anchor_date=today,
        digest_date=today,
    )
    preference = ReminderPreference.objects.create(user=owner)
    extension = ExtensionRequest.objects.create(
        action=action,
        requested_by=owner,
        due_date=action.due_date + datetime.timedelta(days=30),
        reason="The supplier slipped",
    )
    notification = Notification.objects.create(
        event="action_assigned",
        recipient=owner,
        force=force,
        action=action,
        subject=f"{title}: an action is yours",
        body="Hello",
    )
    snapshot = DailySnapshot.objects.create(
        force=force, date=today - datetime.timedelta(days=1), open_count=1
    )
    membership = Membership.objects.get(user=owner, force=force)
    export = ExportJob.objects.create(
        user=manager,
        force=force,
        kind=ExportJob.Kind.EVIDENCE_PACK,
        review=review,
        filename=f"{name}-pack.pdf",
        state=ExportJob.State.READY,
    )
    export.file.save(f"{name}-pack.pdf", ContentFile(PDF))
    # A second history record for every kept model, so that a history item (the first
    # record) differs from the row as it now is.
    for obj in (force, inspection, *judgments.values(), finding, review, membership):
        obj.save()
    action.save()
    return Side(
        force=force,
        inspection=inspection,
        judgments=judgments,
        finding=finding,
        action=action,
        update=update,
        link_evidence=link_evidence,
        file_evidence=file_evidence,
        review=review,
        membership=membership,
        reminder=reminder,
        preference=preference,
        snapshot=snapshot,
        owner=owner,
        export=export,
        notification=notification,
        extension=extension,
    )


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def build_world() -> World:
    alpha = ForceFactory(name="Alpha Police", slug="alpha-police")
    beta = ForceFactory(name="Beta Police", slug="beta-police")

    def member(username, force, role=Membership.Role.STAFF, **kwargs):
        user = _user(username, **kwargs)
        MembershipFactory(user=user, force=force, role=role)
        return user

    users = {
        "anonymous": None,
        "owner": member("bob", alpha),
        "staff": member("carol", alpha),
        "contributor": member("dan", alpha),
        "manager": member("alice", alpha, Membership.Role.MANAGER),
        "beta_staff": member("charlie", beta),
        "beta_manager": member("erin", beta, Membership.Role.MANAGER),
        "inspector": _user("inspector", inspector=True),
        "superuser": _user("root", is_staff=True, is_superuser=True),
        "force_admin": member("fran", alpha, Membership.Role.ADMIN, is_staff=True),
    }
    users["force_admin"].is_staff = True
    users["force_admin"].save()
    users["force_admin"].user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["inspections", "improvements"])
    )
    beta_owner = member("dave", beta)

    rules = [
        ReminderRule.objects.create(
            name="Matrix rule: due in a week", anchor="due_date", offset_days=-7, audience="owner"
        ),
        ReminderRule.objects.create(
            name="Matrix rule: overdue", anchor="due_date", offset_days=1, audience="lead"
        ),
    ]
    rules[0].save()  # a second history record

    alpha_side = _side("alpha", alpha, users["owner"], users["manager"], rules[0])
    alpha_side.action.contributors.add(users["contributor"])
    beta_side = _side("beta", beta, beta_owner, users["beta_manager"], rules[0])
    group = Group.objects.get(name="Inspectors")
    world = World(users=users, alpha=alpha_side, beta=beta_side, rules=rules, group=group)
    # django-axes' records (the lockout's), service-wide, for the superuser alone.
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {
        "user_agent": "matrix",
        "ip_address": "10.0.0.9",
        "username": "someone",
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
    }
    world.extra["axes.accessattempt"] = AccessAttempt.objects.create(
        **seen, get_data="", post_data="", failures_since_start=3
    )
    world.extra["axes.accesslog"] = AccessLog.objects.create(**seen)
    world.extra["axes.accessfailurelog"] = AccessFailureLog.objects.create(**seen)
    # API tokens: Alpha's owner's and Beta's owner's (only its maker may revoke one).
    from api.tokens import token_create

    world.extra["tokens"] = {
        "alpha": token_create(user=users["owner"], name="Alpha owner's token")[0],
        "beta": token_create(user=beta_owner, name="Beta owner's token")[0],
    }
    return world
