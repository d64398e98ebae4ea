"""The demo: Staffordshire Police's PEEL 2015 effectiveness inspection with live actions,
and a small second force so that scoping can be seen.

Everything is keyed on natural keys (usernames, force names, finding references,
action titles), so loading it again adds nothing. Dates are placed relative to today so
the picture is alive whenever it is loaded.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from improvements.boards.tasks import snapshots_backfill, snapshots_record
from improvements.models import Action, Evidence, Status
from improvements.services import (
    action_change_status,
    action_create,
    action_sign_off,
    progress_update_add,
)
from inspections.canonical import inspection_save_canonical
from inspections.models import Finding, FollowUpReview, Force, Inspection, Membership

DATA_DIR = Path(__file__).resolve().parent.parent / "inspections" / "data"
SEED_JSON = DATA_DIR / "staffordshire-peel-effectiveness-2015.expected.json"

STAFFORDSHIRE = "Staffordshire Police"
OTHER_FORCE = "Northmoor Police"  # fictional

# username, first, last, force, role (None: inspector)
USERS = [
    ("inspector", "Isla", "Reid", None, None),
    ("manager", "Mark", "Okafor", STAFFORDSHIRE, Membership.Role.MANAGER),
    ("officer", "Olivia", "Hughes", STAFFORDSHIRE, Membership.Role.STAFF),
    ("analyst", "Aaron", "Patel", STAFFORDSHIRE, Membership.Role.STAFF),
    ("supt.lead", "Sarah", "Brennan", STAFFORDSHIRE, Membership.Role.MANAGER),
    ("outsider", "Owen", "Price", OTHER_FORCE, Membership.Role.STAFF),
    ("northmoor.lead", "Nadia", "Shah", OTHER_FORCE, Membership.Role.MANAGER),
    ("staffs.admin", "Priya", "Kaur", STAFFORDSHIRE, Membership.Role.ADMIN),
]
PRINTED_LOGINS = ["inspector", "manager", "officer", "outsider", "northmoor.lead", "staffs.admin"]


@dataclass
class DemoAction:
    reference: str
    title: str
    owner: str
    due: int  # days from today
    story: str  # see _play_story
    lead: str = "supt.lead"
    contributors: tuple[str, ...] = ()


STAFFORDSHIRE_ACTIONS = [
    DemoAction(
        "Q1-AFI-1",
        "Set up a prevention evidence panel with academic and partner input",
        "officer",
        -18,
        "in_progress_with_link",
        contributors=("analyst",),
    ),
    DemoAction("Q1-AFI-1", "Evaluate prevention tactics each quarter", "analyst", 45, "new"),
    DemoAction(
        "Q2-AFI-1",
        "Refresh the scene attendance checklist and brief response officers",
        "officer",
        6,
        "in_progress",
    ),
    DemoAction(
        "Q2-AFI-2",
        "Publish a crime allocation policy matched to investigator accreditation",
        "officer",
        -3,
        "completed",
    ),
    DemoAction(
        "Q2-AFI-3",
        "Run a quarterly audit of investigation quality and timeliness",
        "analyst",
        20,
        "stale",
    ),
    DemoAction(
        "Q2-AFI-4",
        "Record supervisory reviews of investigations at 7 and 28 days",
        "officer",
        -9,
        "new",
    ),
    DemoAction(
        "Q2-AFI-4",
        "Train sergeants in active supervision of investigations",
        "officer",
        -30,
        "signed_off",
    ),
    DemoAction(
        "Q4-AFI-1",
        "Produce serious and organised crime local profiles with partner data",
        "analyst",
        60,
        "in_progress_with_link",
    ),
    DemoAction(
        "Q4-AFI-2",
        "Brief neighbourhood teams on identifying organised crime groups",
        "officer",
        11,
        "in_progress",
    ),
    DemoAction(
        "Q4-AFI-3",
        "Adopt a measure of the impact of disruption activity",
        "analyst",
        90,
        "new",
    ),
    DemoAction(
        "Q4-AFI-3",
        "Hold structured debriefs after organised crime operations",
        "officer",
        25,
        "blocked",
    ),
]

OTHER_INSPECTION = {
    "force": OTHER_FORCE,
    "programme": "PEEL 2023–2025",
    "pillar": "",
    "grading_scale": ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"],
    "overall": {"question": "Overall", "grade": ""},
    "judgments": [
        {"number": 1, "question": "Responding to the public", "grade": "Adequate"},
        {"number": 2, "question": "Investigating crime", "grade": "Requires improvement"},
    ],
    "findings": [
        {
            "kind": "area_for_improvement",
            "question": 1,
            "text": "The force should answer non-emergency calls within its target time.",
        },
        {
            "kind": "cause_of_concern",
            "question": 2,
            "text": "The force does not supervise investigations well enough.",
        },
        {
            "kind": "recommendation",
            "question": 2,
            "text": "Within six months, the force should make sure supervisors review "
            "investigations regularly.",
            "parent": "Q2-COC-1",
            "deadline": "within six months",
        },
    ],
    "follow_up_reviews": [
        {
            "questions": [2],
            "note": "The inspectorate revisits the cause of concern about supervision.",
        }
    ],
}


def _at(days_ago: int, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class DemoLoader:
    def __init__(self, password: str | None, stdout=None):
        self.password = password
        self.log = stdout.write if stdout else (lambda _msg: None)
        self.users = {}
        self.passwords = {}
        self.today = timezone.localdate()

    @transaction.atomic
    def run(self) -> dict[str, str]:
        from django.utils import timezone as tz

        from improvements.models import Notification

        started = tz.now()
        self._users()
        staffs = self._staffordshire()
        other = self._other_force()
        self._memberships()
        self._other_force_action(other)
        self._actions(staffs)
        # A trend for the board: past days estimated from timestamps, then today.
        snapshots_backfill(56)
        snapshots_record(self.today)
        # Loading the demo is not news: the emails its story would have sent are dropped
        # (what happens in the demo afterwards is told as usual).
        Notification.objects.filter(created_at__gte=started).delete()
        return self.passwords

    def _users(self):
        User = get_user_model()
        inspectors = Group.objects.get(name=settings.INSPECTORS_GROUP)
        for username, first, last, _force, role in USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.police.uk",
                },
            )
            password = self.password or secrets.token_urlsafe(9)
            user.set_password(password)
            user.is_active = True
            if role is None:
                user.is_staff = True
                user.save()
                user.groups.add(inspectors)
            else:
                user.save()
            self.passwords[username] = password
            self.users[username] = user

    def _staffordshire(self) -> Inspection:
        data = json.loads(SEED_JSON.read_text(encoding="utf-8"))
        result = inspection_save_canonical(
            data,
            title="PEEL: Police effectiveness 2015 – Staffordshire Police",
            published=date(2016, 2, 18),
            fieldwork_start=date(2015, 9, 1),
            fieldwork_end=date(2015, 11, 30),
            summary=(
                "Staffordshire Police’s overall approach to keeping people safe and reducing "
                "crime requires improvement. Source: HMIC, PEEL: Police effectiveness 2015, "
                "Open Government Licence v3.0."
            ),
        )
        inspection = result.inspection
        review = inspection.follow_up_reviews.first()
        if review is not None and review.evidence_due is None:
            review.evidence_due = self.today + timedelta(days=35)
            review.review_date = self.today + timedelta(days=63)
            review.status = FollowUpReview.Status.SCHEDULED
            review.save()
        return inspection

    def _other_force(self):
        """Northmoor (fictional): a cause of concern with its recommendation, published
        six weeks ago (so the PCC's response is due soon), and a follow-up review of the
        concern's question, half ready."""
        result = inspection_save_canonical(
            OTHER_INSPECTION,
            title="PEEL 2023–2025 – Northmoor Police (fictional demo force)",
            published=self.today - timedelta(days=42),
        )
        inspection = result.inspection
        review = inspection.follow_up_reviews.first()
        if review is not None and review.evidence_due is None:
            review.title = "Revisit of the cause of concern (Q2)"
            review.evidence_due = self.today + timedelta(days=28)
            review.review_date = self.today + timedelta(days=49)
            review.status = FollowUpReview.Status.SCHEDULED
            review.save()
        return inspection

    def _other_force_action(self, inspection):
        lead, staff = self.users["northmoor.lead"], self.users["outsider"]
        finding = inspection.findings.get(reference="Q1-AFI-1")
        if not Action.objects.filter(finding=finding).exists():
            action_create(
                finding=finding,
                title="Recruit call handlers for the non-emergency line",
                owner=staff,
                due_date=self.today + timedelta(days=30),
                by=lead,
            )
        concern = inspection.findings.get(kind=Finding.Kind.CAUSE_OF_CONCERN)
        if not Action.objects.filter(finding=concern).exists():
            action = action_create(
                finding=concern,
                title="Appoint a detective inspector to lead investigation standards",
                owner=staff,
                lead=lead,
                due_date=self.today + timedelta(days=20),
                by=lead,
            )
            progress_update_add(
                action=action,
                by=staff,
                text="Post advertised; interviews next week.",
                to_status=Status.IN_PROGRESS,
                at=_at(6),
            )
        recommendation = inspection.findings.get(kind=Finding.Kind.RECOMMENDATION)
        if not Action.objects.filter(finding=recommendation).exists():
            action = action_create(
                finding=recommendation,
                title="Monthly supervisor reviews of every open investigation",
                owner=staff,
                lead=lead,
                due_date=self.today + timedelta(days=10),
                by=lead,
            )
            progress_update_add(
                action=action,
                by=staff,
                text="Supervisors briefed; the first cycle of reviews has started.",
                to_status=Status.IN_PROGRESS,
                at=_at(30),
            )
            action.refresh_from_db()
            progress_update_add(
                action=action,
                by=staff,
                text="Reviews running since last month; the audit of the first cycle is attached.",
                to_status=Status.COMPLETED,
                evidence_link="https://intranet.northmoor.example/audit/supervision",
                evidence_description="First-cycle audit of supervisor reviews",
                at=_at(4),
            )
            action.refresh_from_db()
            action_sign_off(action=action, by=lead, note="Audit seen: reviews happen.", at=_at(2))

    def _memberships(self):
        for username, _first, _last, force_name, role in USERS:
            if force_name is None:
                continue
            membership, _ = Membership.objects.get_or_create(
                user=self.users[username],
                force=Force.objects.get(name=force_name),
                defaults={"role": role},
            )
            if membership.role != role:
                membership.role = role
                membership.save()
        # Role caches on the user objects are now stale.
        for user in self.users.values():
            user.__dict__.pop("_peel_roles", None)

    def _actions(self, inspection: Inspection):
        for spec in STAFFORDSHIRE_ACTIONS:
            finding = Finding.objects.get(inspection=inspection, reference=spec.reference)
            if Action.objects.filter(finding=finding, title=spec.title).exists():
                continue
            action = action_create(
                finding=finding,
                title=spec.title,
                description=f"Answers {finding.reference}: {finding.text}",
                owner=self.users[spec.owner],
                lead=self.users[spec.lead],
                due_date=self.today + timedelta(days=spec.due),
                by=self.users["manager"],
                contributors=[self.users[name] for name in spec.contributors],
            )
            Action.objects.filter(pk=action.pk).update(created_at=_at(75))
            action.created_at = _at(75)
            self._play_story(action, spec)

    def _play_story(self, action: Action, spec: DemoAction):
        owner = self.users[spec.owner]
        manager = self.users["manager"]
        if spec.story == "new":
            return
        start = {
            "stale": 45,
        }.get(spec.story, 40)
        progress_update_add(
            action=action,
            by=owner,
            text="Work started: scoped the task with the lead and agreed milestones.",
            to_status=Status.IN_PROGRESS,
            at=_at(start),
        )
        if spec.story == "stale":
            return
        if spec.story in (
            "in_progress",
            "in_progress_with_link",
            "blocked",
            "completed",
            "signed_off",
        ):
            progress_update_add(
                action=action,
                by=owner,
                text="Draft circulated to the tactical lead and partners for comment.",
                evidence_link=(
                    "https://intranet.example.police.uk/peel/"
                    f"{action.finding.reference.lower()}/draft"
                    if spec.story == "in_progress_with_link"
                    else ""
                ),
                evidence_description="Draft for comment (intranet)",
                at=_at(30 if spec.story == "signed_off" else 12),
            )
        if spec.story == "blocked":
            progress_update_add(
                action=action,
                by=owner,
                text="Waiting for the regional organised crime unit to share debrief data.",
                to_status=Status.BLOCKED,
                at=_at(4),
            )
        if spec.story in ("completed", "signed_off"):
            progress_update_add(
                action=action,
                by=owner,
                text="Done: the final version is published and briefed to all teams.",
                to_status=Status.COMPLETED,
                evidence_link=(
                    f"https://intranet.example.police.uk/peel/{action.finding.reference.lower()}"
                ),
                evidence_description="Published version (intranet)",
                at=_at(5 if spec.story == "completed" else 25),
            )
        if spec.story == "signed_off":
            action_change_status(
                action=action,
                to=Status.SIGNED_OFF,
                by=manager,
                reason="Checked against the finding: evidence is complete.",
                at=_at(20),
            )


def demo_counts() -> dict[str, int]:
    return {
        "forces": Force.objects.count(),
        "inspections": Inspection.objects.count(),
        "findings": Finding.objects.count(),
        "actions": Action.objects.count(),
        "evidence": Evidence.objects.count(),
    }
