"""Staff pages of incidents (事故): the ledger, reporting (which writes to the duty desk's log), one
incident with its figures, follow-up measures and closing, and the ledger export.

Thin views (STYLE.md §9); incidents come through ``selectors.access_incident`` (out of scope: 404).
A refused form is shown again with what was typed and the refusal's status (400, 403 or 409).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.exceptions import DomainError, ValidationFailed
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    XLSX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    paginate,
    request_user,
    require_action,
)
from zhenwu.safety import export, services
from zhenwu.safety.choices import IncidentStatus
from zhenwu.safety.forms import (
    IncidentCloseForm,
    IncidentFilterForm,
    IncidentForm,
    IncidentUpdateForm,
    MeasureForm,
)
from zhenwu.safety.models import Incident
from zhenwu.safety.selectors import access_incident, incident_list


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_safe
@require_action(Action.SAFETY_VIEW)
def incident_list_view(request: HttpRequest) -> HttpResponse:
    """Incidents of my scope, the latest first."""
    user = request_user(request)
    filters = IncidentFilterForm(request.GET or None)
    page_obj = paginate(request, incident_list(user=user).filter(**filters.values()))
    return render(
        request,
        "safety/incident_list.html",
        {
            "section": "incidents",
            "filters": filters,
            "page_obj": page_obj,
            "query": _query_without_page(request),
            "can_report": role_allows(user, Action.INCIDENT_REPORT),
            "can_export": role_allows(user, Action.SAFETY_EXPORT),
        },
    )


@require_safe
@require_action(Action.SAFETY_EXPORT)
def incident_export_view(request: HttpRequest) -> HttpResponseBase:
    user = request_user(request)
    filters = IncidentFilterForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(reverse("safety:incidents") + "?" + request.GET.urlencode())
    rows = incident_list(user=user, action=Action.SAFETY_EXPORT).filter(**filters.values())
    return download_response(
        export.incident_ledger_xlsx(rows), export.safety_export_filename("incidents"), XLSX_CONTENT_TYPE
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.INCIDENT_REPORT)
def incident_new_view(request: HttpRequest) -> HttpResponse:
    """Report an incident; it goes into the log of the duty shift on duty at once."""
    user = request_user(request)
    if request.method != "POST":
        return render(
            request, "safety/incident_form.html", {"section": "incidents", "form": IncidentForm(user=user)}
        )
    form = IncidentForm(request.POST, user=user)
    status = 400
    if form.is_valid():
        try:
            incident = services.incident_report(
                actor=user, unit=form.cleaned_data["unit"], data=form.incident_in()
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            if incident.duty_log_entry_id is not None:
                messages.success(
                    request,
                    _("Incident %(number)s is reported and written in the duty log.")
                    % {"number": incident.number},
                )
            else:
                messages.warning(
                    request,
                    _("Incident %(number)s is reported; no duty shift is on duty: call the duty desk.")
                    % {"number": incident.number},
                )
            return redirect("safety:incident", pk=incident.pk)
    return render(request, "safety/incident_form.html", {"section": "incidents", "form": form}, status=status)


def _incident_page(
    request: HttpRequest,
    user: User,
    incident: Incident,
    *,
    bound: dict[str, forms.Form] | None = None,
    error: str | Promise | None = None,
    status: int = 200,
) -> HttpResponse:
    manages = incident.status == IncidentStatus.OPEN and user_can(user, Action.INCIDENT_MANAGE, incident.unit)
    built: dict[str, forms.Form] = {}
    if manages:
        built = {
            "update": IncidentUpdateForm.for_incident(incident),
            "measure": MeasureForm(),
            "close": IncidentCloseForm(),
        }
        built.update(bound or {})
    entry = incident.duty_log_entry
    shift = entry.shift if entry is not None else None
    return render(
        request,
        "safety/incident_detail.html",
        {
            "section": "incidents",
            "incident": incident,
            "measures": list(incident.measures.select_related("author").order_by("created_at", "id")),
            "shift": shift,
            "shift_visible": shift is not None and user_can(user, Action.DUTY_VIEW, shift.unit),
            "forms": built,
            "action_error": error,
        },
        status=status,
    )


@require_safe
@require_action(Action.SAFETY_VIEW)
def incident_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _incident_page(request, user, access_incident(user, pk))


def _incident_action(
    request: HttpRequest,
    pk: int,
    *,
    key: str,
    form_class: type[forms.Form],
    run: Callable[[User, Incident, dict[str, Any]], object],
    success: str,
    anchor: str = "",
) -> HttpResponse:
    user = request_user(request)
    incident = access_incident(user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _incident_page(request, user, incident, bound={key: form}, status=400)
    try:
        run(user, incident, form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc)
        error = None if isinstance(exc, ValidationFailed) else exc.message
        return _incident_page(
            request, user, access_incident(user, pk), bound={key: form}, error=error, status=exc.status
        )
    messages.success(request, success)
    return redirect(reverse("safety:incident", args=[incident.pk]) + anchor)


@require_POST
@require_action(Action.INCIDENT_MANAGE)
def incident_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_action(
        request,
        pk,
        key="update",
        form_class=IncidentUpdateForm,
        run=lambda user, incident, data: services.incident_update(actor=user, incident=incident, **data),
        success=_("The figures are updated."),
    )


@require_POST
@require_action(Action.INCIDENT_MANAGE)
def incident_measure_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_action(
        request,
        pk,
        key="measure",
        form_class=MeasureForm,
        run=lambda user, incident, data: services.incident_measure_add(
            actor=user, incident=incident, text=data["text"]
        ),
        success=_("The measure is recorded."),
        anchor="#measures",
    )


@require_POST
@require_action(Action.INCIDENT_MANAGE)
def incident_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_action(
        request,
        pk,
        key="close",
        form_class=IncidentCloseForm,
        run=lambda user, incident, data: services.incident_close(
            actor=user, incident=incident, note=data.get("note") or ""
        ),
        success=_("The incident is closed."),
    )


urlpatterns: list[URLPattern] = [
    path("incidents/", incident_list_view, name="incidents"),
    path("incidents/new/", incident_new_view, name="incident_new"),
    path("incidents/export/", incident_export_view, name="incidents_export"),
    path("incidents/<int:pk>/", incident_detail_view, name="incident"),
    path("incidents/<int:pk>/update/", incident_update_view, name="incident_update"),
    path("incidents/<int:pk>/measures/", incident_measure_view, name="incident_measure"),
    path("incidents/<int:pk>/close/", incident_close_view, name="incident_close"),
]
