"""REST API routes of the reports app (报送): report types and their form versions, schedules and
their deadlines, slots and submissions, the township summary and the units x deadlines grid, the
data sources and the figures they prefill a slot's form with.

Scoping is the pages' (``zhenwu.reports.selectors``): a slot belongs to its reporting unit, a schedule
is seen by the collecting office's subtree and by the units reporting under it, report types are
reference data every signed-in role reads. An object out of scope is a 404; a unit named in a body
or a filter is resolved in the caller's scope (404 when out of it). Writes are the services'.
"""

import datetime
from typing import Any

from django.db.models import F, Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from zhenwu.core.api.schemas import ERRORS, HHMM, Day, Id, Moment, UnitRef, api_user
from zhenwu.core.choices import UnitKind
from zhenwu.core.exceptions import NotFound, ValidationFailed
from zhenwu.core.localtime import BEIJING, beijing_day_start
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, role_allows, scope_q
from zhenwu.core.selectors import access_unit, unit_list
from zhenwu.reports import selectors, services
from zhenwu.reports.choices import DayRule, FieldKind, SlotState, SubmissionKind, Weekday
from zhenwu.reports.fields import MAX_FIELDS
from zhenwu.reports.models import (
    DeadlineSet,
    ReportFormVersion,
    ReportSchedule,
    ReportSlot,
    ReportSubmission,
    ReportType,
)
from zhenwu.reports.sources import MAX_SOURCE_KEY, DataSource, all_sources
from zhenwu.reports.summary import build_summary

router = Router(tags=["reports"])

#: The widest grid the API draws (a month of deadlines across all units of a schedule).
GRID_MAX_DAYS = 31
#: Reporting units named in one schedule; a county has ~400 units.
MAX_UNITS = 5000
# --- schemas ------------------------------------------------------------------------------------


class TypeRef(Schema):
    id: int
    code: str
    name: str


class ScheduleRef(Schema):
    id: int
    name: str


class FieldIn(Schema):
    # Generous bounds: the precise ones are the domain's (fields.clean_definition), answered per row.
    key: str = Field(..., max_length=100, description="Stable identifier: a-z, 0-9 and _, at most 40")
    label: str = Field(..., max_length=200, description="What people read, at most 60 characters")
    kind: FieldKind
    required: bool = True
    help: str = Field("", max_length=500)


class FieldOut(Schema):
    key: str
    label: str
    kind: str
    required: bool
    help: str


class VersionOut(Schema):
    number: int
    fields: list[FieldOut]
    created_at: datetime.datetime
    created_by: str

    @staticmethod
    def resolve_created_by(obj: ReportFormVersion) -> str:
        return obj.created_by.get_full_name() if obj.created_by else ""


class ReportTypeOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool
    source: str = Field(..., description="The data source whose figures prefill the form; empty: none")
    current_version: int
    owner_unit: UnitRef
    created_at: datetime.datetime


class ReportTypeDetailOut(ReportTypeOut):
    fields: list[FieldOut] = Field(..., description="The fields of the current form version")
    versions: list[VersionOut] = Field(..., description="Every form version, newest first")


class ReportTypeFilter(Schema):
    active: bool | None = None


class ReportTypeCreateIn(Schema):
    owner_unit: Id = Field(..., description="The unit whose office defines the type")
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    source: str = Field("", max_length=MAX_SOURCE_KEY, description="A data source key (see /reports/sources)")
    fields: list[FieldIn] = Field(
        default_factory=list, max_length=MAX_FIELDS, description="Empty with a source: the source's fields"
    )


class SourceIn(Schema):
    source: str = Field(..., max_length=MAX_SOURCE_KEY, description="A data source key; empty: none")


class SourceOut(Schema):
    key: str
    label: str
    fields: list[FieldOut] = Field(..., description="The figures the source counts")

    @staticmethod
    def resolve_label(obj: DataSource) -> str:
        return str(obj.label)

    @staticmethod
    def resolve_fields(obj: DataSource) -> list[dict[str, Any]]:
        return obj.definition()


class PrefillOut(Schema):
    source: str | None = Field(..., description="The type's data source; null: none (values is empty)")
    source_label: str | None
    since: datetime.datetime | None = Field(..., description="Start of the period counted (inclusive)")
    until: datetime.datetime | None = Field(..., description="End of the period counted: the deadline")
    values: dict[str, Any] = Field(..., description="Figures by field key of the current form version")


class FormChangeIn(Schema):
    fields: list[FieldIn] = Field(..., max_length=MAX_FIELDS)
    expected_version: int = Field(..., ge=0, description="The current version the change was made against")


class DeadlineSetOut(Schema):
    id: int
    unit: UnitRef | None = Field(..., description="Empty: every unit of the schedule")
    effective_from: datetime.date
    times: list[str]
    created_at: datetime.datetime


class ScheduleOut(Schema):
    id: int
    name: str
    owner_unit: UnitRef
    report_type: TypeRef
    starts_on: datetime.date
    ends_on: datetime.date
    day_rule: str
    weekday: int | None
    remind_before_minutes: int
    has_webhook: bool = Field(
        ..., description="Whether a chat robot is told; its URL holds a key and is not shown"
    )
    created_at: datetime.datetime

    @staticmethod
    def resolve_has_webhook(obj: ReportSchedule) -> bool:
        return bool(obj.webhook_url)


class ScheduleDetailOut(ScheduleOut):
    unit_ids: list[int] = Field(..., description="The reporting units in the caller's scope")
    deadline_sets: list[DeadlineSetOut]


class ScheduleFilter(Schema):
    report_type: Id | None = None
    active_on: Day | None = Field(None, description="Only schedules whose period includes this day")


class ScheduleCreateIn(Schema):
    owner_unit: Id = Field(..., description="The collecting unit (usually the township)")
    report_type: Id
    name: str = Field(..., min_length=1, max_length=100)
    starts_on: Day
    ends_on: Day
    day_rule: DayRule = DayRule.EVERY_DAY
    weekday: Weekday | None = Field(None, description="0 Monday .. 6 Sunday; weekly schedules only")
    times: list[str] = Field(
        ..., max_length=24, description='Deadlines as local times, e.g. ["09:00", "17:00"]'
    )
    units: list[Id] = Field(..., max_length=MAX_UNITS, description="Reporting units (ids)")
    remind_before_minutes: int = Field(30, ge=0, le=1440)
    webhook_url: str = Field("", max_length=500)


class SwitchIn(Schema):
    effective_from: Day
    times: list[str] = Field(..., max_length=24)
    unit: Id | None = Field(None, description="One unit of the schedule; empty: every unit")


class SlotOut(Schema):
    id: int
    schedule: ScheduleRef
    report_type: TypeRef
    unit: UnitRef
    slot_on: datetime.date
    due_at: datetime.datetime
    opens_at: datetime.datetime
    submitted_at: datetime.datetime | None = Field(..., description="The first submission's time")
    is_zero: bool
    revision: int
    state: SlotState
    late_minutes: int

    @staticmethod
    def resolve_report_type(obj: ReportSlot) -> ReportType:
        return obj.schedule.report_type

    @staticmethod
    def resolve_state(obj: ReportSlot) -> str:
        return selectors.slot_state(obj, timezone.now())

    @staticmethod
    def resolve_late_minutes(obj: ReportSlot) -> int:
        return services.lateness_minutes(obj)


class SubmissionOut(Schema):
    id: int
    kind: SubmissionKind
    revision: int
    is_current: bool
    is_zero: bool
    values: dict[str, Any]
    form_version: int
    submitted_by: str
    submitted_at: datetime.datetime
    updated_at: datetime.datetime
    note: str
    corrects_id: int | None

    @staticmethod
    def resolve_form_version(obj: ReportSubmission) -> int:
        return obj.form_version.number

    @staticmethod
    def resolve_submitted_by(obj: ReportSubmission) -> str:
        return obj.submitted_by.get_full_name()


class SlotDetailOut(SlotOut):
    submission: SubmissionOut | None = Field(..., description="The current submission, if any")
    form: VersionOut = Field(..., description="The form to fill in now (its number is form_version)")


class SlotFilter(Schema):
    schedule: Id | None = None
    unit: Id | None = Field(None, description="Only this unit's slots")
    day: Day | None = None
    state: SlotState | None = None
    due_after: Moment | None = Field(None, description="Deadline at or after (no offset: Beijing)")
    due_before: Moment | None = Field(None, description="Deadline before (no offset: Beijing)")


class SubmissionIn(Schema):
    values: dict[str, Any] = Field(default_factory=dict, max_length=100)
    is_zero: bool = Field(False, description="Nothing to report (零报告): no values")
    form_version: int | None = Field(None, description="The form version filled in; a stale one is a 409")
    expected_revision: int = Field(0, ge=0, description="The slot's revision the form showed (0: none yet)")
    note: str = Field("", max_length=200, description="Required for a correction after the deadline")


class SummaryQuery(Schema):
    day: Day
    due: str | None = Field(None, pattern=HHMM, description="One deadline of the day (HH:MM); empty: all")


class SummaryFieldOut(Schema):
    key: str
    label: str
    kind: str
    total: int | str | None = Field(
        ..., description="Counts: a sum; numbers: an exact decimal string; yes/no: units that said yes"
    )


class UnitLineOut(Schema):
    unit: UnitRef
    due_at: datetime.datetime
    state: str
    late_minutes: int
    submitted_by: str


class TextItemOut(Schema):
    unit: UnitRef
    due_at: datetime.datetime
    label: str
    text: str


class SummaryOut(Schema):
    schedule: ScheduleRef
    title: str
    day: datetime.date
    due_at: datetime.datetime | None
    expected: int
    fields: list[SummaryFieldOut]
    reported: list[UnitLineOut]
    zero: list[UnitLineOut]
    late: list[UnitLineOut]
    missing: list[UnitLineOut]
    open: list[UnitLineOut]
    texts: list[TextItemOut]


class GridQuery(Schema):
    first: Day
    last: Day
    kind: UnitKind | None = Field(None, description="Only units of this kind")


class GridUnitOut(Schema):
    id: int
    name: str
    kind: str


class GridCellOut(Schema):
    slot_id: int
    state: SlotState
    late_minutes: int
    is_zero: bool


class GridRowOut(Schema):
    unit: GridUnitOut
    late: int
    missing: int
    on_time: int
    cells: list[GridCellOut | None] = Field(..., description="One per column; null: no deadline there")


class GridOut(Schema):
    schedule: ScheduleRef
    first: datetime.date
    last: datetime.date
    columns: list[datetime.datetime]
    rows: list[GridRowOut]
    totals: dict[str, int]


# --- helpers ------------------------------------------------------------------------------------


class _Shown:
    """A model plus the extra attributes its detail schema reads; any other attribute is the model's.

    Not a dict, because the schemas' resolvers read the model; not attributes set on the model,
    because some names (``versions``, ``deadline_sets``) are its reverse relations.
    """

    def __init__(self, obj: Model, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A time without an offset is Beijing wall-clock time, as the deadlines are."""
    if moment is not None and timezone.is_naive(moment):
        return moment.replace(tzinfo=BEIJING)
    return moment


def _units(user: User, ids: list[int]) -> list[Unit]:
    """The named units, every one in the caller's scope (else 404, as ``access_unit``)."""
    wanted = set(ids)
    found = list(unit_list(user=user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NotFound()
    return found


def _definition(fields: list[FieldIn]) -> list[dict[str, Any]]:
    return [
        {"key": f.key, "label": f.label, "kind": f.kind.value, "required": f.required, "help": f.help}
        for f in fields
    ]


def _versions(report_type: ReportType) -> list[ReportFormVersion]:
    return list(
        ReportFormVersion.objects.filter(report_type=report_type)
        .select_related("created_by")
        .order_by("-number")
    )


def report_type_detail(report_type: ReportType) -> _Shown:
    versions = _versions(report_type)
    current = next((v for v in versions if v.number == report_type.current_version), None)
    return _Shown(report_type, fields=current.fields if current else [], versions=versions)


def schedule_detail(user: User, schedule: ReportSchedule) -> _Shown:
    """The schedule with its reporting units and deadline sets, as far as they are in the caller's scope."""
    in_scope = scope_q(user, Action.REPORT_VIEW, unit_field="")
    unit_ids = list(schedule.units.filter(in_scope).order_by("path").values_list("pk", flat=True))
    sets = (
        DeadlineSet.objects.filter(schedule=schedule).select_related("unit").order_by("effective_from", "id")
    )
    visible = [s for s in sets if s.unit_id is None or s.unit_id in unit_ids]
    return _Shown(schedule, unit_ids=unit_ids, deadline_sets=visible)


def _slot_filter(
    queryset: QuerySet[ReportSlot], filters: SlotFilter, unit: Unit | None, now: datetime.datetime
) -> QuerySet[ReportSlot]:
    """Filters on the indexed columns (schedule, unit, deadline) plus the state of the first report."""
    if filters.schedule is not None:
        queryset = queryset.filter(schedule_id=filters.schedule)
    if unit is not None:
        queryset = queryset.filter(unit=unit)
    if filters.day is not None:
        # A slot's day is the Beijing day of its deadline: a range on due_at uses its index.
        queryset = queryset.filter(
            due_at__gte=beijing_day_start(filters.day),
            due_at__lt=beijing_day_start(filters.day + datetime.timedelta(days=1)),
        )
    if filters.due_after is not None:
        queryset = queryset.filter(due_at__gte=_aware(filters.due_after))
    if filters.due_before is not None:
        queryset = queryset.filter(due_at__lt=_aware(filters.due_before))
    if filters.state == SlotState.ON_TIME:
        queryset = queryset.filter(submitted_at__isnull=False, submitted_at__lte=F("due_at"))
    elif filters.state == SlotState.LATE:
        queryset = queryset.filter(submitted_at__gt=F("due_at"))
    elif filters.state == SlotState.MISSING:
        queryset = queryset.filter(submitted_at__isnull=True, due_at__lt=now)
    elif filters.state == SlotState.OPEN:
        queryset = queryset.filter(submitted_at__isnull=True, due_at__gte=now)
    return queryset


def _total(kind: str, value: Any) -> int | str | None:
    if kind == FieldKind.TEXT or value is None:
        return None
    if kind == FieldKind.NUMBER:
        return str(value)
    return int(value)


# --- report types -------------------------------------------------------------------------------


@router.get("/reports/types", response={200: list[ReportTypeOut], **ERRORS}, summary="List report types")
@paginate
def list_report_types(request: HttpRequest, filters: Query[ReportTypeFilter]) -> object:
    queryset = selectors.report_type_list(user=api_user(request))
    if filters.active is not None:
        queryset = queryset.filter(is_active=filters.active)
    return queryset


@router.post("/reports/types", response={201: ReportTypeDetailOut, **ERRORS}, summary="Define a report type")
def create_report_type(request: HttpRequest, payload: ReportTypeCreateIn) -> object:
    user = api_user(request)
    report_type = services.report_type_create(
        actor=user,
        owner_unit=access_unit(user, payload.owner_unit),
        code=payload.code,
        name=payload.name,
        description=payload.description,
        fields=_definition(payload.fields),
        source=payload.source,
    )
    return Status(201, report_type_detail(report_type))


@router.get(
    "/reports/types/{type_id}",
    response={200: ReportTypeDetailOut, **ERRORS},
    summary="One report type with its form versions",
)
def get_report_type(request: HttpRequest, type_id: int) -> object:
    return report_type_detail(selectors.access_report_type(api_user(request), type_id))


@router.post(
    "/reports/types/{type_id}/versions",
    response={201: VersionOut, **ERRORS},
    summary="Change the form (a new version; a stale expected_version is a 409)",
)
def change_report_type_form(request: HttpRequest, type_id: int, payload: FormChangeIn) -> object:
    user = api_user(request)
    version = services.report_type_change_form(
        actor=user,
        report_type=selectors.access_report_type(user, type_id),
        fields=_definition(payload.fields),
        expected_version=payload.expected_version,
    )
    return Status(201, version)


@router.put(
    "/reports/types/{type_id}/source",
    response={200: ReportTypeDetailOut, **ERRORS},
    summary="Take the type's figures from a data source, or from none (the form is not changed)",
)
def set_report_type_source(request: HttpRequest, type_id: int, payload: SourceIn) -> object:
    user = api_user(request)
    report_type = services.report_type_set_source(
        actor=user, report_type=selectors.access_report_type(user, type_id), source=payload.source
    )
    return report_type_detail(report_type)


@router.get(
    "/reports/sources",
    response={200: list[SourceOut], **ERRORS},
    summary="The data sources a report type can take its figures from",
)
def list_report_sources(request: HttpRequest) -> object:
    # Reference data like the report types: keys and the figures counted, no data of any unit.
    return all_sources() if role_allows(api_user(request), Action.REPORT_VIEW) else []


# --- schedules ----------------------------------------------------------------------------------


@router.get(
    "/reports/schedules", response={200: list[ScheduleOut], **ERRORS}, summary="List report schedules"
)
@paginate
def list_report_schedules(request: HttpRequest, filters: Query[ScheduleFilter]) -> object:
    queryset = selectors.schedule_list(user=api_user(request))
    if filters.report_type is not None:
        queryset = queryset.filter(report_type_id=filters.report_type)
    if filters.active_on is not None:
        queryset = queryset.filter(starts_on__lte=filters.active_on, ends_on__gte=filters.active_on)
    return queryset.select_related("report_type", "owner_unit").order_by("-starts_on", "id")


@router.post(
    "/reports/schedules",
    response={201: ScheduleDetailOut, **ERRORS},
    summary="Create a schedule (its slots are made at once)",
)
def create_report_schedule(request: HttpRequest, payload: ScheduleCreateIn) -> object:
    user = api_user(request)
    schedule = services.schedule_create(
        actor=user,
        owner_unit=access_unit(user, payload.owner_unit),
        report_type=selectors.access_report_type(user, payload.report_type),
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        day_rule=payload.day_rule,
        weekday=int(payload.weekday) if payload.weekday is not None else None,
        times=payload.times,
        units=_units(user, payload.units),
        remind_before_minutes=payload.remind_before_minutes,
        webhook_url=payload.webhook_url,
    )
    return Status(201, schedule_detail(user, schedule))


@router.get(
    "/reports/schedules/{schedule_id}",
    response={200: ScheduleDetailOut, **ERRORS},
    summary="One schedule with its units and deadlines",
)
def get_report_schedule(request: HttpRequest, schedule_id: int) -> object:
    user = api_user(request)
    return schedule_detail(user, selectors.access_schedule(user, schedule_id))


@router.post(
    "/reports/schedules/{schedule_id}/switch",
    response={201: DeadlineSetOut, **ERRORS},
    summary="Other deadlines from a date on, for one unit or every unit",
)
def switch_report_schedule(request: HttpRequest, schedule_id: int, payload: SwitchIn) -> object:
    user = api_user(request)
    schedule = selectors.access_schedule(user, schedule_id)
    deadline_set = services.schedule_switch_frequency(
        actor=user,
        schedule=schedule,
        effective_from=payload.effective_from,
        times=payload.times,
        unit=access_unit(user, payload.unit) if payload.unit is not None else None,
    )
    return Status(201, deadline_set)


@router.get(
    "/reports/schedules/{schedule_id}/summary",
    response={200: SummaryOut, **ERRORS},
    summary="The summary (汇总) of one day or one deadline",
)
def get_report_summary(request: HttpRequest, schedule_id: int, query: Query[SummaryQuery]) -> object:
    user = api_user(request)
    schedule = selectors.access_schedule(user, schedule_id)
    due_at = services.local_moment(query.day, query.due) if query.due else None
    summary = build_summary(user=user, schedule=schedule, day=query.day, due_at=due_at)
    return {
        "schedule": schedule,
        "title": summary.title,
        "day": summary.day,
        "due_at": summary.due_at,
        "expected": summary.expected,
        "fields": [
            {
                "key": spec.key,
                "label": spec.label,
                "kind": spec.kind,
                "total": _total(spec.kind, summary.totals.get(spec.key)),
            }
            for spec in summary.fields
        ],
        "reported": summary.reported,
        "zero": summary.zero,
        "late": summary.late,
        "missing": summary.missing,
        "open": summary.open,
        "texts": summary.texts,
    }


@router.get(
    "/reports/schedules/{schedule_id}/grid",
    response={200: GridOut, **ERRORS},
    summary="Units x deadlines: who reported on time, late, or not at all",
)
def get_report_grid(request: HttpRequest, schedule_id: int, query: Query[GridQuery]) -> object:
    user = api_user(request)
    if query.last < query.first:
        message = _("The last day is before the first day.")
        raise ValidationFailed(message, errors={"last": [message]})
    if (query.last - query.first).days + 1 > GRID_MAX_DAYS:
        message = _("The grid shows at most %(days)s days.") % {"days": GRID_MAX_DAYS}
        raise ValidationFailed(message, errors={"last": [message]})
    grid = selectors.schedule_grid(
        user=user,
        schedule=selectors.access_schedule(user, schedule_id),
        first=query.first,
        last=query.last,
        unit_kind=query.kind or "",
    )
    return {
        "schedule": grid.schedule,
        "first": query.first,
        "last": query.last,
        "columns": grid.columns,
        "rows": grid.rows,
        "totals": grid.totals,
    }


# --- slots and submissions ----------------------------------------------------------------------


@router.get("/reports/slots", response={200: list[SlotOut], **ERRORS}, summary="List report slots")
@paginate
def list_report_slots(request: HttpRequest, filters: Query[SlotFilter]) -> object:
    user = api_user(request)
    after, before = _aware(filters.due_after), _aware(filters.due_before)
    if after is not None and before is not None and before <= after:
        message = _("The end is not after the start.")
        raise ValidationFailed(message, errors={"due_before": [message]})
    unit = access_unit(user, filters.unit) if filters.unit is not None else None
    queryset = _slot_filter(selectors.slot_list(user=user), filters, unit, timezone.now())
    return queryset.select_related("schedule__report_type", "unit").order_by("due_at", "unit__path", "id")


# Before /reports/slots/{slot_id}: "due" is not a slot id.
@router.get(
    "/reports/slots/due",
    response={200: list[SlotOut], **ERRORS},
    summary="What the caller's units must report now (overdue first, then the next ones)",
)
def list_due_report_slots(request: HttpRequest) -> object:
    return selectors.slots_for_reporter(user=api_user(request))


@router.get(
    "/reports/slots/{slot_id}",
    response={200: SlotDetailOut, **ERRORS},
    summary="One slot with its state and current report",
)
def get_report_slot(request: HttpRequest, slot_id: int) -> object:
    slot = selectors.access_slot(api_user(request), slot_id)
    report_type = slot.schedule.report_type
    form = (
        ReportFormVersion.objects.select_related("created_by")
        .filter(report_type=report_type, number=report_type.current_version)
        .first()
    )
    return _Shown(slot, submission=selectors.slot_current_submission(slot), form=form)


@router.get(
    "/reports/slots/{slot_id}/submissions",
    response={200: list[SubmissionOut], **ERRORS},
    summary="Every report of a slot, newest first (corrections and the originals they correct)",
)
def list_report_slot_submissions(request: HttpRequest, slot_id: int) -> object:
    return selectors.slot_submissions(selectors.access_slot(api_user(request), slot_id))


@router.get(
    "/reports/slots/{slot_id}/prefill",
    response={200: PrefillOut, **ERRORS},
    summary="The figures the type's data source counts for the slot's unit and period (nothing is saved)",
)
def get_report_slot_prefill(request: HttpRequest, slot_id: int) -> object:
    prefill = selectors.slot_prefill_detail(selectors.access_slot(api_user(request), slot_id))
    if prefill is None:
        return {"source": None, "source_label": None, "since": None, "until": None, "values": {}}
    return {
        "source": prefill.source.key,
        "source_label": str(prefill.source.label),
        "since": prefill.since,
        "until": prefill.until,
        "values": prefill.values,
    }


@router.post(
    "/reports/slots/{slot_id}/submission",
    response={200: SubmissionOut, 201: SubmissionOut, **ERRORS},
    summary="Report, or report nothing to report (零报告)",
)
def submit_report(request: HttpRequest, slot_id: int, payload: SubmissionIn) -> object:
    """201: a new report or a correction after the deadline; 200: a report amended before the deadline.

    409 ``already_submitted`` when someone else saved the slot since the form was loaded (the body
    says who and when), ``form_changed`` when the form has a newer version, ``stale`` otherwise.
    """
    user = api_user(request)
    submission = services.report_submit(
        actor=user,
        slot=selectors.access_slot(user, slot_id),
        values=payload.values,
        is_zero=payload.is_zero,
        form_version=payload.form_version,
        expected_revision=payload.expected_revision,
        note=payload.note,
    )
    amended = submission.kind == SubmissionKind.ORIGINAL and submission.revision > 1
    return Status(200 if amended else 201, submission)
