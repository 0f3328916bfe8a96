"""Staff pages of patrols (巡逻): records and planned routes, recording a patrol with the hazards it
found in one step, and one record with a "raise a hazard from this patrol" form.

Thin views (STYLE.md §9); records and routes come through ``selectors.access_*`` (out of scope: 404).
A refused form is shown again with what was typed and the refusal's status (400, 403 or 409).
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.exceptions import DomainError
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    add_domain_error,
    paginate,
    request_user,
    require_action,
    run_and_redirect,
)
from zhenwu.safety import services
from zhenwu.safety.forms import (
    FindingHazardForm,
    PatrolHazardForm,
    PatrolRecordForm,
    PatrolRouteForm,
    finding_forms,
)
from zhenwu.safety.models import PatrolRecord
from zhenwu.safety.selectors import access_patrol_record, access_route, patrol_records, patrol_routes

#: Active routes listed above the records (the full list is long only for a county office).
ROUTES_SHOWN = 50


@require_safe
@require_action(Action.SAFETY_VIEW)
def patrol_list_view(request: HttpRequest) -> HttpResponse:
    """Patrol records of my scope, newest first, and the active planned routes."""
    user = request_user(request)
    routes = list(patrol_routes(user=user).order_by("unit__path", "name", "id")[: ROUTES_SHOWN + 1])
    return render(
        request,
        "safety/patrol_list.html",
        {
            "section": "patrols",
            "page_obj": paginate(request, patrol_records(user=user)),
            "routes": [
                (route, user_can(user, Action.PATROL_MANAGE, route.unit)) for route in routes[:ROUTES_SHOWN]
            ],
            "more_routes": len(routes) > ROUTES_SHOWN,
            "can_record": role_allows(user, Action.PATROL_RECORD),
            "can_manage": role_allows(user, Action.PATROL_MANAGE),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.PATROL_MANAGE)
def route_new_view(request: HttpRequest) -> HttpResponse:
    """A planned patrol route of a unit (e.g. evening fire patrols in the Spring Festival period)."""
    user = request_user(request)
    if request.method != "POST":
        return render(
            request, "safety/route_form.html", {"section": "patrols", "form": PatrolRouteForm(user=user)}
        )
    form = PatrolRouteForm(request.POST, user=user)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            route = services.patrol_route_create(
                actor=user,
                unit=data["unit"],
                name=data["name"],
                route=data["route"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
                notes=data.get("notes") or "",
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Route %(name)s is planned.") % {"name": route.name})
            return redirect("safety:patrols")
    return render(request, "safety/route_form.html", {"section": "patrols", "form": form}, status=status)


@require_POST
@require_action(Action.PATROL_MANAGE)
def route_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    route = access_route(user, pk)
    return run_and_redirect(
        request,
        lambda: services.patrol_route_deactivate(actor=user, route=route),
        success=_("Route %(name)s is no longer patrolled.") % {"name": route.name},
        to=reverse("safety:patrols"),
    )


# --- recording a patrol --------------------------------------------------------------------------


def _place_patrol_errors(form: forms.Form, findings: list[FindingHazardForm], exc: DomainError) -> None:
    """The service names a finding's fields ``hazards.<n>.<field>``: put each on its sub-form."""
    rest: dict[str, list[str]] = {}
    for key, key_messages in exc.errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "hazards" and parts[1].isdigit() and int(parts[1]) < len(findings):
            finding = findings[int(parts[1])]
            field = parts[2] if parts[2] in finding.fields else None
            for message in key_messages:
                finding.add_error(field, message)
        else:
            rest[key] = key_messages
    if rest or not exc.errors:
        add_domain_error(form, DomainError(exc.message, code=exc.code, errors=rest))


def _patrol_form_page(
    request: HttpRequest, form: PatrolRecordForm, findings: list[FindingHazardForm], status: int = 200
) -> HttpResponse:
    return render(
        request,
        "safety/patrol_form.html",
        {"section": "patrols", "form": form, "findings": findings},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.PATROL_RECORD)
def patrol_new_view(request: HttpRequest) -> HttpResponse:
    """Record a patrol; up to three hazards among its findings are entered with it (one transaction)."""
    user = request_user(request)
    if request.method != "POST":
        return _patrol_form_page(request, PatrolRecordForm(user=user), finding_forms())
    form = PatrolRecordForm(request.POST, user=user)
    findings = finding_forms(request.POST, request.FILES)
    valid = form.is_valid()
    valid = all([finding.is_valid() for finding in findings]) and valid  # noqa: C419 -- every sub-form is validated, for its errors
    if not valid:
        return _patrol_form_page(request, form, findings, status=400)
    data = form.cleaned_data
    filled = [finding for finding in findings if finding.is_filled()]
    try:
        record, hazards = services.patrol_record_create(
            actor=user,
            unit=data["unit"],
            started_at=data["started_at"],
            ended_at=data["ended_at"],
            patrollers=data["patrollers"],
            route=data.get("route"),
            route_taken=data.get("route_taken") or "",
            findings=data.get("findings") or "",
            hazards=[finding.hazard_in() for finding in filled],
        )
    except DomainError as exc:
        # The service numbers the hazards it was given; map them back to the sub-forms they came from.
        numbered = [findings.index(finding) for finding in filled]
        errors: dict[str, list[str]] = {}
        for key, key_messages in exc.errors.items():
            parts = key.split(".")
            if (
                len(parts) == 3
                and parts[0] == "hazards"
                and parts[1].isdigit()
                and int(parts[1]) < len(numbered)
            ):
                key = f"hazards.{numbered[int(parts[1])]}.{parts[2]}"
            errors[key] = key_messages
        _place_patrol_errors(form, findings, DomainError(exc.message, code=exc.code, errors=errors))
        return _patrol_form_page(request, form, findings, status=exc.status)
    if hazards:
        messages.success(
            request,
            ngettext(
                "The patrol is recorded with %(count)d hazard: %(numbers)s.",
                "The patrol is recorded with %(count)d hazards: %(numbers)s.",
                len(hazards),
            )
            % {"count": len(hazards), "numbers": ", ".join(h.number for h in hazards)},
        )
    else:
        messages.success(request, _("The patrol is recorded."))
    return redirect("safety:patrol", pk=record.pk)


# --- one record ----------------------------------------------------------------------------------


def _patrol_page(
    request: HttpRequest,
    user: User,
    record: PatrolRecord,
    *,
    hazard_form: PatrolHazardForm | None = None,
    status: int = 200,
) -> HttpResponse:
    hazards = (
        record.hazards.select_related("unit", "responsible_unit")
        .annotate(photo_count=Count("photos"))
        .order_by("id")
    )
    can_raise = user_can(user, Action.PATROL_RECORD, record.unit) and user_can(
        user, Action.HAZARD_REPORT, record.unit
    )
    context: dict[str, Any] = {
        "section": "patrols",
        "record": record,
        "hazards": list(hazards),
        "hazard_form": (hazard_form or PatrolHazardForm()) if can_raise else None,
    }
    return render(request, "safety/patrol_detail.html", context, status=status)


@require_safe
@require_action(Action.SAFETY_VIEW)
def patrol_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _patrol_page(request, user, access_patrol_record(user, pk))


@require_POST
@require_action(Action.PATROL_RECORD)
def patrol_hazard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise one hazard from a recorded patrol's findings, with its photos."""
    user = request_user(request)
    record = access_patrol_record(user, pk)
    form = PatrolHazardForm(request.POST, request.FILES)
    if not form.is_valid():
        return _patrol_page(request, user, record, hazard_form=form, status=400)
    try:
        hazard = services.hazard_raise_from_patrol(actor=user, record=record, data=form.hazard_in())
    except DomainError as exc:
        add_domain_error(form, exc)
        return _patrol_page(request, user, record, hazard_form=form, status=exc.status)
    messages.success(
        request,
        _("Hazard %(number)s is recorded; to be rectified by %(due)s.")
        % {"number": hazard.number, "due": hazard.rectify_due.isoformat()},
    )
    return redirect(reverse("safety:patrol", args=[record.pk]) + "#hazards")


urlpatterns: list[URLPattern] = [
    path("patrols/", patrol_list_view, name="patrols"),
    path("patrols/new/", patrol_new_view, name="patrol_new"),
    path("patrols/<int:pk>/", patrol_detail_view, name="patrol"),
    path("patrols/<int:pk>/hazards/", patrol_hazard_view, name="patrol_hazard"),
    path("patrols/routes/new/", route_new_view, name="route_new"),
    path("patrols/routes/<int:pk>/deactivate/", route_deactivate_view, name="route_deactivate"),
]
