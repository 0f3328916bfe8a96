"""Staff pages of work plans: the list, writing a plan (text, people, working groups, measures,
checklist), copying and issuing it, reading it as its document will read, and the document.

Thin views (STYLE.md §9): each reads its input, calls one service or selector and renders or
redirects (POST-redirect-GET). Every plan comes through ``selectors.access_plan`` (out of scope:
404); writing needs the plan-manage action on the plan's unit (else 403). A refused form is shown
again with what the user typed and the service's message next to the field it concerns.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.exceptions import DomainError, NotFound, PermissionRefused
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    DOCX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    paginate,
    request_user,
    require_action,
    run_and_redirect,
)
from zhenwu.plans import services
from zhenwu.plans.choices import (
    BODY_ROLES,
    Body,
    EvidenceKind,
    PlanRole,
    PlanStatus,
    RecordSource,
    Recurrence,
)
from zhenwu.plans.forms import (
    BaseRowsFormSet,
    ChecklistForm,
    CopyForm,
    IssueForm,
    PlanForm,
    TaskForm,
    group_formset,
    member_formset,
)
from zhenwu.plans.models import PlanMember, PlanTask, WorkPlan
from zhenwu.plans.selectors import access_plan, plan_list

GET_POST = ["GET", "HEAD", "POST"]
STATUS_BADGES: dict[str, str] = {PlanStatus.DRAFT: "badge-muted", PlanStatus.ISSUED: "badge-ok"}


# --- helpers the other plans views share ------------------------------------------------------


def managed_plan(user: User, pk: int) -> WorkPlan:
    """A plan in sight (else 404) that the user may write (else 403)."""
    plan = access_plan(user, pk)
    if not user_can(user, Action.PLAN_MANAGE, plan.owner_unit):
        raise PermissionRefused()
    return plan


def access_task(plan: WorkPlan, task_id: int) -> PlanTask:
    try:
        return plan.tasks.select_related("report_type").get(pk=task_id)
    except PlanTask.DoesNotExist:
        raise NotFound() from None


@dataclass(frozen=True)
class Outcome:
    """What a form's service call gave: its result when ``ok``, else the status of the page again."""

    ok: bool
    result: Any = None
    status: int = 200


def submit(form: forms.Form, run: Callable[[], Any], *, aliases: dict[str, str] | None = None) -> Outcome:
    """Call the service when the form is valid; a refusal of the input goes on the form.

    ``aliases`` names the form field of a service's error key (e.g. ``file`` -> ``attachments``).
    A 403 or 404 of the service is its error page (the middleware's), never a form error.
    """
    if not form.is_valid():
        return Outcome(False, status=400)
    try:
        return Outcome(True, run())
    except (PermissionRefused, NotFound):
        raise
    except DomainError as exc:
        if aliases:
            exc.errors = {aliases.get(key, key): value for key, value in exc.errors.items()}
        add_domain_error(form, exc)
        return Outcome(False, status=exc.status)


def form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str | Promise,
    submit_label: str | Promise,
    plan: WorkPlan | None = None,
    intro: str | Promise = "",
    status: int = 200,
    multipart: bool = False,
    back: str = "",
) -> HttpResponse:
    """The one-form page of the plans app (a plan's text, a task, the checklist, a copy, an issue...)."""
    return render(
        request,
        "plans/form_page.html",
        {
            "form": form,
            "title": title,
            "submit_label": submit_label,
            "plan": plan,
            "intro": intro,
            "multipart": multipart,
            "back": back or (reverse("plans:detail", args=[plan.pk]) if plan else reverse("plans:list")),
        },
        status=status,
    )


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    plan: WorkPlan
    badge: str
    can_copy: bool


@require_safe
@require_action(Action.PLAN_VIEW)
def plan_list_view(request: HttpRequest) -> HttpResponse:
    """The plans in the user's scope (and those of the units above it), newest period first."""
    user = request_user(request)
    page_obj = paginate(
        request, plan_list(user=user).select_related("owner_unit").order_by("-starts_on", "-id")
    )
    rows = [
        PlanRow(
            plan,
            STATUS_BADGES.get(plan.status, "badge-muted"),
            user_can(user, Action.PLAN_MANAGE, plan.owner_unit),
        )
        for plan in page_obj
        if isinstance(plan, WorkPlan)
    ]
    return render(
        request,
        "plans/plan_list.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "can_create": role_allows(user, Action.PLAN_MANAGE),
            "can_assess": role_allows(user, Action.ASSESSMENT_VIEW),
        },
    )


# --- writing a plan ----------------------------------------------------------------------------


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def plan_new_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = PlanForm(request.POST if request.method == "POST" else None, user=user)
    status = 200
    if form.is_bound:
        done = submit(
            form,
            lambda: services.plan_create(
                actor=user, owner_unit=form.cleaned_data["owner_unit"], **form.text()
            ),
        )
        if done.ok:
            messages.success(
                request, _("Plan %(title)s is created as a draft.") % {"title": done.result.title}
            )
            return redirect("plans:detail", pk=done.result.pk)
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("New plan"),
        submit_label=gettext_lazy("Create the plan"),
        intro=gettext_lazy(
            "Then name the leading group, the working groups and the measures, and issue the plan."
        ),
        status=status,
    )


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def plan_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    plan = managed_plan(user, pk)
    form = PlanForm(request.POST if request.method == "POST" else None, user=user, plan=plan)
    status = 200
    if form.is_bound:
        done = submit(form, lambda: services.plan_update(actor=user, plan=plan, **form.text()))
        if done.ok:
            messages.success(request, _("The plan is saved."))
            return redirect("plans:detail", pk=plan.pk)
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("Edit the plan"),
        submit_label=gettext_lazy("Save"),
        plan=plan,
        status=status,
    )


def _formset_page(
    request: HttpRequest,
    plan: WorkPlan,
    formset: BaseRowsFormSet,
    *,
    title: str | Promise,
    intro: str | Promise,
    errors: list[str],
    status: int,
) -> HttpResponse:
    return render(
        request,
        "plans/formset_page.html",
        {"plan": plan, "formset": formset, "title": title, "intro": intro, "errors": errors},
        status=status,
    )


def _rows_view(
    request: HttpRequest,
    pk: int,
    *,
    build: Callable[[WorkPlan, Any], BaseRowsFormSet],
    method: str,
    run: Callable[[User, WorkPlan, list[Any]], object],
    title: str | Promise,
    intro: str | Promise,
    success: str | Promise,
    anchor: str,
) -> HttpResponse:
    """A table of rows replaced at once by one service (the people, the working groups)."""
    user = request_user(request)
    plan = managed_plan(user, pk)
    formset = build(plan, request.POST if request.method == "POST" else None)
    errors: list[str] = []
    status = 200
    if formset.is_bound:
        status = 400
        if formset.is_valid():
            try:
                run(user, plan, formset.rows(method))
            except (PermissionRefused, NotFound):
                raise
            except DomainError as exc:
                errors = [str(m) for field in exc.errors.values() for m in field] or [str(exc.message)]
                status = exc.status
            else:
                messages.success(request, str(success))
                return redirect(reverse("plans:detail", args=[plan.pk]) + anchor)
    return _formset_page(request, plan, formset, title=title, intro=intro, errors=errors, status=status)


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def plan_members_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The leading group (组长, 副组长, 成员) and its office (办公室主任, 联络员, 成员)."""
    return _rows_view(
        request,
        pk,
        build=member_formset,
        method="member",
        run=lambda user, plan, rows: services.plan_members_set(actor=user, plan=plan, members=rows),
        title=gettext_lazy("Leading group and office"),
        intro=gettext_lazy(
            "One person per row, in the order the document lists them; a row without a name is left out."
        ),
        success=gettext_lazy("The leading group and its office are saved."),
        anchor="#members",
    )


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def plan_groups_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _rows_view(
        request,
        pk,
        build=group_formset,
        method="group",
        run=lambda user, plan, rows: services.working_groups_set(actor=user, plan=plan, groups=rows),
        title=gettext_lazy("Working groups"),
        intro=gettext_lazy("One group per row with its lead, members and duties; an empty row is left out."),
        success=gettext_lazy("The working groups are saved."),
        anchor="#groups",
    )


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def task_new_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    plan = managed_plan(user, pk)
    form = TaskForm(request.POST if request.method == "POST" else None, plan=plan)
    status = 200
    if form.is_bound:
        done = submit(form, lambda: services.task_add(actor=user, plan=plan, data=form.task_in()))
        if done.ok:
            messages.success(request, _("Measure %(title)s is added.") % {"title": done.result.title})
            return redirect(reverse("plans:detail", args=[plan.pk]) + "#tasks")
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("Add a measure"),
        submit_label=gettext_lazy("Add the measure"),
        plan=plan,
        status=status,
    )


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def task_edit_view(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    user = request_user(request)
    plan = managed_plan(user, pk)
    task = access_task(plan, task_id)
    form = TaskForm(request.POST if request.method == "POST" else None, plan=plan, task=task)
    status = 200
    if form.is_bound:
        done = submit(form, lambda: services.task_update(actor=user, task=task, data=form.task_in()))
        if done.ok:
            messages.success(request, _("Measure %(title)s is saved.") % {"title": done.result.title})
            return redirect(reverse("plans:detail", args=[plan.pk]) + "#tasks")
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("Edit the measure"),
        submit_label=gettext_lazy("Save"),
        plan=plan,
        status=status,
    )


@require_POST
@require_action(Action.PLAN_MANAGE)
def task_remove_view(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    user = request_user(request)
    plan = managed_plan(user, pk)
    task = access_task(plan, task_id)
    return run_and_redirect(
        request,
        lambda: services.task_remove(actor=user, task=task),
        success=_("Measure %(title)s is removed.") % {"title": task.title},
        to=reverse("plans:detail", args=[plan.pk]) + "#tasks",
    )


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def checklist_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The items inspectors check on a visit; a new plan's list starts from its measures."""
    user = request_user(request)
    plan = managed_plan(user, pk)
    if request.method == "POST":
        form = ChecklistForm(request.POST)
    else:
        items = [item.text for item in plan.checklist.all()] or [task.title for task in plan.tasks.all()]
        form = ChecklistForm(initial={"items": "\n".join(items)})
    status = 200
    if form.is_bound:
        done = submit(form, lambda: services.checklist_set(actor=user, plan=plan, items=form.lines()))
        if done.ok:
            messages.success(request, _("The inspection checklist is saved."))
            return redirect(reverse("plans:detail", args=[plan.pk]) + "#checklist")
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("Inspection checklist"),
        submit_label=gettext_lazy("Save"),
        plan=plan,
        status=status,
    )


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def plan_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft from this plan (e.g. last year's), every date moved to the new start."""
    user = request_user(request)
    plan = managed_plan(user, pk)
    form = CopyForm(request.POST if request.method == "POST" else None, initial={"title": plan.title})
    status = 200
    if form.is_bound:
        done = submit(
            form,
            lambda: services.plan_copy(
                actor=user,
                plan=plan,
                starts_on=form.cleaned_data["starts_on"],
                title=form.cleaned_data["title"],
            ),
        )
        if done.ok:
            messages.success(request, _("The copy is a new draft; check its dates and text."))
            return redirect("plans:detail", pk=done.result.pk)
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("Copy the plan"),
        submit_label=gettext_lazy("Make the copy"),
        plan=plan,
        intro=gettext_lazy(
            "The people, working groups, measures and checklist are copied; "
            "the document number is left empty."
        ),
        status=status,
    )


@require_http_methods(GET_POST)
@require_action(Action.PLAN_MANAGE)
def plan_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the plan (印发): a notice to the units, who acknowledge it (签收)."""
    user = request_user(request)
    plan = managed_plan(user, pk)
    form = IssueForm(request.POST if request.method == "POST" else None, plan=plan)
    status = 200
    if form.is_bound:
        done = submit(
            form,
            lambda: services.plan_issue(
                actor=user,
                plan=plan,
                units=list(form.cleaned_data["units"]),
                acknowledge_by=form.cleaned_data["acknowledge_by"],
            ),
        )
        if done.ok:
            messages.success(
                request,
                _("The plan is issued to %(count)s units; their acknowledgements are tracked below.")
                % {"count": done.result.recipients.count()},
            )
            return redirect("plans:notice", pk=done.result.pk)
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("Issue the plan"),
        submit_label=gettext_lazy("Issue"),
        plan=plan,
        intro=gettext_lazy(
            "The plan is fixed as issued and goes as a notice to the units, who acknowledge it. "
            "Every village under the plan's unit receives it unless you choose the units."
        ),
        status=status,
    )


# --- reading a plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleLine:
    """One line of the leading group or office as the document reads: 组长：刘强（镇党委书记）."""

    label: str
    people: list[PlanMember]


@dataclass(frozen=True)
class BodySection:
    key: str
    label: str
    lines: list[RoleLine]


def _bodies(members: list[PlanMember]) -> list[BodySection]:
    sections = []
    for body in Body:
        rows = [m for m in members if m.body == body]
        lines = [
            RoleLine(str(PlanRole(role).label), [m for m in rows if m.role == role])
            for role in BODY_ROLES[body]
        ]
        sections.append(BodySection(body.value, str(body.label), [line for line in lines if line.people]))
    return sections


@dataclass(frozen=True)
class TaskRow:
    task: PlanTask
    responsible: str
    when: str
    evidence: str


def task_when(task: PlanTask) -> str:
    if task.recurrence == Recurrence.ONCE:
        return _("by %(date)s") % {"date": task.due_on.isoformat()} if task.due_on else ""
    label = str(Recurrence(task.recurrence).label)
    if task.due_on:
        return _("%(recurrence)s, until %(date)s") % {"recurrence": label, "date": task.due_on.isoformat()}
    return label


def task_evidence(task: PlanTask) -> str:
    """What counts as evidence, in words: the kind and its report type, ledger and count."""
    kind = str(EvidenceKind(task.evidence).label)
    if task.evidence == EvidenceKind.REPORT and task.report_type is not None:
        return f"{kind}: {task.report_type.name}"
    if task.evidence == EvidenceKind.RECORD_COUNT and task.record_source:
        return _("%(kind)s: %(ledger)s, at least %(count)s") % {
            "kind": kind,
            "ledger": RecordSource(task.record_source).label,
            "count": task.min_count,
        }
    if task.evidence == EvidenceKind.DOCUMENT and task.min_count > 1:
        return _("%(kind)s, at least %(count)s") % {"kind": kind, "count": task.min_count}
    return kind


def task_rows(tasks: list[PlanTask]) -> list[TaskRow]:
    rows = []
    for task in tasks:
        if task.all_units:
            responsible = _("All villages")
        else:
            responsible = "、".join(unit.name for unit in sorted(task.units.all(), key=lambda u: u.path))
        rows.append(TaskRow(task, responsible, task_when(task), task_evidence(task)))
    return rows


@require_safe
@require_action(Action.PLAN_VIEW)
def plan_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every section of the plan as its document will read, with the links to work on it."""
    user = request_user(request)
    plan = access_plan(user, pk)
    can_manage = user_can(user, Action.PLAN_MANAGE, plan.owner_unit)
    tasks = list(plan.tasks.select_related("report_type").prefetch_related("units"))
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "badge": STATUS_BADGES.get(plan.status, "badge-muted"),
            "is_draft": plan.status == PlanStatus.DRAFT,
            "bodies": _bodies(list(plan.members.all())),
            "groups": list(plan.groups.all()),
            "tasks": task_rows(tasks),
            "checklist": list(plan.checklist.all()),
            "notices": list(plan.notices.order_by("-issued_at", "-id")[:10]),
            "can_manage": can_manage,
            "can_inspect": role_allows(user, Action.INSPECTION_MANAGE),
            "can_assess": role_allows(user, Action.ASSESSMENT_VIEW),
        },
    )


@require_safe
@require_action(Action.PLAN_VIEW)
def plan_document_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The notice with the plan attached (印发通知) as .docx, rendered from the plan as it is now."""
    from zhenwu.plans import documents

    plan = access_plan(request_user(request), pk)
    return download_response(documents.plan_docx(plan), documents.plan_filename(plan), DOCX_CONTENT_TYPE)


urlpatterns: list[URLPattern] = [
    path("", plan_list_view, name="list"),
    path("new/", plan_new_view, name="new"),
    path("<int:pk>/", plan_detail_view, name="detail"),
    path("<int:pk>/edit/", plan_edit_view, name="edit"),
    path("<int:pk>/members/", plan_members_view, name="members"),
    path("<int:pk>/groups/", plan_groups_view, name="groups"),
    path("<int:pk>/tasks/new/", task_new_view, name="task_new"),
    path("<int:pk>/tasks/<int:task_id>/", task_edit_view, name="task_edit"),
    path("<int:pk>/tasks/<int:task_id>/remove/", task_remove_view, name="task_remove"),
    path("<int:pk>/checklist/", checklist_view, name="checklist"),
    path("<int:pk>/copy/", plan_copy_view, name="copy"),
    path("<int:pk>/issue/", plan_issue_view, name="issue"),
    path("<int:pk>/document.docx", plan_document_view, name="document"),
]
