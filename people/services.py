"""Force administrators manage their force's people: invite by email, change roles,
deactivate. Every path (the team pages, the CSV invitation, ``create_force_admin``)
comes through here, and here are the rules:

- only an administrator of the force may act on its people (``inspections.roles``);
- nobody changes their own role or deactivates themselves;
- inspectors and site administrators are managed by the site's administrators, never by
  a force;
- an invitation is a set-password link made with Django's token machinery (its own
  salt): it works once, since setting the password changes what the token is made of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from inspections.models import Membership
from inspections.roles import user_administers, user_is_inspector

from .sessions import end_sessions

User = get_user_model()


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset token, salted apart: an invitation link is not a reset
    link, nor the other way round."""

    key_salt = "people.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


class PeopleRefused(Exception):
    """The change is not allowed; the message says why, for the administrator."""


def _require_admin(by, force) -> None:
    if by is not None and not user_administers(by, force.pk):
        raise PeopleRefused(f"Only an administrator of {force} can manage its people.")


def _require_manageable(membership, by) -> None:
    _require_admin(by, membership.force)
    if by is not None and membership.user_id == by.pk:
        raise PeopleRefused(
            "You can't change your own role or account: ask another administrator of the force."
        )
    user = membership.user
    if user.is_superuser or user_is_inspector(user):
        raise PeopleRefused(
            f"{user.get_full_name() or user} is an inspector or a site administrator: "
            "the site's administrators manage their account."
        )


def invitation_link(user) -> str:
    """The set-password link, or "" when passwords are off (PASSWORD_LOGIN=false): the
    invitee signs in with their organisation's account instead."""
    if not settings.PASSWORD_LOGIN:
        return ""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("people:welcome", args=[uid, invitation_tokens.make_token(user)])
    return f"{settings.SITE_URL}{path}"


def _username_for(email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "", email.split("@")[0].lower())[:120] or "user"
    taken = set(User.objects.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationError("Enter their email address")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{email}” is not an email address") from None
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


ROLE_WORDS = {
    "staff": Membership.Role.STAFF,
    "manager": Membership.Role.MANAGER,
    "admin": Membership.Role.ADMIN,
    "administrator": Membership.Role.ADMIN,
    "force administrator": Membership.Role.ADMIN,
}


def clean_role(text: str) -> str:
    if text in Membership.Role.values:
        return text
    role = ROLE_WORDS.get(" ".join((text or "").lower().split()))
    if role is None:
        raise ValidationError(f"“{text}” is not a role: use staff, manager or administrator")
    return role


@dataclass
class Invited:
    user: object
    membership: Membership
    new_account: bool
    link: str  # the set-password link, or "" for someone who already has a password


@dataclass
class Invitee:
    email: str
    first_name: str = ""
    last_name: str = ""
    role: str = Membership.Role.STAFF


def _check_invitee(force, invitee: Invitee):
    """The account the invitation is for (None: a new one), or ValidationError."""
    existing = User.objects.filter(email__iexact=invitee.email).order_by("pk").first()
    if existing is None:
        return None
    if existing.is_superuser or user_is_inspector(existing):
        raise ValidationError(
            f"{invitee.email} belongs to an inspector or a site administrator: they "
            "can't be a member of a force"
        )
    if existing.is_active and existing.memberships.filter(force=force).exists():
        raise ValidationError(f"{invitee.email} is already a member of {force}")
    return existing


def _invite(force, invitee: Invitee, by, existing) -> Invited:
    new_account = existing is None
    if new_account:
        user = User(
            username=_username_for(invitee.email),
            email=invitee.email,
            first_name=invitee.first_name[:150],
            last_name=invitee.last_name[:150],
        )
        user.set_unusable_password()
        user.save()
    else:
        user = existing
        if not user.is_active:
            # Someone who left and is coming back chooses a new password, and comes back
            # to this force only: what they had elsewhere is not reopened by this force.
            for old in user.memberships.exclude(force=force):
                old._history_user = by
                old._change_reason = f"Ended: invited back by {force}"
                old.delete()
            user.is_active = True
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
    membership = Membership.objects.filter(user=user, force=force).first() or Membership(
        user=user, force=force
    )
    membership.role = invitee.role
    membership._history_user = by
    membership._change_reason = "Invited"
    membership.save()
    link = "" if user.has_usable_password() else invitation_link(user)
    transaction.on_commit(lambda: _send_invitation(user, force, by, link))
    return Invited(user, membership, new_account, link)


def _send_invitation(user, force, by, link: str) -> None:
    context = {
        "user": user,
        "force": force,
        "by": by,
        "link": link,
        "sign_in": f"{settings.SITE_URL}{reverse('login')}",
        "password_login": settings.PASSWORD_LOGIN,
        "role": Membership.Role(Membership.objects.get(user=user, force=force).role).label.lower(),
    }
    send_mail(
        subject=f"You have been invited to the PEEL tracker for {force}",
        message=render_to_string("emails/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def invite_person(*, force, by, invitee: Invitee) -> Invited:
    """Invite one person: a new account with a set-password link, or an existing one
    added to the force. ValidationError says what is wrong with the invitation."""
    _require_admin(by, force)
    invitee.email = clean_email(invitee.email)
    existing = _check_invitee(force, invitee)
    return _invite(force, invitee, by, existing)


@transaction.atomic
def invite_many(*, force, by, invitees: list[tuple[int, Invitee]]) -> list[Invited]:
    """Invite everyone in a list, all or none: ValidationError lists each row's problem."""
    _require_admin(by, force)
    problems: list[str] = []
    checked = []
    seen: dict[str, int] = {}
    for row, invitee in invitees:
        try:
            invitee.role = clean_role(invitee.role)
        except ValidationError as exc:
            problems.extend(f"Row {row}: {message}" for message in exc.messages)
        try:
            invitee.email = clean_email(invitee.email)
            if invitee.email.lower() in seen:
                raise ValidationError(
                    f"{invitee.email} is already in row {seen[invitee.email.lower()]}"
                )
            seen[invitee.email.lower()] = row
            checked.append((invitee, _check_invitee(force, invitee)))
        except ValidationError as exc:
            problems.extend(f"Row {row}: {message}" for message in exc.messages)
    if problems:
        raise ValidationError(problems)
    return [_invite(force, invitee, by, existing) for invitee, existing in checked]


@transaction.atomic
def resend_invitation(*, membership, by) -> str:
    _require_manageable(membership, by)
    user = membership.user
    if user.has_usable_password() or not user.is_active:
        raise PeopleRefused(f"{user.get_full_name() or user} has already set a password.")
    link = invitation_link(user)
    transaction.on_commit(lambda: _send_invitation(user, membership.force, by, link))
    return link


@transaction.atomic
def change_role(*, membership, by, role: str) -> Membership:
    _require_manageable(membership, by)
    if role not in Membership.Role.values:
        raise PeopleRefused("Choose staff, manager or force administrator.")
    if membership.role != role:
        membership.role = role
        membership._history_user = by
        membership._change_reason = f"Role: {Membership.Role(role).label}"
        membership.save()
    return membership


@dataclass
class Deactivated:
    user: object
    force: object
    account_closed: bool  # False: still a member of another force, only removed from this one
    sessions_ended: int
    open_actions: list


@transaction.atomic
def deactivate(*, membership, by) -> Deactivated:
    """Someone leaves the force: they lose access to it at once and every session they
    have ends. If this was their only force, their account is closed; if they belong to
    another force too, they are only removed from this one. Their open actions are
    listed for reassignment (nothing is reassigned without a person to give it to)."""
    from improvements.models import CLOSED_STATUSES, Action

    _require_manageable(membership, by)
    user, force = membership.user, membership.force
    elsewhere = user.memberships.exclude(pk=membership.pk).exists()
    if elsewhere:
        membership._history_user = by
        membership._change_reason = "Removed from the force"
        membership.delete()
    else:
        user.is_active = False
        if not user.has_usable_password():
            user.set_unusable_password()  # a fresh one: an outstanding invitation dies
        user.save(update_fields=["is_active", "password"])
        # The membership stays, so the team page lists them as deactivated.
        membership._history_user = by
        membership._change_reason = "Deactivated"
        membership.save()
        from api.tokens import tokens_revoke_all

        tokens_revoke_all(user, by=by)  # a program signed in as them stops too
    ended = end_sessions(user)
    open_actions = list(
        Action.objects.filter(force=force)
        .filter(Q(owner=user) | Q(lead=user))
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("finding")
        .order_by("due_date", "pk")
    )
    return Deactivated(user, force, not elsewhere, ended, open_actions)


@transaction.atomic
def create_force_admin(*, force, email: str, first_name: str = "", last_name: str = "") -> Invited:
    """The first administrator of a force (``manage.py create_force_admin``): invited
    like anyone else, or an existing member made administrator."""
    email = clean_email(email)
    existing = User.objects.filter(email__iexact=email).order_by("pk").first()
    if existing is not None and existing.memberships.filter(force=force).exists():
        membership = existing.memberships.get(force=force)
        membership.role = Membership.Role.ADMIN
        membership._change_reason = "Made force administrator (create_force_admin)"
        membership.save()
        if not existing.is_active:
            existing.is_active = True
            existing.set_unusable_password()
            existing.save(update_fields=["is_active", "password"])
        link = "" if existing.has_usable_password() else invitation_link(existing)
        return Invited(existing, membership, False, link)
    invitee = Invitee(email=email, first_name=first_name, last_name=last_name, role="admin")
    return _invite(force, invitee, None, _check_invitee(force, invitee))
