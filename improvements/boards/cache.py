"""The force board's cached fragment: its figures, charts and tables.

The key holds everything the fragment depends on, so a cached copy can never show
figures that are out of date:

- the force and the day (overdue, due soon, stale and RAG change with the date, and
  only with the date: ``stale_q`` counts whole days);
- the force's *board version*, a token replaced whenever anything the fragment shows
  changes: an action, a finding, a question, an inspection, a follow-up review or its
  scope, evidence, a membership or a person (signals below, sent by every save and
  delete: services, admin, imports, factories).
  Bulk writes that send no signals (``seed_bench``) call ``bump_all``;
- how the links are written (an inspector's links carry ``?force=``).

The token is replaced when the change is made and again after its transaction commits
(``on_commit``), and read before the figures are computed: a request racing a change
stores its copy under a token no request asks for after the commit. Filtered boards are never cached. With several
web processes, the cache must be shared (``CACHE_URL``, Redis): see README.
"""

from __future__ import annotations

import contextlib
import uuid

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

KEEP_SECONDS = 24 * 3600


NATIONAL = "national"


def _version_key(force_id) -> str:
    return f"board-version:{force_id}"


def board_version(force_id) -> str:
    """A force's board version; ``NATIONAL`` for the national board's, which every
    force's change replaces too."""
    key = _version_key(force_id)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(key, version, None)
    return version


def bump(*force_ids: int) -> None:
    """Replace the forces' board versions now, and again once the transaction commits:
    a copy another request stored in between, from the figures before the commit, is
    under a version nobody asks for after it."""
    ids = {force_id for force_id in force_ids if force_id}

    def replace():
        cache.delete_many([_version_key(force_id) for force_id in (*ids, NATIONAL)])

    if ids:
        replace()
        transaction.on_commit(replace)


def bump_all() -> None:
    from inspections.models import Force

    bump(*Force.objects.values_list("pk", flat=True))


def fragment_key(force_id, day, variant: str) -> str:
    return f"board:{force_id}:{day:%Y-%m-%d}:{board_version(force_id)}:{variant}"


def national_key(day) -> str:
    return fragment_key(NATIONAL, day, "all")


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, KEEP_SECONDS)


# --- What bumps a force's version ---------------------------------------------------------


def _action_changed(sender, instance, **kwargs):
    bump(instance.force_id)


def _inspection_part_changed(sender, instance, **kwargs):
    with contextlib.suppress(ObjectDoesNotExist):  # gone with its inspection, which bumps
        bump(instance.inspection.force_id)


def _inspection_changed(sender, instance, **kwargs):
    bump(instance.force_id)


def _evidence_changed(sender, instance, **kwargs):
    with contextlib.suppress(ObjectDoesNotExist):
        bump(instance.action.force_id)


def _review_scope_changed(sender, instance, **kwargs):
    with contextlib.suppress(ObjectDoesNotExist, AttributeError):
        bump(instance.inspection.force_id)


def _membership_changed(sender, instance, **kwargs):
    bump(instance.force_id)


def _force_changed(sender, instance, **kwargs):
    bump(instance.pk)


def _person_changed(sender, instance, update_fields=None, **kwargs):
    from inspections.models import Membership

    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # a login changes nothing a board shows

    bump(*Membership.objects.filter(user_id=instance.pk).values_list("force_id", flat=True))


def connect() -> None:
    from inspections.models import (
        Finding,
        FollowUpReview,
        Force,
        Inspection,
        Judgment,
        Membership,
    )

    from ..models import Action, Evidence

    for model, receiver in (
        (Action, _action_changed),
        (Finding, _inspection_part_changed),
        (Judgment, _inspection_part_changed),
        (Inspection, _inspection_changed),
        (Membership, _membership_changed),
        (Force, _force_changed),
        (Evidence, _evidence_changed),
        (FollowUpReview, _inspection_part_changed),
        (get_user_model(), _person_changed),
    ):
        uid = f"board-version-{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=uid, weak=False)
    # A review's scope: its questions and named findings.
    for through in (FollowUpReview.judgments.through, FollowUpReview.findings.through):
        m2m_changed.connect(
            _review_scope_changed,
            sender=through,
            dispatch_uid=f"board-version-{through._meta.label_lower}",
            weak=False,
        )
