"""The site's API tokens page (/account/api-tokens/): a person's own tokens, made and
revoked. A new token is shown once, on the page that made it, and never again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .forms import TokenForm
from .models import ApiToken
from .tokens import token_create, token_revoke


def _page(request, form, *, new_key: str = "", new_token=None, status: int = 200):
    context = {
        "form": form,
        "tokens": ApiToken.objects.owned_by(request.user).order_by("-created"),
        "new_key": new_key,
        "new_token": new_token,
        "api_root": request.build_absolute_uri(reverse("api:action-list")),
        "docs_url": reverse("api:docs"),
        "site_root": request.build_absolute_uri("/"),
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
def tokens(request):
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            token, key = token_create(
                user=request.user, name=data["name"], read_only=data["read_only"], days=data["days"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # Shown here once (the response is never cached: peel.middleware).
            return _page(request, TokenForm(), new_key=key, new_token=token)
    return _page(request, form, status=400)


@login_required
@require_POST
def revoke(request, prefix: str):
    token = get_object_or_404(ApiToken.objects.owned_by(request.user), prefix=prefix)
    token_revoke(token, by=request.user)
    messages.success(request, f"“{token.name}” is revoked: nothing can use it now.")
    return redirect("tokens:list")


app_name = "tokens"
urlpatterns = [
    path("", tokens, name="list"),
    path("<str:prefix>/revoke/", revoke, name="revoke"),
]
