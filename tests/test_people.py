"""Force administrators onboard their own people: invitations by email with a
set-password link that works once, role changes, deactivation that ends sessions and
lists open actions, a CSV of many people, and ``create_force_admin`` for the first."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from inspections.models import Membership
from people import services
from people.models import UserSession

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-long-enough-passphrase-2027"


@pytest.fixture
def admin(alpha):
    user = UserFactory(username="fran", first_name="Fran", last_name="Admin")
    MembershipFactory(user=user, force=alpha, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _link(message) -> str:
    return re.search(r"https?://\S+/welcome/\S+/", message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_an_invitation_makes_an_account_whose_link_works_once(
    admin_client, alpha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/team/invite/",
            {
                "first_name": "Jane",
                "last_name": "Smith",
                "email": "Jane.Smith@Alpha.Police.uk",
                "role": "manager",
            },
        )
    assert response.status_code == 302
    jane = User.objects.get(email="Jane.Smith@alpha.police.uk")
    assert jane.username == "jane.smith" and not jane.has_usable_password()
    membership = jane.memberships.get(force=alpha)
    assert membership.role == "manager"
    assert membership.history.first().history_user.username == "fran"

    (message,) = mail.outbox
    assert message.to == ["Jane.Smith@alpha.police.uk"] and "Alpha Police" in message.subject
    assert "Fran Admin has added you to Alpha Police" in message.body
    link = _path(_link(message))

    visitor = Client()
    page = visitor.get(link, follow=True)
    assert "Choose your password" in page.content.decode()
    done = visitor.post(
        page.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/board/"  # signed in: a manager starts at the board
    jane.refresh_from_db()
    assert jane.check_password(PASSWORD)

    again = Client().get(link, follow=True)
    assert "This invitation link has expired" in again.content.decode()


def test_a_password_reset_link_is_not_an_invitation(admin, client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(admin.pk))
    token = default_token_generator.make_token(admin)
    page = client.get(f"/welcome/{uid}/{token}/", follow=True)
    assert "This invitation link has expired" in page.content.decode()


def test_inviting_someone_already_here_is_a_form_error_that_keeps_the_input(admin_client, owner):
    owner.email = "bob@alpha.police.uk"
    owner.save()
    response = admin_client.post(
        "/team/invite/",
        {
            "first_name": "Robert",
            "last_name": "Owen",
            "email": "BOB@alpha.police.uk",
            "role": "staff",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "is already a member of Alpha Police" in page and 'value="Robert"' in page


def test_someone_from_another_force_is_added_and_keeps_their_password(
    admin, alpha, outsider, django_capture_on_commit_callbacks
):
    outsider.email = "charlie@beta.police.uk"
    outsider.save()
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.invite_person(
            force=alpha, by=admin, invitee=services.Invitee(email="charlie@beta.police.uk")
        )
    assert invited.user == outsider and invited.link == "" and not invited.new_account
    assert set(outsider.memberships.values_list("force__slug", flat=True)) == {
        "alpha-police",
        "beta-police",
    }
    assert "Sign in with the password you already have" in mail.outbox[0].body


def test_an_inspector_cannot_be_invited_or_managed(admin, alpha, inspector):
    inspector.email = "insp@hmicfrs.gov.uk"
    inspector.save()
    with pytest.raises(Exception, match="inspector or a site administrator"):
        services.invite_person(
            force=alpha, by=admin, invitee=services.Invitee(email="insp@hmicfrs.gov.uk")
        )


def test_an_administrator_cannot_change_their_own_role_or_deactivate_themselves(admin, alpha):
    own = admin.memberships.get(force=alpha)
    with pytest.raises(services.PeopleRefused, match="your own role"):
        services.change_role(membership=own, by=admin, role="staff")
    with pytest.raises(services.PeopleRefused, match="your own role"):
        services.deactivate(membership=own, by=admin)
    own.refresh_from_db()
    assert own.role == "admin" and User.objects.get(pk=admin.pk).is_active


def test_an_administrator_manages_only_their_own_force(admin, admin_client, beta, outsider):
    theirs = outsider.memberships.get(force=beta)
    assert admin_client.get(f"/team/{theirs.pk}/").status_code == 404
    assert admin_client.post(f"/team/{theirs.pk}/deactivate/").status_code == 404
    with pytest.raises(services.PeopleRefused, match="Only an administrator of Beta Police"):
        services.deactivate(membership=theirs, by=admin)
    assert User.objects.get(pk=outsider.pk).is_active


def test_managers_and_inspectors_cannot_manage_people(client, manager, inspector, owner, alpha):
    membership = owner.memberships.get(force=alpha)
    for user in (manager, inspector):
        client.force_login(user)
        assert client.get("/team/").status_code == 403
        assert client.post(f"/team/{membership.pk}/role/", {"role": "manager"}).status_code == 403
    with pytest.raises(services.PeopleRefused):
        services.change_role(membership=membership, by=manager, role="manager")
    membership.refresh_from_db()
    assert membership.role == "staff"


def test_a_role_change_says_who_made_it(admin_client, owner, alpha):
    membership = owner.memberships.get(force=alpha)
    response = admin_client.post(f"/team/{membership.pk}/role/", {"role": "manager"}, follow=True)
    assert "is now manager" in response.content.decode()
    membership.refresh_from_db()
    latest = membership.history.first()
    assert membership.role == "manager"
    assert (latest.history_user.username, latest.history_change_reason) == ("fran", "Role: Manager")


def test_deactivating_ends_their_sessions_and_lists_their_open_actions(
    admin_client, owner, action, alpha
):
    owner.set_password(PASSWORD)
    owner.save()
    theirs = Client()
    assert theirs.login(username=owner.username, password=PASSWORD)
    assert UserSession.objects.filter(user=owner).count() == 1
    assert theirs.get("/actions/").status_code == 200

    membership = owner.memberships.get(force=alpha)
    response = admin_client.post(f"/team/{membership.pk}/deactivate/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "is deactivated" in page and "Signed out of 1 session" in page
    assert action.title in page and "Reassign their actions" in page

    owner.refresh_from_db()
    assert not owner.is_active and not UserSession.objects.filter(user=owner).exists()
    assert theirs.get("/actions/").status_code == 302  # to the sign-in page
    assert not Client().login(username=owner.username, password=PASSWORD)


def test_someone_in_two_forces_is_only_removed_from_this_one(admin, alpha, beta, owner):
    MembershipFactory(user=owner, force=beta)
    result = services.deactivate(membership=owner.memberships.get(force=alpha), by=admin)
    assert not result.account_closed
    owner.refresh_from_db()
    assert owner.is_active
    assert list(owner.memberships.values_list("force__slug", flat=True)) == ["beta-police"]


def _csv(text: str):
    upload = io.BytesIO(text.encode())
    upload.name = "people.csv"
    return upload


def test_a_csv_invites_everyone_or_no_one(admin_client, alpha, owner):
    owner.email = "bob@alpha.police.uk"
    owner.save()
    bad = admin_client.post(
        "/team/invite/csv/",
        {
            "file": _csv(
                "name,email,role\n"
                "Jane Smith,jane@alpha.police.uk,staff\n"
                "Pat Jones,not-an-email,manager\n"
                "Sam Lee,sam@alpha.police.uk,chief\n"
                "Bob Again,bob@alpha.police.uk,\n"
            )
        },
    )
    page = bad.content.decode()
    assert bad.status_code == 400
    assert "Row 3: “not-an-email” is not an email address" in page
    assert "Row 4: “chief” is not a role" in page
    assert "Row 5: bob@alpha.police.uk is already a member of Alpha Police" in page
    assert not User.objects.filter(email="jane@alpha.police.uk").exists()

    good = admin_client.post(
        "/team/invite/csv/",
        {
            "file": _csv(
                "name,email,role\n"
                "Jane Smith,jane@alpha.police.uk,staff\n"
                "Pat Jones,pat@alpha.police.uk,Manager\n"
                "Sam Lee,sam@alpha.police.uk,administrator\n"
            )
        },
        follow=True,
    )
    assert "3 people invited" in good.content.decode()
    roles = dict(
        Membership.objects.filter(force=alpha, user__email__endswith="@alpha.police.uk")
        .exclude(user=owner)
        .values_list("user__email", "role")
    )
    assert roles == {
        "jane@alpha.police.uk": "staff",
        "pat@alpha.police.uk": "manager",
        "sam@alpha.police.uk": "admin",
    }


def test_create_force_admin_starts_a_force(alpha, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_force_admin",
            "--force",
            "alpha-police",
            "--email",
            "lead@alpha.police.uk",
            "--name",
            "Lee Ead",
        )
    out = capsys.readouterr().out
    user = User.objects.get(email="lead@alpha.police.uk")
    assert (user.first_name, user.last_name) == ("Lee", "Ead")
    assert user.memberships.get().role == "admin"
    assert "Set-password link" in out and "/welcome/" in out
    assert len(mail.outbox) == 1

    with pytest.raises(CommandError, match="No force has the slug"):
        call_command("create_force_admin", "--force", "nowhere", "--email", "x@y.uk")
    with pytest.raises(CommandError, match="not an email address"):
        call_command("create_force_admin", "--force", "alpha-police", "--email", "nope")


def test_create_force_admin_makes_an_existing_member_administrator(alpha, owner, capsys):
    owner.email = "bob@alpha.police.uk"
    owner.save()
    call_command("create_force_admin", "--force", "alpha-police", "--email", "bob@alpha.police.uk")
    assert owner.memberships.get().role == "admin"
    assert "password they already have" in capsys.readouterr().out


def test_the_team_page_lists_the_force_only(admin_client, owner, outsider):
    page = admin_client.get("/team/").content.decode()
    assert owner.username in page or owner.get_full_name() in page
    assert outsider.get_full_name() not in page and outsider.username not in page


def test_in_the_django_admin_too_only_administrators_manage_memberships_and_not_their_own(
    client, alpha, owner
):
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(
        content_type__app_label="inspections", codename__endswith="membership"
    )
    boss = UserFactory(username="boss", is_staff=True)
    MembershipFactory(user=boss, force=alpha, role=Membership.Role.MANAGER)
    chief = UserFactory(username="chief", is_staff=True)
    chief_membership = MembershipFactory(user=chief, force=alpha, role=Membership.Role.ADMIN)
    for user in (boss, chief):
        user.user_permissions.set(perms)
    theirs = owner.memberships.get(force=alpha)

    client.force_login(boss)  # a manager, not an administrator
    assert client.get(f"/admin/inspections/membership/{theirs.pk}/change/").status_code == 404
    page = client.get("/admin/inspections/membership/").content.decode()
    assert owner.username not in page

    client.force_login(chief)
    assert client.get(f"/admin/inspections/membership/{theirs.pk}/change/").status_code == 200
    own = client.get(f"/admin/inspections/membership/{chief_membership.pk}/change/")
    assert (
        own.status_code == 200 and "Save" not in own.content.decode().split("submit-row")[-1][:400]
    )
    response = client.post(
        f"/admin/inspections/membership/{chief_membership.pk}/change/",
        {"user": chief.pk, "force": alpha.pk, "role": "staff"},
    )
    assert response.status_code == 403
    chief_membership.refresh_from_db()
    assert chief_membership.role == "admin"


def test_inviting_back_someone_deactivated_does_not_reopen_another_forces_membership(
    admin, alpha, beta, owner
):
    """Deactivated by Beta (their only force then), invited by Alpha: Alpha only."""
    from inspections.models import Membership as M

    beta_admin = UserFactory(username="beta-admin")
    MembershipFactory(user=beta_admin, force=beta, role=M.Role.ADMIN)
    person = UserFactory(username="mover", email="mover@example.police.uk")
    MembershipFactory(user=person, force=beta, role=M.Role.MANAGER)
    services.deactivate(membership=person.memberships.get(force=beta), by=beta_admin)
    services.invite_person(
        force=alpha, by=admin, invitee=services.Invitee(email="mover@example.police.uk")
    )
    person.refresh_from_db()
    assert person.is_active
    assert list(person.memberships.values_list("force__slug", flat=True)) == ["alpha-police"]


def test_with_passwords_off_an_invitation_has_no_set_password_link(
    admin, alpha, settings, client, django_capture_on_commit_callbacks
):
    settings.PASSWORD_LOGIN = False
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.invite_person(
            force=alpha, by=admin, invitee=services.Invitee(email="sso.only@alpha.police.uk")
        )
    assert invited.link == ""
    assert (
        "organisation's account" in mail.outbox[0].body and "/welcome/" not in mail.outbox[0].body
    )
    assert client.get("/welcome/MQ/x/").status_code == 404
