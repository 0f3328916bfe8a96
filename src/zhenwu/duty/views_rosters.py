"""Staff pages of duty rosters (值班表): list and create; the roster itself (shift templates, pools,
generation, the days × shifts table with hand edits, the coverage check, publishing); fairness; the
printable A4 roster and the .xlsx; hand edits, swaps and takeovers; leave.

Thin views (STYLE.md §9): each reads its input, calls one service or selector and renders or
redirects. Every object comes through ``selectors.access_*`` (out of scope: 404). A refused form is
shown again with what the user typed: 400 for invalid input, 409 for a conflict (publishing with
problems unconfirmed, a roster already published). POST-only buttons (generate, remove, decide)
show the service's refusal as a message and go back.

The roster page reads a fixed number of queries whatever the number of shifts: the shifts with
their people (``roster_shifts``), the coverage check (a fixed number of its own), the pools and,
for managers, the staff who may be put in a pool.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.exceptions import Conflict, DomainError, PermissionRefused, ValidationFailed
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    XLSX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    paginate,
    request_user,
    require_action,
    run_and_redirect,
)
from zhenwu.duty import export, services
from zhenwu.duty.choices import Position, RosterStatus, SwapStatus
from zhenwu.duty.forms_rosters import (
    AssignForm,
    DecisionForm,
    LeaveForm,
    PoolForm,
    PublishForm,
    RosterForm,
    ShiftTemplateForm,
    SwapForm,
    duty_staff,
    pool_candidates,
)
from zhenwu.duty.models import Roster, RosterMember, Shift, ShiftAssignment, ShiftTemplate, SwapRequest
from zhenwu.duty.selectors import (
    CoverageReport,
    access_assignment,
    access_roster,
    access_shift,
    access_swap,
    coverage_report,
    fairness_report,
    leave_list,
    roster_list,
    roster_shifts,
)

POSITIONS = (Position.LEADER, Position.OFFICER)
#: The coverage box lists this many problems; the rest are counted (all are recorded on publishing).
PROBLEMS_SHOWN = 50


def _detail_url(roster: Roster, anchor: str = "") -> str:
    url = reverse("duty:roster_detail", args=[roster.pk])
    return f"{url}#{anchor}" if anchor else url


def _day_anchor(day: datetime.date) -> str:
    return f"day-{day.isoformat()}"


def _members(roster: Roster) -> list[RosterMember]:
    """The roster's pools with their people, in rotation order (one query)."""
    return list(
        RosterMember.objects.filter(roster=roster)
        .select_related("person")
        .order_by("position", "order", "id")
    )


def _refused(form: Any, exc: DomainError) -> int:
    """A service's refusal shown on the form; the page's status is the error's."""
    add_domain_error(form, exc)
    return exc.status


# --- list and create -------------------------------------------------------------------------------


@require_safe
@require_action(Action.DUTY_VIEW)
def roster_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rosters = (
        roster_list(user=user)
        .select_related("unit")
        .annotate(shift_count=Count("shifts"))
        .order_by("-starts_on", "id")
    )
    page_obj = paginate(request, rosters)
    return render(
        request,
        "duty/rosters/roster_list.html",
        {"page_obj": page_obj, "can_manage": role_allows(user, Action.DUTY_MANAGE)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.DUTY_MANAGE)
def roster_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    data = request.POST if request.method == "POST" else None
    form = RosterForm(data, user=user)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                roster = services.roster_create(
                    actor=user,
                    unit=cleaned["unit"],
                    name=cleaned["name"],
                    starts_on=cleaned["starts_on"],
                    ends_on=cleaned["ends_on"],
                )
            except ValidationFailed as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("Roster %(name)s created: now add its shifts and people.") % {"name": roster.name},
                )
                return redirect("duty:roster_detail", pk=roster.pk)
    return render(request, "duty/rosters/roster_form.html", {"form": form}, status=status)


# --- the roster page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentView:
    """A person on a shift as the table shows them: problems found by the check, what may be done."""

    assignment: ShiftAssignment
    flags: tuple[str, ...]
    can_swap: bool


@dataclass
class PositionCell:
    position: str
    label: str
    required: int
    people: list[AssignmentView]
    #: Pool members of the position who are not on the shift: the "add person" choices.
    addable: list[tuple[int, str]]

    @property
    def short(self) -> bool:
        return len(self.people) < self.required

    @property
    def over(self) -> bool:
        return len(self.people) > self.required


@dataclass
class ShiftCell:
    shift: Shift
    positions: list[PositionCell]
    started: bool
    ended: bool


@dataclass
class DayRow:
    day: datetime.date
    weekday: str
    day_name: str
    is_rest: bool
    cells: list[ShiftCell | None] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return _day_anchor(self.day)


def _flags(report: CoverageReport) -> dict[int, list[str]]:
    """Assignment id -> what the coverage check says about it (on leave, two places, short rest)."""
    flags: dict[int, list[str]] = defaultdict(list)

    def add(assignment: ShiftAssignment, label: str) -> None:
        if label not in flags[assignment.pk]:
            flags[assignment.pk].append(label)

    for found in report.on_leave:
        add(found.assignment, _("on leave"))
    for clash in report.clashes:
        add(clash.first, _("in two places"))
        add(clash.second, _("in two places"))
    for short in report.short_rest:
        add(short.first, _("too little rest"))
        add(short.second, _("too little rest"))
    return flags


def _layout(
    roster: Roster,
    shifts: list[Shift],
    templates: list[ShiftTemplate],
    members: list[RosterMember],
    report: CoverageReport,
    *,
    user: User,
    can_manage: bool,
) -> list[DayRow]:
    """Every day of the period with one cell per shift template (empty where the template does not
    apply), each cell with the people per position."""
    now = timezone.now()
    flags = _flags(report)
    may_serve = role_allows(user, Action.DUTY_SERVE)
    column = {template.pk: index for index, template in enumerate(templates)}
    pools: dict[str, list[tuple[int, str]]] = {p: [] for p in POSITIONS}
    for member in members:
        pools[member.position].append((member.person_id, member.person.get_full_name()))
    rows: dict[datetime.date, DayRow] = {}
    day = roster.starts_on
    while day <= roster.ends_on:
        rows[day] = DayRow(day, str(WEEKDAYS[day.weekday()]), "", day.weekday() >= 5, [None] * len(templates))
        day += datetime.timedelta(days=1)
    for shift in shifts:
        row = rows.get(shift.on_date)
        if row is None or shift.template_id not in column:
            continue
        row.day_name = row.day_name or shift.day_name
        row.is_rest = shift.is_rest_day
        started = shift.starts_at <= now
        assignments = list(shift.assignments.all())
        on_shift = {a.person_id for a in assignments}
        cell = ShiftCell(shift, [], started=started, ended=shift.ends_at <= now)
        for position in POSITIONS:
            people = [
                AssignmentView(
                    a,
                    tuple(flags.get(a.pk, ())),
                    can_swap=not started and (can_manage or (may_serve and a.person_id == user.pk)),
                )
                for a in assignments
                if a.position == position
            ]
            addable = [(pk, name) for pk, name in pools[position] if pk not in on_shift]
            cell.positions.append(
                PositionCell(
                    position,
                    str(Position(position).label),
                    shift.template.required(position),
                    people,
                    addable,
                )
            )
        row.cells[column[shift.template_id]] = cell
    return list(rows.values())


@dataclass(frozen=True)
class PoolView:
    position: str
    label: str
    members: list[RosterMember]
    form: PoolForm | None


def _detail_page(
    request: HttpRequest,
    user: User,
    roster: Roster,
    *,
    template_form: ShiftTemplateForm | None = None,
    pool_form: PoolForm | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = user_can(user, Action.DUTY_MANAGE, roster.unit)
    is_draft = roster.status == RosterStatus.DRAFT
    templates = list(roster.templates.all())
    members = _members(roster)
    staff = list(duty_staff(roster.unit)) if can_manage else []
    pools = []
    for position in POSITIONS:
        form = None
        if can_manage:
            form = pool_form if pool_form is not None and pool_form.pool_position == position else None
            form = form or PoolForm(
                position=position,
                candidates=pool_candidates(staff, members, position),
                members=[m.person_id for m in members if m.position == position],
            )
        pools.append(
            PoolView(
                position, str(Position(position).label), [m for m in members if m.position == position], form
            )
        )
    report = coverage_report(roster)
    problems = report.problem_lines()
    shifts = roster_shifts(roster)
    rows = _layout(roster, shifts, templates, members, report, user=user, can_manage=can_manage)
    pending = roster.swaps.filter(status=SwapStatus.PENDING).count()
    return render(
        request,
        "duty/rosters/roster_detail.html",
        {
            "roster": roster,
            "can_manage": can_manage,
            "is_draft": is_draft,
            "templates": templates,
            "template_form": template_form or (ShiftTemplateForm() if can_manage and is_draft else None),
            "pools": pools,
            "rows": rows,
            "shift_count": len(shifts),
            "report": report,
            "problems": problems[:PROBLEMS_SHOWN],
            "problem_count": len(problems),
            "publish_form": publish_form or (PublishForm() if can_manage and is_draft else None),
            "pending_swaps": pending,
            "can_serve": role_allows(user, Action.DUTY_SERVE),
        },
        status=status,
    )


@require_safe
@require_action(Action.DUTY_VIEW)
def roster_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _detail_page(request, user, access_roster(user, pk))


@require_POST
@require_action(Action.DUTY_MANAGE)
def roster_template_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a shift to the roster's day; an overlap is shown on the form (400)."""
    user = request_user(request)
    roster = access_roster(user, pk)
    form = ShiftTemplateForm(request.POST)
    status = 400
    if form.is_valid():
        cleaned = form.cleaned_data
        try:
            template = services.shift_template_add(
                actor=user,
                roster=roster,
                name=cleaned["name"],
                start_time=cleaned["start_time"],
                end_time=cleaned["end_time"],
                days=cleaned["days"],
                leaders_required=cleaned["leaders_required"],
                officers_required=cleaned["officers_required"],
            )
        except (ValidationFailed, Conflict) as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, _("Shift %(shift)s added.") % {"shift": str(template)})
            return redirect(_detail_url(roster, "templates"))
    return _detail_page(request, user, roster, template_form=form, status=status)


@require_POST
@require_action(Action.DUTY_MANAGE)
def roster_pool_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The pool of one position, in the order the form lists the people checked."""
    user = request_user(request)
    roster = access_roster(user, pk)
    position = str(request.POST.get("position", ""))
    if position not in Position.values:
        raise ValidationFailed(_("Unknown position."))
    members = _members(roster)
    form = PoolForm(
        request.POST,
        position=position,
        candidates=pool_candidates(duty_staff(roster.unit), members, position),
        members=[m.person_id for m in members if m.position == position],
    )
    status = 400
    if form.is_valid():
        people = form.chosen()
        try:
            services.roster_members_set(actor=user, roster=roster, position=position, people=people)
        except (ValidationFailed, Conflict) as exc:
            status = _refused(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(position)s: %(count)s person in the pool.",
                    "%(position)s: %(count)s people in the pool.",
                    len(people),
                )
                % {"position": Position(position).label, "count": len(people)},
            )
            return redirect(_detail_url(roster, "pools"))
    return _detail_page(request, user, roster, pool_form=form, status=status)


@require_POST
@require_action(Action.DUTY_MANAGE)
def roster_generate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Lay out the shifts and fill them by rotation; hand edits, swaps and takeovers are kept."""
    user = request_user(request)
    roster = access_roster(user, pk)
    try:
        result = services.roster_generate(actor=user, roster=roster)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(_detail_url(roster))
    messages.success(
        request,
        _(
            "Generated: %(shifts)s new shifts, %(assigned)s places filled by rotation, "
            "%(kept)s changes made by hand kept."
        )
        % {"shifts": result.shifts_created, "assigned": result.assigned, "kept": result.kept},
    )
    if result.unfilled:
        shown = "; ".join(result.unfilled[:5])
        more = len(result.unfilled) - 5
        messages.warning(
            request,
            ngettext(
                "%(count)s place could not be filled: %(which)s",
                "%(count)s places could not be filled: %(which)s",
                len(result.unfilled),
            )
            % {"count": len(result.unfilled), "which": shown + (f" (+{more})" if more > 0 else "")},
        )
    return redirect(_detail_url(roster, "coverage"))


@require_POST
@require_action(Action.DUTY_MANAGE)
def roster_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish; with problems only when confirmed with a reason, else the problems are shown (409)."""
    user = request_user(request)
    roster = access_roster(user, pk)
    form = PublishForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.roster_publish(
                actor=user,
                roster=roster,
                confirm_gaps=form.cleaned_data["confirm_gaps"],
                note=form.cleaned_data["note"],
            )
        except (ValidationFailed, Conflict) as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, _("The roster is published."))
            return redirect(_detail_url(roster))
    return _detail_page(request, user, access_roster(user, pk), publish_form=form, status=status)


# --- fairness, print, .xlsx ------------------------------------------------------------------------


@require_safe
@require_action(Action.DUTY_VIEW)
def roster_fairness_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Per person: shifts, hours, nights and rest-day shifts; anyone rostered while on leave flagged."""
    user = request_user(request)
    roster = access_roster(user, pk)
    rows = fairness_report(roster)
    return render(
        request,
        "duty/rosters/fairness.html",
        {"roster": roster, "rows": rows, "flagged": sum(1 for row in rows if row.on_leave)},
    )


@dataclass(frozen=True)
class PrintRow:
    shift: Shift
    weekday: str
    leaders: list[User]
    officers: list[User]


@require_safe
@require_action(Action.DUTY_VIEW)
def roster_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster on A4: one line per shift with the people on duty and their phones."""
    user = request_user(request)
    roster = access_roster(user, pk)
    rows = []
    for shift in roster_shifts(roster):
        assignments = list(shift.assignments.all())
        rows.append(
            PrintRow(
                shift,
                str(WEEKDAYS[shift.on_date.weekday()]),
                [a.person for a in assignments if a.position == Position.LEADER],
                [a.person for a in assignments if a.position == Position.OFFICER],
            )
        )
    return render(request, "duty/rosters/print.html", {"roster": roster, "rows": rows})


@require_safe
@require_action(Action.DUTY_VIEW)
def roster_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    roster = access_roster(user, pk)
    return download_response(export.roster_xlsx(roster), export.roster_filename(roster), XLSX_CONTENT_TYPE)


# --- hand edits ------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.DUTY_MANAGE)
def assignment_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a pool member on a shift by hand (kept by any later generation)."""
    user = request_user(request)
    shift = access_shift(user, pk)
    roster = access_roster(user, shift.roster_id)
    if not user_can(user, Action.DUTY_MANAGE, roster.unit):
        raise PermissionRefused()
    members = _members(roster)
    assignments = list(shift.assignments.select_related("person").order_by("position", "id"))
    on_shift = {a.person_id for a in assignments}
    position = str(request.GET.get("position", ""))
    initial = {"position": position} if position in Position.values else {}
    data = request.POST if request.method == "POST" else None
    form = AssignForm(data, roster=roster, members=members, on_shift=on_shift, initial=initial)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            person = form.cleaned_data["person"]
            try:
                services.assignment_set(
                    actor=user, shift=shift, position=form.cleaned_data["position"], person=person
                )
            except (ValidationFailed, Conflict) as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is on %(shift)s %(day)s.")
                    % {"name": person.get_full_name(), "shift": shift.template.name, "day": shift.on_date},
                )
                return redirect(_detail_url(roster, _day_anchor(shift.on_date)))
    return render(
        request,
        "duty/rosters/assign.html",
        {"roster": roster, "shift": shift, "assignments": assignments, "form": form},
        status=status,
    )


@require_POST
@require_action(Action.DUTY_MANAGE)
def assignment_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    assignment = access_assignment(user, pk)
    shift = assignment.shift
    success = _("%(name)s is taken off %(shift)s %(day)s.") % {
        "name": assignment.person.get_full_name(),
        "shift": shift.template.name,
        "day": shift.on_date,
    }
    return run_and_redirect(
        request,
        lambda: services.assignment_remove(actor=user, assignment=assignment),
        success=success,
        to=_detail_url(shift.roster, _day_anchor(shift.on_date)),
    )


# --- swaps and takeovers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SwapRow:
    swap: SwapRequest
    #: Who gave the shift away (recorded on the swap).
    giver: User
    can_decide: bool


@require_safe
@require_action(Action.DUTY_VIEW)
def swap_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster's swaps and takeovers, those waiting for approval first."""
    user = request_user(request)
    roster = access_roster(user, pk)
    can_manage = user_can(user, Action.DUTY_MANAGE, roster.unit)
    swaps = (
        SwapRequest.objects.filter(roster=roster)
        .select_related(
            "assignment__shift__template",
            "assignment__person",
            "counterpart__shift__template",
            "counterpart__person",
            "from_person",
            "to_person",
            "requested_by",
            "decided_by",
        )
        .annotate(
            waiting=Case(
                When(status=SwapStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("waiting", "-requested_at", "-id")
    )
    page_obj = paginate(request, swaps)
    rows = []
    for swap in page_obj:
        assert isinstance(swap, SwapRequest)  # noqa: S101 -- a page of the queryset above
        parties = {swap.from_person_id, swap.to_person_id}
        rows.append(
            SwapRow(
                swap,
                swap.from_person,
                can_decide=can_manage and swap.status == SwapStatus.PENDING and user.pk not in parties,
            )
        )
    return render(
        request,
        "duty/rosters/swap_list.html",
        {"roster": roster, "page_obj": page_obj, "rows": rows},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.DUTY_SERVE)
def swap_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a shift away: the person on it asks (the office approves), or the office asks or arranges
    it for them at once."""
    user = request_user(request)
    assignment = access_assignment(user, pk)
    roster = assignment.shift.roster
    is_office = user_can(user, Action.DUTY_MANAGE, roster.unit)
    if not is_office and assignment.person_id != user.pk:
        raise PermissionRefused(_("Only the person on the shift or the office may ask for a swap."))
    members = _members(roster)
    data = request.POST if request.method == "POST" else None
    form = SwapForm(data, roster=roster, given=assignment, members=members, is_office=is_office)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            cleaned = form.cleaned_data
            arrange = bool(cleaned.get("arrange"))
            act = services.swap_arrange if arrange else services.swap_request
            try:
                act(
                    actor=user,
                    assignment=assignment,
                    to_person=cleaned["to_person"],
                    counterpart=cleaned["counterpart"],
                    reason=cleaned["reason"],
                )
            except (ValidationFailed, Conflict, PermissionRefused) as exc:
                status = _refused(form, exc)
            else:
                if arrange:
                    messages.success(request, _("Done: the roster now shows the change."))
                else:
                    messages.success(request, _("Asked: the office approves or rejects the change."))
                return redirect("duty:swap_list", pk=roster.pk)
    return render(
        request,
        "duty/rosters/swap_form.html",
        {
            "roster": roster,
            "assignment": assignment,
            "form": form,
            "started": assignment.starts_at <= timezone.now(),
            "is_office": is_office,
        },
        status=status,
    )


@require_POST
@require_action(Action.DUTY_MANAGE)
def swap_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (and carry out) or reject a pending swap; refusals come back as a message."""
    user = request_user(request)
    swap = access_swap(user, pk)
    to = reverse("duty:swap_list", args=[swap.roster_id])
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to reject."))
        return redirect(to)
    approve = form.cleaned_data["decision"] == "approve"
    success = _("The change is approved and made.") if approve else _("The change is rejected.")
    return run_and_redirect(
        request,
        lambda: services.swap_decide(actor=user, swap=swap, approve=approve),
        success=success,
        to=to,
    )


# --- leave -----------------------------------------------------------------------------------------


@require_safe
@require_action(Action.DUTY_VIEW)
def leave_list_view(request: HttpRequest) -> HttpResponse:
    """Leave of the people in scope for the office, one's own for everyone else; latest first."""
    user = request_user(request)
    leaves = leave_list(user=user).select_related("person__unit").order_by("-starts_on", "-id")
    return render(
        request,
        "duty/rosters/leave_list.html",
        {
            "page_obj": paginate(request, leaves),
            "can_manage": role_allows(user, Action.DUTY_MANAGE),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.DUTY_MANAGE)
def leave_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    data = request.POST if request.method == "POST" else None
    initial = {"person": request.GET["person"]} if str(request.GET.get("person", "")).isdigit() else {}
    form = LeaveForm(data, user=user, initial=initial)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                leave = services.leave_add(
                    actor=user,
                    person=cleaned["person"],
                    starts_on=cleaned["starts_on"],
                    ends_on=cleaned["ends_on"],
                    reason=cleaned["reason"],
                )
            except (ValidationFailed, PermissionRefused) as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("Leave of %(name)s from %(first)s to %(last)s recorded.")
                    % {"name": leave.person.get_full_name(), "first": leave.starts_on, "last": leave.ends_on},
                )
                return redirect("duty:leave_list")
    return render(request, "duty/rosters/leave_form.html", {"form": form}, status=status)


urlpatterns: list[URLPattern] = [
    path("rosters/", roster_list_view, name="roster_list"),
    path("rosters/new/", roster_create_view, name="roster_create"),
    path("rosters/<int:pk>/", roster_detail_view, name="roster_detail"),
    path("rosters/<int:pk>/templates/", roster_template_add_view, name="roster_template_add"),
    path("rosters/<int:pk>/pool/", roster_pool_view, name="roster_pool"),
    path("rosters/<int:pk>/generate/", roster_generate_view, name="roster_generate"),
    path("rosters/<int:pk>/publish/", roster_publish_view, name="roster_publish"),
    path("rosters/<int:pk>/fairness/", roster_fairness_view, name="roster_fairness"),
    path("rosters/<int:pk>/print/", roster_print_view, name="roster_print"),
    path("rosters/<int:pk>/roster.xlsx", roster_export_view, name="roster_export"),
    path("rosters/<int:pk>/swaps/", swap_list_view, name="swap_list"),
    path("shifts/<int:pk>/assign/", assignment_add_view, name="assignment_add"),
    path("assignments/<int:pk>/remove/", assignment_remove_view, name="assignment_remove"),
    path("assignments/<int:pk>/swap/", swap_create_view, name="swap_create"),
    path("swaps/<int:pk>/decide/", swap_decide_view, name="swap_decide"),
    path("leave/", leave_list_view, name="leave_list"),
    path("leave/new/", leave_create_view, name="leave_create"),
]
