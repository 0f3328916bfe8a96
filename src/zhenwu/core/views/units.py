"""Unit pages: the tree as a list, one unit, create, edit, move, (de)activate."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhenwu.core.exceptions import DomainError
from zhenwu.core.forms import UnitFilterForm, UnitForm, UnitMoveForm, active_filter
from zhenwu.core.models import Unit
from zhenwu.core.scoping import Action, user_can
from zhenwu.core.selectors import access_unit, person_list, unit_ancestors, unit_list
from zhenwu.core.services import units as unit_services
from zhenwu.core.views.common import (
    add_domain_error,
    paginate,
    request_user,
    require_action,
    run_and_redirect,
)


@require_action(Action.UNIT_VIEW)
def unit_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = UnitFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    units = unit_list(
        user=user,
        q=data.get("q", ""),
        kind=data.get("kind", ""),
        active=active_filter(data.get("active", "")),
    )
    return render(
        request,
        "core/unit_list.html",
        {
            "filters": filters,
            "page_obj": paginate(request, units),
            "can_manage": user_can(user, Action.UNIT_MANAGE),
        },
    )


@require_action(Action.UNIT_VIEW)
def unit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    unit = access_unit(user, pk)
    children = Unit.objects.filter(parent=unit).order_by("path")
    staff = person_list(user=user).filter(unit=unit)
    return render(
        request,
        "core/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit_ancestors(unit),
            "children": children[:100],
            "children_count": children.count(),
            "staff": staff[:100],
            "can_manage": user_can(user, Action.UNIT_MANAGE, unit),
            "can_audit": user_can(user, Action.AUDIT_VIEW, unit),
        },
    )


@require_action(Action.UNIT_MANAGE)
def unit_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    initial = {}
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        initial["parent"] = access_unit(user, parent_id).code
    form = UnitForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_services.unit_create(
                actor=user,
                parent=form.cleaned_data["parent"],
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
                phone=form.cleaned_data["phone"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
            return redirect("core:unit_detail", pk=unit.pk)
    return render(request, "core/unit_form.html", {"form": form, "title": _("New unit")})


@require_action(Action.UNIT_MANAGE)
def unit_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    unit = access_unit(user, pk, Action.UNIT_MANAGE)
    initial = {"kind": unit.kind, "name": unit.name, "code": unit.code, "phone": unit.phone}
    form = UnitForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit_services.unit_update(actor=user, unit=unit, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("core:unit_detail", pk=unit.pk)
    return render(request, "core/unit_form.html", {"form": form, "unit": unit, "title": _("Edit unit")})


@require_action(Action.UNIT_MANAGE)
def unit_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    unit = access_unit(user, pk, Action.UNIT_MANAGE)
    form = UnitMoveForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            unit_services.unit_move(actor=user, unit=unit, new_parent=form.cleaned_data["parent"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Unit moved."))
            return redirect("core:unit_detail", pk=unit.pk)
    return render(request, "core/unit_form.html", {"form": form, "unit": unit, "title": _("Move unit")})


@require_POST
@require_action(Action.UNIT_MANAGE)
def unit_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    unit = access_unit(user, pk, Action.UNIT_MANAGE)
    is_active = request.POST.get("is_active") == "1"
    return run_and_redirect(
        request,
        lambda: unit_services.unit_set_active(actor=user, unit=unit, is_active=is_active),
        success=_("Changes saved."),
        to=reverse("core:unit_detail", args=[unit.pk]),
    )


urlpatterns = [
    path("units/", unit_list_view, name="unit_list"),
    path("units/new/", unit_create_view, name="unit_create"),
    path("units/<int:pk>/", unit_detail_view, name="unit_detail"),
    path("units/<int:pk>/edit/", unit_edit_view, name="unit_edit"),
    path("units/<int:pk>/move/", unit_move_view, name="unit_move"),
    path("units/<int:pk>/active/", unit_active_view, name="unit_active"),
]
