from datetime import timedelta

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from improvements.models import Action, ProgressUpdate, Status
from inspections.models import (
    Finding,
    FollowUpReview,
    Force,
    GradingScale,
    Inspection,
    Judgment,
    Membership,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.police.uk")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def inspector(self, create, extracted, **kwargs):
        if extracted:
            self.is_staff = True
            self.save()
            self.groups.add(Group.objects.get(name=settings.INSPECTORS_GROUP))


class ForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Force
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Force {n} Police")
    slug = factory.Sequence(lambda n: f"force-{n}-police")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    force = factory.SubFactory(ForceFactory)
    role = Membership.Role.STAFF


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    force = factory.SubFactory(ForceFactory)
    programme = factory.Sequence(lambda n: f"PEEL {2014 + n % 6}-{n}")
    pillar = "Effectiveness"
    title = factory.LazyAttribute(lambda i: f"{i.programme} – {i.force.name}")
    grading_scale = GradingScale.PEEL_2014


class JudgmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judgment

    inspection = factory.SubFactory(InspectionFactory)
    number = factory.Sequence(lambda n: n + 1)
    question = factory.LazyAttribute(
        lambda j: f"How effective is the force at question {j.number}?"
    )
    grade = "good"


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    judgment = factory.SubFactory(JudgmentFactory)
    inspection = factory.LazyAttribute(lambda f: f.judgment.inspection)
    kind = Finding.Kind.AREA_FOR_IMPROVEMENT
    reference = factory.Sequence(lambda n: f"Q1-AFI-{n + 1}")
    text = factory.Sequence(lambda n: f"The force should improve thing number {n}.")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    finding = factory.SubFactory(FindingFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    status = Status.NOT_STARTED


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(ActionFactory)
    author = factory.LazyAttribute(lambda u: u.action.owner)
    text = "Progress made."
    status_after = factory.LazyAttribute(lambda u: u.action.status)


class FollowUpReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpReview

    inspection = factory.SubFactory(InspectionFactory)
    title = "Follow-up review"
