"""Inspections (督查): a plan's inspections, recording a visit with its findings, one inspection with
the corrections required and done, and its report as .docx."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.exceptions import DomainError, NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    DOCX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    paginate,
    request_user,
    require_action,
)
from zhenwu.plans import services
from zhenwu.plans.choices import FindingResult
from zhenwu.plans.forms import (
    BaseRowsFormSet,
    InspectionForm,
    NoteForm,
    finding_formset,
    findings_of,
    inspected_units,
)
from zhenwu.plans.models import Inspection, InspectionFinding
from zhenwu.plans.selectors import access_finding, access_inspection, access_plan, inspection_list
from zhenwu.plans.views import GET_POST


@require_safe
@require_action(Action.PLAN_VIEW)
def inspection_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's inspections in the user's scope, latest visit first, with problems and corrections."""
    user = request_user(request)
    plan = access_plan(user, pk)
    return render(
        request,
        "plans/inspection_list.html",
        {
            "plan": plan,
            "page_obj": paginate(request, inspection_list(user=user, plan=plan)),
            "can_record": role_allows(user, Action.INSPECTION_MANAGE),
        },
    )


# --- recording an inspection ---------------------------------------------------------------------


def _place_errors(exc: DomainError, form: InspectionForm, formset: BaseRowsFormSet, rows: list[int]) -> None:
    """``inspection_record`` names a finding's errors ``findings.<n>.<field>`` (n among the rows sent)."""
    placed = False
    for key, key_messages in exc.errors.items():
        parts = key.split(".")
        for message in key_messages:
            if (
                parts[0] == "findings"
                and len(parts) >= 2
                and parts[1].isdigit()
                and int(parts[1]) < len(rows)
            ):
                row = formset.forms[rows[int(parts[1])]]
                name = parts[2] if len(parts) > 2 else ""
                row.add_error(name if name in row.fields else None, message)
            elif key in form.fields:
                form.add_error(key, message)
            else:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


@require_http_methods(GET_POST)
@require_action(Action.INSPECTION_MANAGE)
def inspection_new_view(request: HttpRequest) -> HttpResponse:
    """Record a visit to a unit under the plan (``?plan=``): a row per checklist item, then rows to
    write in."""
    user = request_user(request)
    plan_id = request.GET.get("plan") or request.POST.get("plan", "")
    if not plan_id:
        raise ValidationFailed(_("Open this page from a plan: the inspection is for one plan."))
    plan = access_plan(user, plan_id)
    checklist = list(plan.checklist.all())
    data = request.POST if request.method == "POST" else None
    form = InspectionForm(
        data,
        units=inspected_units(user, plan),
        initial={"visited_on": beijing_date(timezone.now()), "inspectors": user.full_name},
    )
    formset = finding_formset(checklist, data)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid() and formset.is_valid():
            findings, rows = findings_of(formset, checklist)
            cleaned = form.cleaned_data
            try:
                inspection = services.inspection_record(
                    actor=user,
                    unit=cleaned["unit"],
                    visited_on=cleaned["visited_on"],
                    inspectors=cleaned["inspectors"],
                    findings=findings,
                    plan=plan,
                    summary=cleaned["summary"],
                )
            except (PermissionRefused, NotFound):
                raise
            except DomainError as exc:
                _place_errors(exc, form, formset, rows)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("The inspection of %(unit)s on %(day)s is recorded.")
                    % {"unit": inspection.unit.name, "day": inspection.visited_on.isoformat()},
                )
                return redirect("plans:inspection", pk=inspection.pk)
    return render(
        request,
        "plans/inspection_form.html",
        {"plan": plan, "form": form, "formset": formset, "checklist": checklist},
        status=status,
    )


# --- one inspection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingRow:
    finding: InspectionFinding
    is_problem: bool
    overdue: bool
    form: Any  # the correction form, for a problem not yet corrected that the user may report on


def _detail(
    request: HttpRequest,
    user: User,
    inspection: Inspection,
    *,
    failed: tuple[int, NoteForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = beijing_date(timezone.now())
    may_correct = user_can(user, Action.INSPECTION_CORRECT, inspection.unit)
    rows = []
    for finding in inspection.findings.select_related("corrected_by"):
        is_problem = finding.result == FindingResult.PROBLEM
        pending = is_problem and finding.corrected_at is None
        form = None
        if failed is not None and failed[0] == finding.pk:
            form = failed[1]
        elif pending and may_correct:
            form = NoteForm(auto_id=f"id_finding_{finding.pk}_%s")
        overdue = pending and finding.correction_due is not None and finding.correction_due < today
        rows.append(FindingRow(finding, is_problem, overdue, form))
    return render(
        request,
        "plans/inspection_detail.html",
        {
            "inspection": inspection,
            "plan": inspection.plan,
            "rows": rows,
            "problems": sum(row.is_problem for row in rows),
        },
        status=status,
    )


@require_safe
@require_action(Action.PLAN_VIEW)
def inspection_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _detail(request, user, access_inspection(user, pk))


@require_POST
@require_action(Action.INSPECTION_CORRECT)
def finding_correct_view(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    """The inspected unit reports a required correction done, with what was corrected."""
    user = request_user(request)
    inspection = access_inspection(user, pk)
    finding = access_finding(user, inspection, finding_id)
    form = NoteForm(request.POST, auto_id=f"id_finding_{finding.pk}_%s")
    if not form.is_valid():
        return _detail(request, user, inspection, failed=(finding.pk, form), status=400)
    try:
        services.finding_correct(actor=user, finding=finding, note=form.cleaned_data["note"])
    except (PermissionRefused, NotFound):
        raise
    except ValidationFailed as exc:
        add_domain_error(form, exc)
        return _detail(request, user, inspection, failed=(finding.pk, form), status=exc.status)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The correction of %(item)s is recorded.") % {"item": finding.item_text})
    return redirect(reverse("plans:inspection", args=[inspection.pk]) + f"#finding-{finding.pk}")


@require_safe
@require_action(Action.PLAN_VIEW)
def inspection_document_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The inspection report (督查情况) as .docx."""
    from zhenwu.plans import documents

    inspection = access_inspection(request_user(request), pk)
    return download_response(
        documents.inspection_docx(inspection), documents.inspection_filename(inspection), DOCX_CONTENT_TYPE
    )


urlpatterns: list[URLPattern] = [
    path("<int:pk>/inspections/", inspection_list_view, name="inspections"),
    path("inspections/new/", inspection_new_view, name="inspection_new"),
    path("inspections/<int:pk>/", inspection_detail_view, name="inspection"),
    path(
        "inspections/<int:pk>/findings/<int:finding_id>/correct/",
        finding_correct_view,
        name="finding_correct",
    ),
    path("inspections/<int:pk>/report.docx", inspection_document_view, name="inspection_document"),
]
