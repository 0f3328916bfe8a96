"""Staff pages of the reports app (报送): what my units must report, a slot, types, schedules, grid, summary.

Thin views (STYLE.md §9): each reads its input, calls one service or selector and renders or
redirects. Every object comes through ``selectors.access_*`` (out of scope: 404). A refused form is
shown again with everything the user typed: 400 for invalid input, 409 for a conflict with someone
else's save (the page then carries the new revision, so the user can compare and save again).
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.exceptions import (
    Conflict,
    DomainError,
    PermissionRefused,
    UnknownCalendarYear,
    ValidationFailed,
)
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, has_instance_scope, role_allows, scope_q, user_can
from zhenwu.core.views.common import (
    DOCX_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    paginate,
    request_user,
    require_action,
    run_and_redirect,
)
from zhenwu.reports import export, services
from zhenwu.reports.choices import SlotState, SubmissionKind
from zhenwu.reports.fields import FieldSpec, display_value, specs_from
from zhenwu.reports.forms import (
    CollectingUnitForm,
    GridFilterForm,
    ReportTypeEditForm,
    ReportTypeForm,
    ReportTypeSourceForm,
    ReportValuesForm,
    ScheduleForm,
    SubmissionForm,
    SwitchFrequencyForm,
    collecting_units,
    default_collecting_unit,
    field_formset,
    parse_day,
    parse_due,
)
from zhenwu.reports.models import (
    ReportFormVersion,
    ReportSchedule,
    ReportSlot,
    ReportSubmission,
    ReportType,
)
from zhenwu.reports.selectors import (
    Grid,
    Prefill,
    access_report_type,
    access_schedule,
    access_slot,
    grid_totals,
    grid_units,
    report_type_list,
    schedule_counts,
    schedule_grid,
    schedule_list,
    slot_prefill_detail,
    slot_state,
    slot_submissions,
    slots_for_reporter,
    slots_recent_for_reporter,
)
from zhenwu.reports.sources import get_source
from zhenwu.reports.summary import Summary, build_summary, summary_send

STATE_BADGES: dict[str, str] = {
    SlotState.ON_TIME: "badge-ok",
    SlotState.LATE: "badge-warn",
    SlotState.MISSING: "badge-danger",
    SlotState.OPEN: "badge-muted",
}
#: The grid shows a week unless asked otherwise, and a month at most (31 columns of days).
GRID_DEFAULT_DAYS = 7
GRID_MAX_DAYS = 31
#: Units (rows) per page of the grid.
GRID_UNITS_PER_PAGE = 50


# --- slots as the pages show them ------------------------------------------------------------


@dataclass(frozen=True)
class SlotRow:
    """A slot with its state (on time / late / missing / not yet due) at the moment of the request."""

    slot: ReportSlot
    state: str
    late_minutes: int

    @property
    def badge(self) -> str:
        return STATE_BADGES.get(self.state, "badge-muted")

    @property
    def state_label(self) -> str:
        return str(SlotState(self.state).label)


def _slot_row(slot: ReportSlot, now: datetime.datetime) -> SlotRow:
    return SlotRow(slot, slot_state(slot, now), services.lateness_minutes(slot))


def _current_version(report_type: ReportType) -> ReportFormVersion:
    """The version new reports are filled in against (the reports selectors have no helper for it)."""
    return ReportFormVersion.objects.get(report_type=report_type, number=report_type.current_version)


def _safe_next(request: HttpRequest, default: str) -> str:
    """``next`` from the POST when it is a path on this site, else ``default`` (no open redirect)."""
    target = str(request.POST.get("next", ""))
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        return target
    return default


@require_safe
@require_action(Action.REPORT_VIEW)
def report_index_view(request: HttpRequest) -> HttpResponse:
    """What my units must report now (big buttons on a phone), then their earlier deadlines."""
    user = request_user(request)
    now = timezone.now()
    due = [_slot_row(slot, now) for slot in slots_for_reporter(user=user, now=now)]
    shown = {row.slot.pk for row in due}
    recent = [
        _slot_row(slot, now)
        for slot in slots_recent_for_reporter(user=user, now=now)
        if slot.pk not in shown  # an overdue slot is already in the "due now" list
    ]
    return render(
        request,
        "reports/index.html",
        {
            "due": due,
            "recent": recent,
            "can_submit": role_allows(user, Action.REPORT_SUBMIT),
            "can_manage": role_allows(user, Action.REPORT_MANAGE),
        },
    )


# --- one slot: fill in, amend, correct ---------------------------------------------------------


@dataclass(frozen=True)
class SubmissionRow:
    """One saved report of a slot, read with the form version it was filled in against."""

    submission: ReportSubmission
    values: list[tuple[str, str]]


def _submission_rows(submissions: list[ReportSubmission]) -> list[SubmissionRow]:
    rows = []
    for submission in submissions:
        specs = specs_from(submission.form_version.fields)
        values = [(spec.label, display_value(spec, submission.values.get(spec.key))) for spec in specs]
        rows.append(SubmissionRow(submission, values))
    return rows


@dataclass
class SlotForms:
    """The report form of a slot as the page shows it (built from the current form version)."""

    version: ReportFormVersion
    values: ReportValuesForm
    meta: SubmissionForm
    needs_note: bool
    prefill: Prefill | None = None


def _slot_forms(
    slot: ReportSlot,
    current: ReportSubmission | None,
    now: datetime.datetime,
    data: Mapping[str, Any] | None = None,
    prefill: Prefill | None = None,
) -> SlotForms:
    """``prefill``: a data source's figures as initial values of a form not yet submitted."""
    version = _current_version(slot.schedule.report_type)
    # After the deadline a saved report can only be corrected, with a reason (the original is kept).
    needs_note = current is not None and now > slot.due_at
    meta = SubmissionForm(
        data,
        needs_note=needs_note,
        initial={"form_version": version.number, "expected_revision": slot.revision},
    )
    if current is not None:
        initial: Mapping[str, Any] | None = current.values
    else:
        initial = prefill.values if prefill is not None else None
    values = ReportValuesForm(data, specs=specs_from(version.fields), values=initial)
    return SlotForms(version, values, meta, needs_note, prefill if current is None else None)


def _place_submit_errors(forms: SlotForms, exc: DomainError) -> None:
    """A service's refusal on the input it concerns: a value, the note, or the top of the form."""
    placed = False
    for field, field_messages in exc.errors.items():
        for message in field_messages:
            if field in forms.values.fields:
                forms.values.add_error(field, message)
            elif field in forms.meta.fields:
                forms.meta.add_error(field, message)
            else:
                forms.values.add_error(None, message)
            placed = True
    if not placed:
        forms.values.add_error(None, str(exc.message))


def _slot_page(
    request: HttpRequest,
    user: User,
    slot: ReportSlot,
    *,
    data: Mapping[str, Any] | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    submissions = slot_submissions(slot)
    current = next((s for s in submissions if s.is_current), None)
    can_submit = user_can(user, Action.REPORT_SUBMIT, slot.unit)
    # Figures from the type's data source, for a form shown empty: never over a saved report or
    # over what the user typed, and not counted for a page that shows no form.
    prefill = None
    if can_submit and current is None and data is None and now >= slot.opens_at:
        prefill = slot_prefill_detail(slot)
    forms = _slot_forms(slot, current, now, data, prefill)
    if data is not None:
        forms.values.full_clean()
        forms.meta.full_clean()
    if error is not None:
        _place_submit_errors(forms, error)
    return render(
        request,
        "reports/slot_detail.html",
        {
            "slot": slot,
            "row": _slot_row(slot, now),
            "schedule": slot.schedule,
            "report_type": slot.schedule.report_type,
            "current": current,
            "history": _submission_rows(submissions),
            "forms": forms,
            "can_submit": can_submit,
            "not_open": now < slot.opens_at,
            "is_past": now > slot.due_at,
        },
        status=status,
    )


def _submitted_message(submission: ReportSubmission) -> str:
    if submission.kind == SubmissionKind.CORRECTION:
        return _("The correction is saved; the report it corrects is kept.")
    if submission.revision > 1:
        return _("The report is amended.")
    if submission.is_zero:
        return _("Zero report submitted: nothing to report.")
    return _("The report is submitted.")


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.REPORT_VIEW)
def slot_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The slot, its report form (current form version) and every report saved for it."""
    user = request_user(request)
    if request.method == "POST" and not role_allows(user, Action.REPORT_SUBMIT):
        raise PermissionDenied
    slot = access_slot(user, pk)
    if request.method != "POST":
        return _slot_page(request, user, slot)
    now = timezone.now()
    submissions = slot_submissions(slot)
    forms = _slot_forms(slot, next((s for s in submissions if s.is_current), None), now, request.POST)
    if not (forms.values.is_valid() and forms.meta.is_valid()):
        return _slot_page(request, user, slot, data=request.POST, status=400)
    meta = forms.meta.cleaned_data
    is_zero = bool(request.POST.get("is_zero"))
    try:
        submission = services.report_submit(
            actor=user,
            slot=slot,
            values=forms.values.figures() if is_zero else forms.values.values(),
            is_zero=is_zero,
            # A zero report has no figures, so a form changed meanwhile does not matter to it.
            form_version=None if is_zero else meta["form_version"],
            expected_revision=meta["expected_revision"],
            note=meta.get("note") or "",
        )
    except Conflict as exc:
        # Someone else saved (or changed the form): show the page as it is now, with the user's
        # input and the new revision and version, so that a second save is a deliberate one.
        slot = access_slot(user, pk)
        data = request.POST.copy()
        data["form_version"] = str(slot.schedule.report_type.current_version)
        data["expected_revision"] = str(slot.revision)
        return _slot_page(request, user, slot, data=data, error=exc, status=exc.status)
    except ValidationFailed as exc:
        return _slot_page(request, user, slot, data=request.POST, error=exc, status=exc.status)
    messages.success(request, _submitted_message(submission))
    return redirect("reports:slot_detail", pk=slot.pk)


def _int_or_zero(value: object) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else 0


@require_POST
@require_action(Action.REPORT_SUBMIT)
def slot_zero_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: "nothing to report" for a slot; refusals (already reported, not open) as messages."""
    user = request_user(request)
    slot = access_slot(user, pk)
    expected = _int_or_zero(request.POST.get("expected_revision"))
    success = _("Zero report submitted: %(unit)s, %(type)s due %(time)s.") % {
        "unit": slot.unit.name,
        "type": slot.schedule.report_type.name,
        "time": timezone.localtime(slot.due_at).strftime("%m-%d %H:%M"),
    }
    return run_and_redirect(
        request,
        lambda: services.report_submit(actor=user, slot=slot, is_zero=True, expected_revision=expected),
        success=success,
        to=_safe_next(request, reverse("reports:slot_detail", args=[slot.pk])),
    )


# --- report types ------------------------------------------------------------------------------


@require_safe
@require_action(Action.REPORT_VIEW)
def type_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "reports/type_list.html",
        {
            "page_obj": paginate(request, report_type_list(user=user)),
            "can_manage": role_allows(user, Action.REPORT_MANAGE),
        },
    )


def _definition(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled-in rows as a form definition, and each one's row index (for its errors)."""
    definition, rows = [], []
    for index, row in enumerate(formset.forms):
        field = row.definition()
        if field is not None:
            definition.append(field)
            rows.append(index)
    return definition, rows


def _place_definition_errors(exc: DomainError, form: Any, formset: Any, rows: list[int]) -> None:
    """``clean_definition`` names rows ``fields.<n>`` (1-based among the filled-in rows)."""
    placed = False
    for key, key_messages in exc.errors.items():
        for message in key_messages:
            number = key.removeprefix("fields.")
            if key.startswith("fields.") and number.isdigit() and 0 < int(number) <= len(rows):
                formset.forms[rows[int(number) - 1]].add_error(None, message)
            elif key in form.fields:
                form.add_error(key, message)
            else:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.REPORT_MANAGE)
def type_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    data = request.POST if request.method == "POST" else None
    form = ReportTypeForm(data, user=user)
    formset = field_formset(data)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid() and formset.is_valid():
            definition, rows = _definition(formset)
            cleaned = form.cleaned_data
            try:
                report_type = services.report_type_create(
                    actor=user,
                    owner_unit=cleaned["owner_unit"],
                    code=cleaned["code"],
                    name=cleaned["name"],
                    description=cleaned["description"],
                    fields=definition,
                    source=cleaned.get("source") or "",
                )
            except ValidationFailed as exc:
                _place_definition_errors(exc, form, formset, rows)
            else:
                messages.success(request, _("Report type %(name)s created.") % {"name": report_type.name})
                return redirect("reports:type_detail", pk=report_type.pk)
    return render(request, "reports/type_form.html", {"form": form, "formset": formset}, status=status)


@dataclass(frozen=True)
class VersionRow:
    version: ReportFormVersion
    specs: list[FieldSpec]


@require_safe
@require_action(Action.REPORT_VIEW)
def type_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    report_type = access_report_type(user, pk)
    versions = [
        VersionRow(version, specs_from(version.fields))
        for version in report_type.versions.select_related("created_by").order_by("-number")
    ]
    can_edit = user_can(user, Action.REPORT_MANAGE, report_type.owner_unit)
    return render(
        request,
        "reports/type_detail.html",
        {
            "report_type": report_type,
            "current": versions[0] if versions else None,
            "versions": versions,
            "can_edit": can_edit,
            "source": get_source(report_type.source),
            "source_form": ReportTypeSourceForm(current=report_type.source) if can_edit else None,
        },
    )


@require_POST
@require_action(Action.REPORT_MANAGE)
def type_source_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Another data source for the type's figures, or none; its form stays as it is."""
    user = request_user(request)
    report_type = access_report_type(user, pk)
    if not user_can(user, Action.REPORT_MANAGE, report_type.owner_unit):
        raise PermissionRefused()
    to = reverse("reports:type_detail", args=[report_type.pk])
    form = ReportTypeSourceForm(request.POST, current=report_type.source)
    if not form.is_valid():
        reasons = " ".join(str(m) for field_messages in form.errors.values() for m in field_messages)
        messages.error(request, _("The data source was not changed: %(reason)s") % {"reason": reasons})
        return redirect(to)
    key = form.cleaned_data["source"] or ""
    source = get_source(key)
    success = (
        _("The figures of %(type)s are now counted from %(source)s.")
        % {"type": report_type.name, "source": source.label}
        if source is not None
        else _("The figures of %(type)s are now entered by hand.") % {"type": report_type.name}
    )
    return run_and_redirect(
        request,
        lambda: services.report_type_set_source(actor=user, report_type=report_type, source=key),
        success=success,
        to=to,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.REPORT_MANAGE)
def type_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the form: the current fields in rows, changed, removed or added to."""
    user = request_user(request)
    report_type = access_report_type(user, pk)
    if not user_can(user, Action.REPORT_MANAGE, report_type.owner_unit):
        raise PermissionRefused()
    current = _current_version(report_type)
    status = 200
    if request.method != "POST":
        form = ReportTypeEditForm(initial={"expected_version": current.number})
        formset = field_formset(initial=current.fields)
    else:
        form = ReportTypeEditForm(request.POST)
        formset = field_formset(request.POST)
        status = 400
        if form.is_valid() and formset.is_valid():
            definition, rows = _definition(formset)
            try:
                version = services.report_type_change_form(
                    actor=user,
                    report_type=report_type,
                    fields=definition,
                    expected_version=form.cleaned_data["expected_version"],
                )
            except Conflict as exc:
                # Keep the rows typed; the page shows the other person's version to compare with,
                # and saving again is a deliberate choice over it.
                report_type = access_report_type(user, pk)
                current = _current_version(report_type)
                data = request.POST.copy()
                data["expected_version"] = str(current.number)
                form = ReportTypeEditForm(data)
                formset = field_formset(data)
                form.full_clean()
                formset.full_clean()
                form.add_error(None, str(exc.message))
                status = exc.status
            except ValidationFailed as exc:
                _place_definition_errors(exc, form, formset, rows)
            else:
                messages.success(request, _("Form version %(number)s saved.") % {"number": version.number})
                return redirect("reports:type_detail", pk=report_type.pk)
    return render(
        request,
        "reports/type_form.html",
        {
            "form": form,
            "formset": formset,
            "report_type": report_type,
            "current": VersionRow(current, specs_from(current.fields)),
        },
        status=status,
    )


# --- schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    schedule: ReportSchedule
    unit_count: int


@require_safe
@require_action(Action.REPORT_VIEW)
def schedule_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page_obj = paginate(request, schedule_list(user=user).select_related("report_type", "owner_unit"))
    schedules = [s for s in page_obj if isinstance(s, ReportSchedule)]
    counts = schedule_counts(ReportSchedule.objects.filter(pk__in=[s.pk for s in schedules]))
    return render(
        request,
        "reports/schedule_list.html",
        {
            "page_obj": page_obj,
            "rows": [ScheduleRow(s, counts.get(s.pk, {}).get("unit_count", 0)) for s in schedules],
            "can_manage": role_allows(user, Action.REPORT_MANAGE),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.REPORT_MANAGE)
def schedule_create_view(request: HttpRequest) -> HttpResponse:
    """A new schedule; ``?owner=`` picks the collecting unit (it decides the units offered)."""
    user = request_user(request)
    owners = collecting_units(user)
    owner = default_collecting_unit(user, owners)
    picker = CollectingUnitForm(
        request.GET if "owner" in request.GET else None, units=owners, initial={"owner": owner}
    )
    if picker.is_bound and picker.is_valid():
        owner = picker.cleaned_data["owner"]
    if owner is None:  # a manager whose account has no unit to collect for
        raise PermissionRefused()
    data = request.POST if request.method == "POST" else None
    form = ScheduleForm(data, user=user, owner=owner)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                schedule = services.schedule_create(
                    actor=user,
                    owner_unit=owner,
                    report_type=cleaned["report_type"],
                    name=cleaned["name"],
                    starts_on=cleaned["starts_on"],
                    ends_on=cleaned["ends_on"],
                    times=form.time_list(),
                    units=form.chosen_units(),
                    day_rule=cleaned["day_rule"],
                    weekday=cleaned["weekday"],
                    remind_before_minutes=cleaned["remind_before_minutes"],
                    webhook_url=cleaned["webhook_url"],
                )
            except (ValidationFailed, UnknownCalendarYear) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Schedule %(name)s created.") % {"name": schedule.name})
                return redirect("reports:schedule_detail", pk=schedule.pk)
    return render(
        request,
        "reports/schedule_form.html",
        {"form": form, "picker": picker, "owner": owner, "several_owners": owners.count() > 1},
        status=status,
    )


def _clip(day: datetime.date, schedule: ReportSchedule) -> datetime.date:
    """``day`` moved into the schedule's period."""
    return min(max(day, schedule.starts_on), schedule.ends_on)


@require_safe
@require_action(Action.REPORT_VIEW)
def schedule_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Period, days, units and the history of deadlines; managers switch deadlines here."""
    user = request_user(request)
    schedule = access_schedule(user, pk)
    units = list(schedule.units.filter(scope_q(user, Action.REPORT_VIEW, unit_field="")).order_by("path"))
    deadline_sets = schedule.deadline_sets.select_related("unit", "created_by").order_by(
        "effective_from", "id"
    )
    if not has_instance_scope(user):
        # Deadlines of every unit, and those of single units the user may see.
        deadline_sets = deadline_sets.filter(
            Q(unit__isnull=True) | scope_q(user, Action.REPORT_VIEW, unit_field="unit")
        )
    can_manage = user_can(user, Action.REPORT_MANAGE, schedule.owner_unit)
    today = timezone.localdate()
    switch_form = None
    if can_manage:
        switch_form = SwitchFrequencyForm(
            user=user,
            schedule=schedule,
            initial={"effective_from": _clip(today + datetime.timedelta(days=1), schedule)},
        )
    return render(
        request,
        "reports/schedule_detail.html",
        {
            "schedule": schedule,
            "units": units,
            "unit_total": schedule.units.count(),
            "deadline_sets": list(deadline_sets),
            "can_manage": can_manage,
            "switch_form": switch_form,
            "summary_day": _clip(today, schedule),
        },
    )


@require_POST
@require_action(Action.REPORT_MANAGE)
def schedule_switch_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Other deadlines from a date on, for one unit or all (switching back is the same form)."""
    user = request_user(request)
    schedule = access_schedule(user, pk)
    to = reverse("reports:schedule_detail", args=[schedule.pk])
    form = SwitchFrequencyForm(request.POST, user=user, schedule=schedule)
    if not form.is_valid():
        reasons = " ".join(str(m) for field_messages in form.errors.values() for m in field_messages)
        messages.error(request, _("The deadlines were not changed: %(reason)s") % {"reason": reasons})
        return redirect(to)
    cleaned = form.cleaned_data
    unit = cleaned["unit"]
    times = form.time_list()
    success = _("From %(date)s, %(who)s reports at %(times)s.") % {
        "date": cleaned["effective_from"].isoformat(),
        "who": unit.name if unit is not None else _("every unit"),
        "times": ", ".join(times),
    }
    return run_and_redirect(
        request,
        lambda: services.schedule_switch_frequency(
            actor=user, schedule=schedule, effective_from=cleaned["effective_from"], times=times, unit=unit
        ),
        success=success,
        to=to,
    )


# --- the units x deadlines grid ----------------------------------------------------------------


@dataclass(frozen=True)
class GridCellView:
    slot_id: int
    badge: str
    text: str  # short: ✓, 0 (zero report), 12′ (late minutes), ✗ (missing)
    label: str  # the whole state in words, for screen readers and the tooltip
    url: str


@dataclass(frozen=True)
class GridRowView:
    name: str
    cells: list[GridCellView | None]
    late: int
    missing: int

    @cached_property
    def cells_html(self) -> SafeString:
        """The row's ``<td>`` cells, rendered here rather than by the template: a 30-day grid of 50
        units is 3,000 cells, and five template variables a cell took ~220 ms of a ~340 ms page."""
        return _cells_html(self.cells)


#: An empty cell of the grid (no deadline for this unit then).
_EMPTY_CELL = '<td><span class="muted" aria-hidden="true">—</span></td>'


def _cells_html(cells: list[GridCellView | None]) -> SafeString:
    """The cells as the template would write them. The label holds the unit's name (users' text)
    and is escaped as autoescaping does (``django.utils.html.escape``); the badge class, the URL
    (``reverse`` and an id) and the short text (✓, ✗, ·, 0, minutes) are ``_grid_rows``' own and
    hold no markup characters."""
    parts = []
    for cell in cells:
        if cell is None:
            parts.append(_EMPTY_CELL)
            continue
        label = escape(cell.label)
        parts.append(
            f'<td><a class="badge {cell.badge}" href="{cell.url}" title="{label}" '
            f'aria-label="{label}">{cell.text}</a></td>'
        )
    return mark_safe("".join(parts))  # noqa: S308 -- every value above is escaped


#: Stands for the slot id in a reversed URL: one resolver call per grid, not one per cell
#: (24,000 cells would spend a second in ``reverse``).
_SLOT_ID_MARK = "999999999"


def _grid_rows(grid: Grid) -> list[GridRowView]:
    slot_url = reverse("reports:slot_detail", args=[int(_SLOT_ID_MARK)])
    labels = {state: str(label) for state, label in SlotState.choices}
    zero_label = _("zero report")
    # Once per column, not per cell: formatting a local time 24,000 times is measurable.
    moments = [timezone.localtime(due_at).strftime("%m-%d %H:%M") for due_at in grid.columns]
    rows = []
    for row in grid.rows:
        cells: list[GridCellView | None] = []
        for moment, cell in zip(moments, row.cells, strict=True):
            if cell is None:
                cells.append(None)
                continue
            parts = [labels.get(cell.state, cell.state)]
            if cell.state == SlotState.LATE:
                text = f"{cell.late_minutes}′"
                parts.append(_("%(minutes)s min late") % {"minutes": cell.late_minutes})
            elif cell.state == SlotState.ON_TIME:
                text = "✓"
            elif cell.state == SlotState.MISSING:
                text = "✗"
            else:
                text = "·"
            if cell.is_zero:
                text = "0" if cell.state == SlotState.ON_TIME else f"0 {text}"
                parts.append(zero_label)
            label = f"{row.unit.name} {moment}: {'，'.join(parts)}"
            cells.append(
                GridCellView(
                    cell.slot_id,
                    STATE_BADGES.get(cell.state, "badge-muted"),
                    text,
                    label,
                    slot_url.replace(_SLOT_ID_MARK, str(cell.slot_id)),
                )
            )
        rows.append(GridRowView(row.unit.name, cells, row.late, row.missing))
    return rows


def _grid_days(columns: list[datetime.datetime]) -> list[tuple[datetime.date, int]]:
    """The days above the deadline columns, each with how many columns it spans."""
    days: list[tuple[datetime.date, int]] = []
    for due_at in columns:
        day = timezone.localtime(due_at).date()
        if days and days[-1][0] == day:
            days[-1] = (day, days[-1][1] + 1)
        else:
            days.append((day, 1))
    return days


def _grid_range(
    request: HttpRequest, schedule: ReportSchedule, filters: GridFilterForm
) -> tuple[datetime.date, datetime.date]:
    """The days to show: asked for, or the last week up to today within the period; a month at most."""
    week = datetime.timedelta(days=GRID_DEFAULT_DAYS - 1)
    last = _clip(timezone.localdate(), schedule)
    first = max(last - week, schedule.starts_on)
    if not filters.is_bound:
        return first, last
    if not filters.is_valid():
        messages.error(request, _("The days asked for are not valid dates; the last week is shown."))
        return first, last
    asked_first, asked_last = filters.cleaned_data["first"], filters.cleaned_data["last"]
    if asked_first and asked_last:
        first, last = asked_first, asked_last
    elif asked_first:
        first, last = asked_first, asked_first + week
    elif asked_last:
        first, last = asked_last - week, asked_last
    if first > last:
        messages.error(request, _("The first day is after the last day; the last week is shown."))
        last = _clip(timezone.localdate(), schedule)
        return max(last - week, schedule.starts_on), last
    if (last - first).days + 1 > GRID_MAX_DAYS:
        last = first + datetime.timedelta(days=GRID_MAX_DAYS - 1)
        messages.warning(
            request,
            _("The grid shows at most %(days)s days at a time: %(first)s to %(last)s are shown.")
            % {"days": GRID_MAX_DAYS, "first": first.isoformat(), "last": last.isoformat()},
        )
    return first, last


@require_safe
@require_action(Action.REPORT_VIEW)
def schedule_grid_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Units down, deadlines across: who reported on time, late, zero, or not at all.

    A fixed number of queries whatever the number of units (the grid selector reads units and
    slots in one query each).
    """
    user = request_user(request)
    schedule = access_schedule(user, pk)
    filters = GridFilterForm(request.GET or None)
    first, last = _grid_range(request, schedule, filters)
    kind = filters.cleaned_data.get("kind", "") if filters.is_bound and filters.is_valid() else ""
    # A page of units at a time: 400 units x 60 deadlines is 24,000 cells, too much for one page.
    page_obj = paginate(
        request, grid_units(user=user, schedule=schedule, unit_kind=kind), per_page=GRID_UNITS_PER_PAGE
    )
    units = [unit for unit in page_obj if isinstance(unit, Unit)]
    grid = schedule_grid(user=user, schedule=schedule, first=first, last=last, unit_kind=kind, units=units)
    totals = grid_totals(user=user, schedule=schedule, first=first, last=last, unit_kind=kind)
    shown_filters = filters if filters.is_bound else GridFilterForm(initial={"first": first, "last": last})
    return render(
        request,
        "reports/schedule_grid.html",
        {
            "schedule": schedule,
            "filters": shown_filters,
            "first": first,
            "last": last,
            "columns": grid.columns,
            "days": _grid_days(grid.columns),
            "rows": _grid_rows(grid),
            "totals": totals,
            "page_obj": page_obj,
        },
    )


# --- the summary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRequest:
    """A summary asked for by ``?day=YYYY-MM-DD[&due=HH:MM]`` and its query string for links."""

    summary: Summary
    query: str
    due: str


def _summary_request(user: User, schedule: ReportSchedule, params: Mapping[str, Any]) -> SummaryRequest:
    """Parse the day and deadline, and build the summary; bad input is a ValidationFailed (a 400 page)."""
    day_text = str(params.get("day") or "").strip()
    day = parse_day(day_text) if day_text else _clip(timezone.localdate(), schedule)
    if not schedule.starts_on <= day <= schedule.ends_on:
        raise ValidationFailed(
            _("%(day)s is outside the schedule's period (%(first)s to %(last)s).")
            % {"day": day.isoformat(), "first": schedule.starts_on, "last": schedule.ends_on}
        )
    due_text = str(params.get("due") or "").strip()
    due = parse_due(due_text) if due_text else ""
    due_at = services.local_moment(day, due) if due else None
    summary = build_summary(user=user, schedule=schedule, day=day, due_at=due_at)
    if due_at is not None and not summary.expected:
        raise ValidationFailed(
            _("This schedule has no deadline at %(time)s on %(day)s.") % {"time": due, "day": day.isoformat()}
        )
    query = {"day": day.isoformat()}
    if due:
        query["due"] = due
    return SummaryRequest(summary, urlencode(query), due)


@require_safe
@require_action(Action.REPORT_VIEW)
def summary_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The township summary of one deadline or one day: totals, zero reports, late and missing units."""
    user = request_user(request)
    schedule = access_schedule(user, pk)
    asked = _summary_request(user, schedule, request.GET)
    summary = asked.summary
    lines = [*summary.reported, *summary.missing, *summary.open]
    # Each distinct deadline formatted once (a county's day: ~1,100 lines, two deadlines).
    deadlines = sorted(
        {timezone.localtime(due_at).strftime("%H:%M") for due_at in {line.due_at for line in lines}}
    )
    one_day = datetime.timedelta(days=1)
    return render(
        request,
        "reports/summary.html",
        {
            "schedule": schedule,
            "summary": summary,
            "query": asked.query,
            "due": asked.due,
            "deadlines": deadlines,
            "previous_day": summary.day - one_day if summary.day > schedule.starts_on else None,
            "next_day": summary.day + one_day if summary.day < schedule.ends_on else None,
            "rows": summary.rows(),
            "can_send": user_can(user, Action.REPORT_MANAGE, schedule.owner_unit),
        },
    )


def _summary_file(
    request: HttpRequest, pk: int, build: Callable[[Summary], bytes], extension: str, content_type: str
) -> HttpResponse:
    user = request_user(request)
    schedule = access_schedule(user, pk)
    summary = _summary_request(user, schedule, request.GET).summary
    return download_response(build(summary), export.summary_filename(summary, extension), content_type)


@require_safe
@require_action(Action.REPORT_VIEW)
def summary_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _summary_file(request, pk, export.summary_xlsx, ".xlsx", XLSX_CONTENT_TYPE)


@require_safe
@require_action(Action.REPORT_VIEW)
def summary_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _summary_file(request, pk, export.summary_docx, ".docx", DOCX_CONTENT_TYPE)


@require_POST
@require_action(Action.REPORT_MANAGE)
def summary_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the summary to the collecting unit's leaders and the chat robot (each message once)."""
    user = request_user(request)
    schedule = access_schedule(user, pk)
    asked = _summary_request(user, schedule, request.POST)
    try:
        sent = summary_send(actor=user, summary=asked.summary)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            ngettext(
                "The summary is sent: %(count)s message queued.",
                "The summary is sent: %(count)s messages queued.",
                sent,
            )
            % {"count": sent},
        )
    return redirect(reverse("reports:summary", args=[schedule.pk]) + "?" + asked.query)


urlpatterns: list[URLPattern] = [
    path("", report_index_view, name="index"),
    path("slots/<int:pk>/", slot_detail_view, name="slot_detail"),
    path("slots/<int:pk>/zero/", slot_zero_view, name="slot_zero"),
    path("types/", type_list_view, name="type_list"),
    path("types/new/", type_create_view, name="type_create"),
    path("types/<int:pk>/", type_detail_view, name="type_detail"),
    path("types/<int:pk>/form/", type_edit_view, name="type_edit"),
    path("types/<int:pk>/source/", type_source_view, name="type_source"),
    path("schedules/", schedule_list_view, name="schedule_list"),
    path("schedules/new/", schedule_create_view, name="schedule_create"),
    path("schedules/<int:pk>/", schedule_detail_view, name="schedule_detail"),
    path("schedules/<int:pk>/switch/", schedule_switch_view, name="schedule_switch"),
    path("schedules/<int:pk>/grid/", schedule_grid_view, name="schedule_grid"),
    path("schedules/<int:pk>/summary/", summary_view, name="summary"),
    path("schedules/<int:pk>/summary.xlsx", summary_xlsx_view, name="summary_xlsx"),
    path("schedules/<int:pk>/summary.docx", summary_docx_view, name="summary_docx"),
    path("schedules/<int:pk>/summary/send/", summary_send_view, name="summary_send"),
]
