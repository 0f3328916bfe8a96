"""The dispute kinds page: the office and administrators add, rename, reorder and (de)activate kinds.

A kind is never deleted: old disputes keep it. Every write is a service of ``mediation.services``;
a refusal (a duplicate code or name) is shown on the form it came from.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from zhenwu.core.exceptions import DomainError
from zhenwu.core.scoping import Action
from zhenwu.core.views.common import add_domain_error, request_user, require_action, run_and_redirect
from zhenwu.mediation import services
from zhenwu.mediation.forms import DisputeKindActiveForm, DisputeKindForm, DisputeKindUpdateForm
from zhenwu.mediation.models import DisputeKind
from zhenwu.mediation.selectors import dispute_kinds


def _render_list(
    request: HttpRequest,
    *,
    form: DisputeKindForm | None = None,
    failed: tuple[int, DisputeKindUpdateForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page; after a refused create or update, with that form's input and errors."""
    return render(
        request,
        "mediation/kind_list.html",
        {
            "kinds": list(dispute_kinds(active_only=False)),
            "form": form or DisputeKindForm(),
            "failed_pk": failed[0] if failed else None,
            "failed_form": failed[1] if failed else None,
        },
        status=status,
    )


@require_safe
@require_action(Action.DISPUTE_CONFIGURE)
def kind_list_view(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@require_POST
@require_action(Action.DISPUTE_CONFIGURE)
def kind_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = DisputeKindForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            kind = services.dispute_kind_create(
                actor=user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                sort_order=form.cleaned_data["sort_order"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Dispute kind %(name)s added.") % {"name": kind.name})
            return redirect("mediation:kinds")
    return _render_list(request, form=form, status=status)


@require_POST
@require_action(Action.DISPUTE_CONFIGURE)
def kind_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new name or place in the order (the code stays: exports use it)."""
    user = request_user(request)
    kind = get_object_or_404(DisputeKind, pk=pk)
    form = DisputeKindUpdateForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            kind = services.dispute_kind_update(
                actor=user,
                kind=kind,
                name=form.cleaned_data["name"],
                sort_order=form.cleaned_data["sort_order"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Dispute kind %(name)s saved.") % {"name": kind.name})
            return redirect("mediation:kinds")
    return _render_list(request, failed=(kind.pk, form), status=status)


@require_POST
@require_action(Action.DISPUTE_CONFIGURE)
def kind_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    kind = get_object_or_404(DisputeKind, pk=pk)
    to = reverse("mediation:kinds")
    form = DisputeKindActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request is not valid."))
        return redirect(to)
    is_active = form.cleaned_data["is_active"]
    if is_active:
        success = _("Dispute kind %(name)s is active again.") % {"name": kind.name}
    else:
        success = _("Dispute kind %(name)s is deactivated: new disputes cannot choose it.") % {
            "name": kind.name
        }
    return run_and_redirect(
        request,
        lambda: services.dispute_kind_update(actor=user, kind=kind, is_active=is_active),
        success=success,
        to=to,
    )


urlpatterns: list[URLPattern] = [
    path("kinds/", kind_list_view, name="kinds"),
    path("kinds/new/", kind_create_view, name="kind_create"),
    path("kinds/<int:pk>/edit/", kind_update_view, name="kind_update"),
    path("kinds/<int:pk>/active/", kind_active_view, name="kind_active"),
]
