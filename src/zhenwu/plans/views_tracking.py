"""Task tracking pages: the unit × task grid of a plan, evidence sent by a unit, an evidence file.

The grid is ``grid.task_grid``: a fixed number of queries per task whatever the number of units.
A village's people see their own row only; the office sees every unit, a page of units at a time.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from zhenwu.core.downloads import protect_stored_file
from zhenwu.core.exceptions import NotFound, PermissionRefused
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, unit_in_scope, user_can
from zhenwu.core.views.common import request_user, require_action
from zhenwu.plans import services
from zhenwu.plans.choices import EvidenceKind, PlanStatus, Recurrence, TaskState
from zhenwu.plans.forms import EvidenceForm
from zhenwu.plans.grid import Grid, task_grid
from zhenwu.plans.models import PlanTask, TaskEvidence, WorkPlan
from zhenwu.plans.selectors import access_plan, grid_units
from zhenwu.plans.views import GET_POST, access_task, form_page, submit, task_when

STATE_BADGES: dict[str, str] = {
    TaskState.DONE: "badge-ok",
    TaskState.IN_PROGRESS: "badge-warn",
    TaskState.OVERDUE: "badge-danger",
}
#: Units (rows) per page of the grid.
GRID_UNITS_PER_PAGE = 50


@dataclass(frozen=True)
class TaskColumn:
    number: int
    task: PlanTask
    when: str
    collects_documents: bool


@dataclass(frozen=True)
class CellView:
    state: str
    badge: str
    label: str
    progress: str  # "2/3 weeks" for a recurring task, else ""
    evidence: list[str]
    files: list[tuple[int, str]]
    upload_url: str


@dataclass
class RowView:
    unit: Unit
    cells: list[CellView | None]
    counts: dict[str, int] = field(default_factory=dict)


def _progress(task: PlanTask, done: int, total: int) -> str:
    if task.recurrence == Recurrence.WEEKLY:
        return ngettext("%(done)d/%(total)d week", "%(done)d/%(total)d weeks", total) % {
            "done": done,
            "total": total,
        }
    if task.recurrence == Recurrence.MONTHLY:
        return ngettext("%(done)d/%(total)d month", "%(done)d/%(total)d months", total) % {
            "done": done,
            "total": total,
        }
    return ""


def _rows(
    user: User,
    plan: WorkPlan,
    grid: Grid,
    units: list[Unit],
    files: dict[tuple[int, int], list[tuple[int, str]]],
) -> list[RowView]:
    labels = {state: str(label) for state, label in TaskState.choices}
    may_upload = plan.status == PlanStatus.ISSUED
    upload_urls = {
        task.pk: reverse("plans:evidence", args=[plan.pk, task.pk])
        for task in grid.tasks
        if task.evidence == EvidenceKind.DOCUMENT
    }
    rows = []
    for unit in units:
        reports_for = may_upload and user_can(user, Action.TASK_REPORT, unit)
        row = RowView(unit, [], dict.fromkeys(TaskState.values, 0))
        for task in grid.tasks:
            cell = grid.cell(task, unit)
            if cell is None:
                row.cells.append(None)
                continue
            row.counts[cell.state] += 1
            evidence = [text for text in cell.evidence if task.evidence != EvidenceKind.DOCUMENT]
            upload = upload_urls.get(task.pk, "") if reports_for else ""
            row.cells.append(
                CellView(
                    state=cell.state,
                    badge=STATE_BADGES.get(cell.state, "badge-muted"),
                    label=labels.get(cell.state, cell.state),
                    progress=_progress(task, cell.done_windows, cell.windows),
                    evidence=evidence,
                    files=files.get((task.pk, unit.pk), []),
                    upload_url=f"{upload}?unit={unit.pk}" if upload else "",
                )
            )
        rows.append(row)
    return rows


@require_safe
@require_action(Action.PLAN_VIEW)
def grid_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Units down, measures across: done, in progress or overdue, with the evidence found."""
    user = request_user(request)
    plan = access_plan(user, pk)
    today = beijing_date(timezone.now())
    in_sight = grid_units(user, plan)
    grid = task_grid(plan, units=in_sight, today=today)
    page_obj = Paginator(grid.units, GRID_UNITS_PER_PAGE).get_page(request.GET.get("page"))
    units = list(page_obj)
    files: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for evidence_id, task_id, unit_id, name in (
        TaskEvidence.objects.filter(task__plan=plan, unit__in=units)
        .order_by("submitted_at", "id")
        .values_list("pk", "task_id", "unit_id", "original_name")
    ):
        files.setdefault((task_id, unit_id), []).append((evidence_id, name))
    columns = [
        TaskColumn(n, task, task_when(task), task.evidence == EvidenceKind.DOCUMENT)
        for n, task in enumerate(grid.tasks, start=1)
    ]
    rows = _rows(user, plan, grid, units, files)
    totals = {state: sum(row.counts[state] for row in rows) for state in TaskState.values}
    return render(
        request,
        "plans/grid.html",
        {
            "plan": plan,
            "today": today,
            "columns": columns,
            "rows": rows,
            "totals": totals,
            "page_obj": page_obj,
            "own_rows_only": in_sight is not None,
        },
    )


def _reporting_units(user: User, task: PlanTask) -> list[Unit]:
    """The task's responsible units for which the user may send evidence."""
    return [unit for unit in services.task_units(task) if user_can(user, Action.TASK_REPORT, unit)]


@require_http_methods(GET_POST)
@require_action(Action.TASK_REPORT)
def evidence_view(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    """A responsible unit sends a document as evidence for a measure (its type checked by content)."""
    user = request_user(request)
    plan = access_plan(user, pk)
    task = access_task(plan, task_id)
    units = _reporting_units(user, task)
    if not units:
        raise PermissionRefused(_("None of your units is responsible for this measure."))
    choices = Unit.objects.filter(pk__in=[unit.pk for unit in units]).order_by("path")
    asked = request.GET.get("unit", "")
    initial_unit = next((u.pk for u in units if str(u.pk) == asked), None) or (
        user.unit_id if any(u.pk == user.unit_id for u in units) else units[0].pk
    )
    form = EvidenceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        units=choices,
        initial={"unit": initial_unit},
    )
    status = 200
    if form.is_bound:
        done = submit(
            form,
            lambda: services.evidence_add(
                actor=user,
                task=task,
                unit=form.cleaned_data["unit"],
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            ),
        )
        if done.ok:
            messages.success(
                request,
                _("%(name)s is sent as evidence for %(task)s.")
                % {"name": done.result.original_name, "task": task.title},
            )
            return redirect("plans:grid", pk=plan.pk)
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("Send evidence"),
        submit_label=gettext_lazy("Send"),
        plan=plan,
        intro=task.title,
        status=status,
        multipart=True,
        back=reverse("plans:grid", args=[plan.pk]),
    )


@require_safe
@require_action(Action.PLAN_VIEW)
def evidence_file_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An evidence file, for the plan's viewers who may see the unit's work (else 404); never inline."""
    user = request_user(request)
    evidence = TaskEvidence.objects.select_related("unit", "task").filter(pk=pk).first()
    if evidence is None:
        raise NotFound()
    plan = access_plan(user, evidence.task.plan_id)
    if not (unit_in_scope(user, evidence.unit) or user_can(user, Action.PLAN_VIEW, plan.owner_unit)):
        raise NotFound()
    try:
        handle = evidence.file.open("rb")
    except OSError:
        raise Http404 from None  # the file is gone from storage
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,  # the type detected at upload, not the name's
    )
    protect_stored_file(response)
    return response


urlpatterns: list[URLPattern] = [
    path("<int:pk>/grid/", grid_view, name="grid"),
    path("<int:pk>/tasks/<int:task_id>/evidence/", evidence_view, name="evidence"),
    path("evidence/<int:pk>/", evidence_file_view, name="evidence_file"),
]
