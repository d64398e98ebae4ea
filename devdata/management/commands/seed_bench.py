"""A synthetic dataset in bulk, for tests of scale and for ``bench``.

    python manage.py seed_bench --forces 5 --actions-per-force 400

Each force gets managers and staff with memberships, two to four inspections (four-grade
and five-grade scales) with graded judgments and findings (areas for improvement, a cause
of concern with its recommendation), a follow-up review on its latest inspection, actions
with a realistic spread of statuses, due dates and owners, progress updates, link evidence
on finished actions, and an estimated history of daily snapshots. Everything is written
with ``bulk_create`` in one transaction: 5 × 400 takes a few seconds. Running it again adds
new forces beside the old ones. The users cannot sign in unless ``--password`` is given.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from improvements.boards import cache as board_cache
from improvements.boards.tasks import snapshots_backfill, snapshots_record
from improvements.models import (
    Action,
    Evidence,
    Priority,
    ProgressUpdate,
    Status,
)
from inspections.models import (
    SCALE_GRADES,
    Finding,
    FollowUpReview,
    Force,
    Grade,
    GradingScale,
    Inspection,
    Judgment,
    Membership,
)

PLACES = [
    "Avonmere",
    "Blackwater",
    "Carrick",
    "Dunmore",
    "Eastfield",
    "Fenwick",
    "Glenholm",
    "Harrowdale",
    "Ironbridge",
    "Kestrel Vale",
    "Lowmoor",
    "Marchbank",
    "Northfold",
    "Oakhurst",
    "Penmarsh",
    "Queensbury",
    "Ravensmoor",
    "Saltcombe",
    "Thornbury",
    "Upwood",
]
FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ellen",
    "Farid",
    "Grace",
    "Harry",
    "Imogen",
    "Jamal",
    "Kate",
    "Liam",
    "Maya",
    "Niall",
    "Olu",
    "Priya",
    "Rory",
    "Sian",
    "Tom",
    "Zara",
]
LAST = [
    "Ahmed",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Fisher",
    "Green",
    "Hussain",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nolan",
    "Owen",
    "Patel",
    "Quinn",
    "Roberts",
    "Shah",
    "Taylor",
    "Walker",
    "Young",
]
QUESTIONS_2014 = [
    "How effective is the force at preventing crime and anti-social behaviour?",
    "How effective is the force at investigating crime and managing offenders?",
    "How effective is the force at protecting those who are vulnerable?",
    "How effective is the force at tackling serious and organised crime?",
]
QUESTIONS_2021 = [
    "Engaging with and treating the public with fairness and respect",
    "Preventing crime and anti-social behaviour",
    "Responding to the public",
    "Investigating crime",
    "Protecting vulnerable people",
]
PROGRAMMES = [
    ("PEEL 2015", "Effectiveness", GradingScale.PEEL_2014, date(2016, 2, 18)),
    ("PEEL 2017", "Effectiveness", GradingScale.PEEL_2014, date(2018, 3, 22)),
    ("PEEL 2021–2022", "", GradingScale.PEEL_2021, date(2022, 4, 7)),
    ("PEEL 2023–2025", "", GradingScale.PEEL_2021, date(2024, 6, 13)),
]
SUBJECTS = [
    "supervisory reviews",
    "case file quality",
    "missing children",
    "domestic abuse risk",
    "call handling",
    "neighbourhood problem solving",
    "offender management",
    "digital forensics backlog",
    "victim updates",
    "stop and search records",
    "organised crime mapping",
    "safeguarding referrals",
    "crime recording",
]
ACTION_VERBS = [
    "Audit",
    "Train supervisors in",
    "Publish a policy on",
    "Set a performance measure for",
    "Review the process for",
    "Brief response teams on",
    "Appoint a lead for",
    "Commission an evaluation of",
]
UPDATE_TEXTS = [
    "Scoped the work with the lead and agreed milestones.",
    "Draft circulated to the tactical lead for comment.",
    "Training sessions booked for all sergeants.",
    "Audit sample drawn; findings to the next performance board.",
    "Waiting for partner data before the next step.",
    "Policy approved by the chief officer group.",
    "Done: briefed to all teams and published on the intranet.",
]
# Status weights by how old the inspection is (oldest first).
OLD_WEIGHTS = {
    Status.SIGNED_OFF: 70,
    Status.CANCELLED: 12,
    Status.SUPERSEDED: 10,
    Status.COMPLETED: 3,
    Status.IN_PROGRESS: 5,
}
LIVE_WEIGHTS = {
    Status.NOT_STARTED: 14,
    Status.IN_PROGRESS: 36,
    Status.BLOCKED: 5,
    Status.COMPLETED: 10,
    Status.RETURNED: 3,
    Status.SIGNED_OFF: 26,
    Status.CANCELLED: 4,
    Status.SUPERSEDED: 2,
}
BATCH = 1000


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class Command(BaseCommand):
    help = "Create a synthetic dataset in bulk (forces, people, inspections, actions, updates)."

    def add_arguments(self, parser):
        parser.add_argument("--forces", type=int, default=5)
        parser.add_argument("--actions-per-force", type=int, default=400)
        parser.add_argument("--seed", type=int, default=2015, help="Random seed (repeatable).")
        parser.add_argument("--password", help="A password for every seeded user.")
        parser.add_argument(
            "--updates-per-action",
            default="1-6",
            help="Progress updates per action that has any, as MIN-MAX (default 1-6).",
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=90,
            help="Days of estimated daily snapshots to add for the trend (0 for none).",
        )

    def handle(self, *args, forces, actions_per_force, seed, password, history_days, **options):
        if forces < 1 or actions_per_force < 1:
            raise CommandError("--forces and --actions-per-force must be at least 1.")
        try:
            low, high = (int(n) for n in str(options.get("updates_per_action", "1-6")).split("-"))
        except ValueError:
            raise CommandError("--updates-per-action takes MIN-MAX, e.g. 5-15.") from None
        if not 1 <= low <= high:
            raise CommandError("--updates-per-action needs 1 <= MIN <= MAX.")
        self.updates_range = (low, high)
        started = timezone.now()
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.password = make_password(password) if password else make_password(None)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A realistic history is written in bulk: closed actions get their log
                # after their row. The migration's "closed action" triggers allow this
                # for this transaction only (improvements/migrations/0006).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL peel.maintenance = 'on'")
            created = self._seed(forces, actions_per_force)
            board_cache.bump_all()  # bulk writes send no signals
        if connection.vendor == "postgresql":
            # Fresh statistics, as autovacuum would give them later: a planner that still
            # thinks the tables are empty picks sorts where the indexes answer in order.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if history_days:
            snapshots_backfill(history_days, today=self.today)
        snapshots_record(self.today)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                "Seeded "
                + ", ".join(f"{n} {name}" for name, n in created.items())
                + f" in {seconds:.1f} s"
            )
        )

    # --- the dataset -------------------------------------------------------------------

    def _seed(self, n_forces: int, per_force: int) -> dict[str, int]:
        forces = self._forces(n_forces)
        people = self._people(forces, per_force)
        inspections = self._inspections(forces, per_force)
        judgments = self._judgments(inspections)
        findings = self._findings(inspections, judgments, per_force)
        self._reviews(inspections, judgments)
        actions = self._actions(forces, inspections, findings, people, per_force)
        updates = self._updates(actions, people)
        evidence = self._evidence(actions, updates)
        return {
            "forces": len(forces),
            "users": sum(len(p["managers"]) + len(p["staff"]) for p in people.values()),
            "inspections": sum(len(v) for v in inspections.values()),
            "findings": sum(len(v) for v in findings.values()),
            "actions": len(actions),
            "progress updates": len(updates),
            "evidence links": evidence,
        }

    def _forces(self, count: int) -> list[Force]:
        taken = set(Force.objects.values_list("slug", flat=True))
        names = []
        index = 0
        while len(names) < count:
            place = PLACES[index % len(PLACES)]
            round_ = index // len(PLACES)
            name = f"{place} Police" if round_ == 0 else f"{place} Police {round_ + 1}"
            slug = "bench-" + name.lower().replace(" ", "-")
            if slug not in taken:
                names.append((name, slug))
            index += 1
        return Force.objects.bulk_create(
            [Force(name=name, slug=slug) for name, slug in names], batch_size=BATCH
        )

    def _people(self, forces, per_force: int) -> dict[int, dict]:
        User = get_user_model()
        n_staff = max(6, per_force // 25)
        users, roles = [], []
        for force in forces:
            short = force.slug.removeprefix("bench-").removesuffix("-police")
            for role, count in ((Membership.Role.MANAGER, 2), (Membership.Role.STAFF, n_staff)):
                for j in range(count):
                    users.append(
                        User(
                            username=f"bench-{short}-{role}-{j + 1}",
                            first_name=self.rng.choice(FIRST),
                            last_name=self.rng.choice(LAST),
                            email=f"{role}{j + 1}@{short}.example.police.uk",
                            password=self.password,
                        )
                    )
                    roles.append((force, role))
        users = User.objects.bulk_create(users, batch_size=BATCH)
        if any(u.pk is None for u in users):  # a backend without RETURNING
            users = list(User.objects.filter(username__in=[u.username for u in users]))
        Membership.objects.bulk_create(
            [Membership(user=u, force=f, role=r) for u, (f, r) in zip(users, roles, strict=True)],
            batch_size=BATCH,
        )
        people = {f.pk: {"managers": [], "staff": []} for f in forces}
        for user, (force, role) in zip(users, roles, strict=True):
            key = "managers" if role == Membership.Role.MANAGER else "staff"
            people[force.pk][key].append(user)
        return people

    def _inspections(self, forces, per_force: int) -> dict[int, list[Inspection]]:
        count = min(len(PROGRAMMES), max(1, math.ceil(per_force / 150)))
        programmes = PROGRAMMES[-count:]
        objects = [
            Inspection(
                force=force,
                programme=programme,
                pillar=pillar,
                title=f"{programme} – {force.name}",
                grading_scale=scale,
                published=published,
                fieldwork_start=published - timedelta(days=150),
                fieldwork_end=published - timedelta(days=90),
                created_at=_aware(published),
            )
            for force in forces
            for programme, pillar, scale, published in programmes
        ]
        objects = Inspection.objects.bulk_create(objects, batch_size=BATCH)
        result: dict[int, list[Inspection]] = {}
        for inspection in objects:
            result.setdefault(inspection.force_id, []).append(inspection)
        return result

    def _grade(self, scale: str) -> str:
        grades = SCALE_GRADES[scale]
        weights = {
            Grade.OUTSTANDING: 4,
            Grade.GOOD: 35,
            Grade.ADEQUATE: 30,
            Grade.REQUIRES_IMPROVEMENT: 24,
            Grade.INADEQUATE: 7,
        }
        return self.rng.choices(grades, weights=[weights[g] for g in grades])[0]

    def _judgments(self, inspections) -> dict[int, list[Judgment]]:
        objects = []
        for force_inspections in inspections.values():
            for inspection in force_inspections:
                questions = (
                    QUESTIONS_2014
                    if inspection.grading_scale == GradingScale.PEEL_2014
                    else QUESTIONS_2021
                )
                overall = (
                    ""
                    if inspection.grading_scale == GradingScale.PEEL_2021
                    else (self._grade(inspection.grading_scale))
                )
                objects.append(
                    Judgment(
                        inspection=inspection,
                        number=0,
                        question="Overall",
                        grade=overall,
                        grading_scale=inspection.grading_scale,
                    )
                )
                for number, question in enumerate(questions, start=1):
                    objects.append(
                        Judgment(
                            inspection=inspection,
                            number=number,
                            question=question,
                            grade=self._grade(inspection.grading_scale),
                            grading_scale=inspection.grading_scale,
                        )
                    )
        objects = Judgment.objects.bulk_create(objects, batch_size=BATCH)
        result: dict[int, list[Judgment]] = {}
        for judgment in objects:
            result.setdefault(judgment.inspection_id, []).append(judgment)
        return result

    def _findings(self, inspections, judgments, per_force: int) -> dict[int, list[Finding]]:
        """About 2.5 actions a finding; a cause of concern and its recommendation under the
        weakest question of each inspection."""
        parents, plain = [], []
        for force_inspections in inspections.values():
            per_inspection = max(1, round(per_force / 2.5 / len(force_inspections)))
            for inspection in force_inspections:
                questions = [j for j in judgments[inspection.pk] if j.number]
                order = {g: i for i, g in enumerate(SCALE_GRADES[inspection.grading_scale])}
                weakest = max(questions, key=lambda j: (order.get(j.grade, 0), -j.number))
                old = inspection is not force_inspections[-1]
                status = Finding.Status.DISCHARGED if old else Finding.Status.OPEN
                parents.append(
                    Finding(
                        inspection=inspection,
                        judgment=weakest,
                        kind=Finding.Kind.CAUSE_OF_CONCERN,
                        reference=f"Q{weakest.number}-COC-1",
                        text=f"The force is not doing enough about {self.rng.choice(SUBJECTS)}.",
                        status=status,
                        position=0,
                    )
                )
                counters: dict[int, int] = {}
                for index in range(max(0, per_inspection - 2)):
                    judgment = questions[index % len(questions)]
                    counters[judgment.number] = counters.get(judgment.number, 0) + 1
                    k = counters[judgment.number]
                    plain.append(
                        Finding(
                            inspection=inspection,
                            judgment=judgment,
                            kind=Finding.Kind.AREA_FOR_IMPROVEMENT,
                            reference=f"Q{judgment.number}-AFI-{k}",
                            text=(
                                f"The force should improve its {self.rng.choice(SUBJECTS)} "
                                f"(area {k} under question {judgment.number})."
                            ),
                            status=status,
                            position=k,
                        )
                    )
        parents = Finding.objects.bulk_create(parents, batch_size=BATCH)
        recommendations = [
            Finding(
                inspection_id=parent.inspection_id,
                judgment_id=parent.judgment_id,
                kind=Finding.Kind.RECOMMENDATION,
                reference=parent.reference.replace("COC", "REC"),
                text="Within six months, the force should put in place a plan to address "
                "this cause of concern.",
                parent=parent,
                deadline="within six months",
                status=parent.status,
                position=100,
            )
            for parent in parents
        ]
        recommendations = Finding.objects.bulk_create(recommendations, batch_size=BATCH)
        plain = Finding.objects.bulk_create(plain, batch_size=BATCH)
        result: dict[int, list[Finding]] = {}
        for finding in [*parents, *recommendations, *plain]:
            result.setdefault(finding.inspection_id, []).append(finding)
        return result

    def _reviews(self, inspections, judgments) -> None:
        reviews, scopes = [], []
        for force_inspections in inspections.values():
            latest = force_inspections[-1]
            questions = [j for j in judgments[latest.pk] if j.number]
            in_scope = self.rng.choice(questions)
            evidence_due = self.today + timedelta(days=self.rng.randint(10, 55))
            reviews.append(
                FollowUpReview(
                    inspection=latest,
                    title=f"Follow-up review of Q{in_scope.number} – {latest.programme}",
                    evidence_due=evidence_due,
                    review_date=evidence_due + timedelta(days=28),
                    status=FollowUpReview.Status.SCHEDULED,
                )
            )
            scopes.append(in_scope)
        reviews = FollowUpReview.objects.bulk_create(reviews, batch_size=BATCH)
        Through = FollowUpReview.judgments.through
        Through.objects.bulk_create(
            [
                Through(followupreview_id=r.pk, judgment_id=j.pk)
                for r, j in zip(reviews, scopes, strict=True)
            ],
            batch_size=BATCH,
        )

    def _actions(self, forces, inspections, findings, people, per_force: int) -> list[Action]:
        objects = []
        for force in forces:
            force_inspections = inspections[force.pk]
            pool = [f for i in force_inspections for f in findings[i.pk]]
            # Every finding gets an action, then the rest fall anywhere, more on new ones.
            chosen = list(pool)
            weights = [
                1
                + 2
                * force_inspections.index(
                    next(i for i in force_inspections if i.pk == f.inspection_id)
                )
                for f in pool
            ]
            while len(chosen) < per_force:
                chosen.append(self.rng.choices(pool, weights=weights)[0])
            chosen = chosen[:per_force]
            staff = people[force.pk]["staff"]
            managers = people[force.pk]["managers"]
            # A few people carry most of the work, as in any force.
            owner_weights = [1 + 4 * (i < 3) for i in range(len(staff))]
            latest_pk = force_inspections[-1].pk
            for finding in chosen:
                inspection = next(i for i in force_inspections if i.pk == finding.inspection_id)
                weights_map = LIVE_WEIGHTS if inspection.pk == latest_pk else OLD_WEIGHTS
                status = self.rng.choices(list(weights_map), weights=list(weights_map.values()))[0]
                objects.append(
                    self._action(finding, inspection, status, staff, owner_weights, managers)
                )
        return Action.objects.bulk_create(objects, batch_size=BATCH)

    def _action(self, finding, inspection, status, staff, owner_weights, managers) -> Action:
        rng = self.rng
        earliest = max(inspection.published, self.today - timedelta(days=900))
        span = max(1, (self.today - earliest).days - 5)
        created_day = earliest + timedelta(days=rng.randint(0, min(span, 400)))
        if status in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED, Status.RETURNED):
            # Live work: due from four months ago to six months ahead.
            due = self.today + timedelta(days=rng.randint(-120, 180))
            created_day = min(created_day, due - timedelta(days=14), self.today)
        else:
            due = created_day + timedelta(days=rng.randint(30, 240))
        created_day = min(created_day, self.today - timedelta(days=1))
        owner = rng.choices(staff, weights=owner_weights)[0]
        action = Action(
            finding=finding,
            force_id=inspection.force_id,
            title=f"{rng.choice(ACTION_VERBS)} {rng.choice(SUBJECTS)}",
            description=f"Answers {finding.reference}.",
            owner=owner,
            lead=rng.choice(managers),
            due_date=due,
            priority=rng.choice(Priority.values),
            status=status,
            created_at=_aware(created_day, 9),
        )
        finished = min(self.today - timedelta(days=1), due + timedelta(days=rng.randint(-20, 20)))
        finished = max(finished, created_day + timedelta(days=1))
        if status in (Status.COMPLETED, Status.SIGNED_OFF):
            action.completed_at = min(_aware(finished, 15), self.now - timedelta(hours=2))
            action.completed_by = owner
        if status == Status.SIGNED_OFF:
            action.signed_off_at = action.completed_at + timedelta(days=rng.randint(1, 10))
            action.signed_off_at = min(action.signed_off_at, self.now - timedelta(hours=1))
            action.signed_off_by = rng.choice(managers)
        return action

    def _updates(self, actions, people) -> list[ProgressUpdate]:
        rng = self.rng
        objects = []
        last_at = {}
        for action in actions:
            if action.status == Status.NOT_STARTED and rng.random() < 0.8:
                continue
            count = rng.randint(*self.updates_range)
            start = action.created_at + timedelta(days=1)
            end = action.completed_at or action.signed_off_at or self.now
            if action.status in (Status.IN_PROGRESS, Status.BLOCKED) and rng.random() < 0.2:
                end = min(end, self.now - timedelta(days=rng.randint(31, 90)))  # gone quiet
            end = max(end, start + timedelta(hours=1))
            seconds = int((end - start).total_seconds())
            times = sorted(start + timedelta(seconds=rng.randint(0, seconds)) for _ in range(count))
            for index, at in enumerate(times):
                final = index == count - 1
                text = (
                    UPDATE_TEXTS[-1]
                    if final and action.completed_at
                    else rng.choice(UPDATE_TEXTS[:-1])
                )
                objects.append(
                    ProgressUpdate(
                        action=action,
                        author=action.owner,
                        created_at=at,
                        text=text,
                        status_after=action.status if final else Status.IN_PROGRESS,
                    )
                )
            last_at[action.pk] = times[-1]
        objects = ProgressUpdate.objects.bulk_create(objects, batch_size=BATCH)
        for action in actions:
            action.last_update_at = last_at.get(action.pk)
        Action.objects.bulk_update(
            [a for a in actions if a.last_update_at], ["last_update_at"], batch_size=BATCH
        )
        return objects

    def _evidence(self, actions, updates) -> int:
        last_update = {}
        for update in updates:
            last_update[update.action_id] = update
        objects = []
        for action in actions:
            chance = {Status.SIGNED_OFF: 0.92, Status.COMPLETED: 0.8}.get(action.status, 0.1)
            if self.rng.random() >= chance:
                continue
            update = last_update.get(action.pk)
            objects.append(
                Evidence(
                    action=action,
                    update=update,
                    link=f"https://intranet.example.police.uk/peel/evidence/{action.pk}",
                    description=f"Evidence for {action.title.lower()}",
                    uploaded_by=action.owner,
                    created_at=update.created_at if update else action.created_at,
                )
            )
        Evidence.objects.bulk_create(objects, batch_size=BATCH)
        return len(objects)
