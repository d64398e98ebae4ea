"""The team pages: a force administrator's people, invitations, roles, deactivation.

Everyone else gets a 403 (inspectors and managers don't manage users); a membership of
a force the administrator doesn't administer is a 404, like every other force's object.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from improvements.models import OPEN_STATUSES
from inspections.models import Force, Membership
from inspections.roles import administered_force_ids

from . import services
from .forms import BulkInviteForm, InviteForm, RoleForm


def _administered(request) -> list[int]:
    forces = administered_force_ids(request.user)
    if not forces:
        raise PermissionDenied("Only a force administrator can manage people.")
    return forces


def _force(request):
    """The force whose team is shown: ``?force=slug`` among those the user administers."""
    forces = Force.objects.filter(pk__in=_administered(request)).order_by("name")
    slug = request.GET.get("force") or request.POST.get("force")
    if slug:
        force = forces.filter(slug=slug).first()
        if force is None:
            raise Http404("No such force")
        return force, forces
    return forces.first(), forces


def _membership(request, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "force"),
        pk=pk,
        force_id__in=_administered(request),
    )


def _team_url(force) -> str:
    return f"{reverse('people:team')}?force={force.slug}"


@login_required
def team(request):
    force, forces = _force(request)
    open_q = Q(user__owned_actions__force=force, user__owned_actions__status__in=OPEN_STATUSES)
    members = (
        Membership.objects.filter(force=force)
        .select_related("user")
        .annotate(open_actions=Count("user__owned_actions", filter=open_q))
        .order_by("-user__is_active", "user__last_name", "user__first_name", "user__username")
    )
    return render(
        request,
        "people/team.html",
        {"force": force, "forces": forces, "members": members},
    )


@login_required
def invite(request):
    force, forces = _force(request)
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invited = services.invite_person(
                    force=force, by=request.user, invitee=form.invitee()
                )
            except ValidationError as exc:
                form.add_error("email", exc)
            else:
                who = invited.user.get_full_name() or invited.user.get_username()
                messages.success(
                    request,
                    f"{who} is invited: an email with a link to choose a password is on its way "
                    f"to {invited.user.email}."
                    if invited.link
                    else f"{who} is added to {force} and told by email.",
                )
                return redirect(_team_url(force))
        status = 400
    return render(
        request,
        "people/invite.html",
        {"force": force, "forces": forces, "form": form},
        status=status,
    )


@login_required
def invite_bulk(request):
    force, forces = _force(request)
    form = BulkInviteForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invited = services.invite_many(
                    force=force, by=request.user, invitees=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                messages.success(
                    request,
                    f"{len(invited)} {'person' if len(invited) == 1 else 'people'} invited.",
                )
                return redirect(_team_url(force))
        status = 400
    return render(
        request,
        "people/invite_bulk.html",
        {"force": force, "forces": forces, "form": form},
        status=status,
    )


def _member_context(request, membership, role_form=None):
    from improvements.models import CLOSED_STATUSES, Action

    user = membership.user
    open_actions = (
        Action.objects.filter(force=membership.force)
        .filter(Q(owner=user) | Q(lead=user))
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("finding")
        .order_by("due_date", "pk")
    )
    role_form = role_form or RoleForm(initial={"role": membership.role})
    role_form.helper.form_action = reverse("people:member-role", args=[membership.pk])
    return {
        "membership": membership,
        "person": user,
        "force": membership.force,
        "is_self": user.pk == request.user.pk,
        "role_form": role_form,
        "open_actions": open_actions,
        "reassign_url": _reassign_url(membership.force, user),
        "history": membership.history.select_related("history_user")[:10],
    }


def _reassign_url(force, user) -> str:
    """The all-actions list filtered to their actions, where the bulk change reassigns."""
    return f"{reverse('improvements:action-list')}?scope=all&owner={user.get_username()}"


@login_required
def member(request, pk: int):
    membership = _membership(request, pk)
    return render(request, "people/member.html", _member_context(request, membership))


@login_required
@require_POST
def member_role(request, pk: int):
    membership = _membership(request, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(
                membership=membership, by=request.user, role=form.cleaned_data["role"]
            )
        except services.PeopleRefused as exc:
            form.add_error("role", str(exc))
        else:
            messages.success(
                request,
                f"{membership.user.get_full_name() or membership.user} is now "
                f"{membership.get_role_display().lower()}.",
            )
            return redirect("people:member", pk=membership.pk)
    membership.refresh_from_db()
    return render(
        request, "people/member.html", _member_context(request, membership, form), status=400
    )


@login_required
@require_POST
def member_deactivate(request, pk: int):
    membership = _membership(request, pk)
    try:
        result = services.deactivate(membership=membership, by=request.user)
    except services.PeopleRefused as exc:
        messages.error(request, str(exc))
        return redirect("people:member", pk=membership.pk)
    return render(
        request,
        "people/deactivated.html",
        {
            "result": result,
            "force": result.force,
            "reassign_url": _reassign_url(result.force, result.user),
        },
    )


@login_required
@require_POST
def member_resend(request, pk: int):
    membership = _membership(request, pk)
    try:
        services.resend_invitation(membership=membership, by=request.user)
    except services.PeopleRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The invitation is sent again to {membership.user.email}.")
    return redirect("people:member", pk=membership.pk)


class WelcomeView(auth_views.PasswordResetConfirmView):
    """An invitation's link: choose a password, and be signed in. It works once."""

    token_generator = services.invitation_tokens
    template_name = "people/welcome.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")
    reset_url_token = "choose-password"  # noqa: S105 (the URL word, not a secret)

    def dispatch(self, *args, **kwargs):
        from django.conf import settings
        from django.http import Http404

        if not settings.PASSWORD_LOGIN:
            raise Http404("Passwords are not used here: sign in with your organisation's account.")
        return super().dispatch(*args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set and you are signed in.")
        return response
