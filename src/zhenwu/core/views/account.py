"""The signed-in user's own account: password change and personal API tokens."""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhenwu.core.exceptions import DomainError
from zhenwu.core.forms import TokenForm, ZhenwuPasswordChangeForm
from zhenwu.core.models import ApiToken
from zhenwu.core.services import people as people_services
from zhenwu.core.services import tokens as token_services
from zhenwu.core.views.common import add_domain_error, request_user, run_and_redirect


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ZhenwuPasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.person_set_password(
                actor=user, person=user, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            user.refresh_from_db()
            update_session_auth_hash(request, user)
            return redirect("password_change_done")
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
def token_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = token_services.token_create(
                actor=user, name=form.cleaned_data["name"], expires_at=form.cleaned_data["expires_at"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")[:50]
    return render(request, "core/token_list.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    return run_and_redirect(
        request,
        lambda: token_services.token_revoke(actor=request_user(request), token_id=pk),
        success=_("Token revoked."),
        to=reverse("core:token_list"),
    )


urlpatterns = [
    path("account/tokens/", token_list_view, name="token_list"),
    path("account/tokens/<int:pk>/revoke/", token_revoke_view, name="token_revoke"),
]
