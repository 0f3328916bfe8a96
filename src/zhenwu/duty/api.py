"""REST API routes of the duty app (值班): rosters and their checks, shifts and who is on them, the
duty desk (sign-on, the append-only log, handover), swaps, leader reception days and leave.

Scoping is the pages' (``zhenwu.duty.selectors``): rosters, shifts, swaps and receptions belong to a
unit and are seen in its subtree; an object out of scope is a 404. A unit, person, shift entry or
petition named in a body or a filter is resolved in the caller's scope (404 when out of it). Writes
are the services'. The duty log has no PUT or DELETE: a correction is a new entry.
"""

import datetime
from typing import Any

from django.db.models import Exists, F, Model, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from zhenwu.core.api.schemas import ERRORS, FIRST_DAY, LAST_DAY, Clock, Day, Id, Moment, UnitRef, api_user
from zhenwu.core.exceptions import NotFound, ValidationFailed
from zhenwu.core.localtime import BEIJING
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, scope_q
from zhenwu.core.selectors import access_person, access_unit, person_list
from zhenwu.duty import selectors, services
from zhenwu.duty.choices import (
    AssignmentSource,
    LogKind,
    Position,
    RosterStatus,
    ShiftDays,
    SwapKind,
    SwapStatus,
)
from zhenwu.duty.models import (
    DutyLogEntry,
    Handover,
    ReceptionDay,
    Roster,
    Shift,
    ShiftAssignment,
    SwapRequest,
)
from zhenwu.petitions.models import Petition
from zhenwu.petitions.selectors import access_petition

router = Router(tags=["duty"])

#: People named in one pool (a pool is a unit's staff; a township has a few dozen).
MAX_POOL = 200


# --- schemas ------------------------------------------------------------------------------------


class DutyPersonRef(Schema):
    id: int
    name: str
    phone: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.get_full_name()


class RosterRef(Schema):
    id: int
    name: str
    status: RosterStatus


class RosterOut(Schema):
    id: int
    name: str
    unit: UnitRef
    starts_on: datetime.date
    ends_on: datetime.date
    status: RosterStatus
    published_at: datetime.datetime | None
    created_at: datetime.datetime


class TemplateOut(Schema):
    id: int
    name: str
    start_time: str = Field(..., description="HH:MM")
    end_time: str = Field(..., description="HH:MM; not after start_time: the shift ends the next day")
    days: ShiftDays
    leaders_required: int
    officers_required: int

    @staticmethod
    def resolve_start_time(obj: Any) -> str:
        return str(obj.start_time.strftime("%H:%M"))

    @staticmethod
    def resolve_end_time(obj: Any) -> str:
        return str(obj.end_time.strftime("%H:%M"))


class PoolsOut(Schema):
    leader: list[DutyPersonRef] = Field(..., description="Leaders on duty, in rotation order")
    officer: list[DutyPersonRef] = Field(..., description="Duty officers, in rotation order")


class RosterDetailOut(RosterOut):
    templates: list[TemplateOut]
    pools: PoolsOut
    published_with_gaps: list[str] = Field(..., description="The problems confirmed when publishing")
    gaps_note: str = Field(..., description="Why the roster was published with them")


class RosterFilter(Schema):
    unit: Id | None = Field(None, description="Only this unit's rosters")
    active_on: Day | None = Field(None, description="Only rosters whose period includes this day")
    status: RosterStatus | None = None


class RosterCreateIn(Schema):
    unit: Id
    name: str = Field(..., min_length=1, max_length=100)
    starts_on: Day
    ends_on: Day


class TemplateIn(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    start_time: Clock
    end_time: Clock = Field(..., description="Not after start_time: ends the next day (equal: 24 hours)")
    days: ShiftDays = ShiftDays.EVERY_DAY
    leaders_required: int = Field(1, ge=0, le=services.MAX_PER_POSITION)
    officers_required: int = Field(2, ge=0, le=services.MAX_PER_POSITION)


class PoolIn(Schema):
    people: list[Id] = Field(..., max_length=MAX_POOL, description="Person ids in rotation order")


class MemberOut(Schema):
    person: DutyPersonRef
    position: Position
    order: int


class GenerationOut(Schema):
    shifts_created: int
    assigned: int
    kept: int = Field(..., description="Hand edits, swaps and takeovers kept")
    unfilled: list[str] = Field(..., description="Positions nobody could fill")


class GapOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class StaffingOut(Schema):
    shift_id: int
    shift: str
    starts_at: datetime.datetime
    position: Position
    required: int
    assigned: int


class BookingOut(Schema):
    assignment_id: int
    shift_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    in_this_roster: bool


class PairOut(Schema):
    person: DutyPersonRef
    first: BookingOut
    second: BookingOut


class OnLeaveOut(Schema):
    person: DutyPersonRef
    assignment: BookingOut
    leave_id: int
    leave_starts_on: datetime.date
    leave_ends_on: datetime.date


class CoverageOut(Schema):
    roster: RosterRef
    ok: bool
    gaps: list[GapOut] = Field(..., description="Time of the period no shift covers")
    understaffed: list[StaffingOut]
    overstaffed: list[StaffingOut]
    clashes: list[PairOut] = Field(..., description="One person in two places (this roster or another)")
    on_leave: list[OnLeaveOut]
    short_rest: list[PairOut]
    problems: list[str] = Field(..., description="Every problem in words, as publishing records them")


class FairnessOut(Schema):
    person: DutyPersonRef
    position: Position
    shifts: int
    hours: float
    nights: int
    rest_days: int
    on_leave: int


class PublishIn(Schema):
    confirm_gaps: bool = Field(False, description="Publish although the checks list problems")
    note: str = Field("", max_length=200, description="Why (required with confirm_gaps when there are any)")


class AssignmentOut(Schema):
    id: int
    shift_id: int
    person: DutyPersonRef
    position: Position
    source: AssignmentSource
    signed_on_at: datetime.datetime | None


class ShiftOut(Schema):
    id: int
    roster: RosterRef
    unit: UnitRef
    name: str = Field(..., description="The shift template's name (白班, 夜班, 全天)")
    on_date: datetime.date
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    is_rest_day: bool
    day_name: str
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.template.name)


class LogEntryOut(Schema):
    id: int
    shift_id: int
    kind: LogKind
    occurred_at: datetime.datetime
    text: str
    is_open: bool
    corrects_id: int | None
    resolves_id: int | None
    author: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_author(obj: DutyLogEntry) -> str:
        return obj.author.get_full_name()


class HandoverOut(Schema):
    id: int
    shift_id: int
    next_shift_id: int | None
    summary: str
    carried: list[int] = Field(..., description="Ids of the open items passed on")
    handed_over_by: str
    handed_over_at: datetime.datetime

    @staticmethod
    def resolve_carried(obj: Handover) -> list[int]:
        return [entry.pk for entry in obj.carried.all()]

    @staticmethod
    def resolve_handed_over_by(obj: Handover) -> str:
        return obj.handed_over_by.get_full_name()


class ShiftDetailOut(ShiftOut):
    log: list[LogEntryOut] = Field(..., description="The duty log, oldest first")
    open_items: list[LogEntryOut] = Field(..., description="Open items of this shift or carried into it")
    handovers_received: list[HandoverOut]


class ShiftFilter(Schema):
    roster: Id | None = None
    unit: Id | None = Field(None, description="Only this unit's shifts")
    from_: Day | None = Field(None, alias="from", description="Shifts starting on or after this day")
    to: Day | None = Field(None, description="Shifts starting on or before this day")
    mine: bool = Field(False, description="Only shifts the caller is on")


class AssignmentIn(Schema):
    position: Position
    person: Id


class SignOnOut(Schema):
    id: int
    assignment_id: int
    shift_id: int
    signed_at: datetime.datetime


class LogEntryIn(Schema):
    kind: LogKind
    text: str = Field(..., min_length=1, max_length=5000)
    occurred_at: Moment | None = Field(None, description="When it happened (no offset: Beijing); default now")
    is_open: bool = Field(False, description="Still to be followed up: carried on at handover")
    corrects: Id | None = Field(None, description="The entry this one corrects")
    resolves: Id | None = Field(None, description="The open item this one closes")


class HandoverIn(Schema):
    summary: str = Field(..., min_length=1, max_length=5000)
    carry: list[Id] | None = Field(
        None, max_length=500, description="The open items to pass on; empty: all of them"
    )


class SwapAssignmentOut(Schema):
    id: int
    shift_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    position: Position
    person: DutyPersonRef


class SwapOut(Schema):
    id: int
    kind: SwapKind
    status: SwapStatus
    roster_id: int
    assignment: SwapAssignmentOut = Field(..., description="The shift given away (now held as decided)")
    counterpart: SwapAssignmentOut | None = Field(..., description="The shift taken in exchange")
    to_person: DutyPersonRef
    reason: str
    requested_by: str
    requested_at: datetime.datetime
    decided_by: str | None
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_requested_by(obj: SwapRequest) -> str:
        return obj.requested_by.get_full_name()

    @staticmethod
    def resolve_decided_by(obj: SwapRequest) -> str | None:
        return obj.decided_by.get_full_name() if obj.decided_by else None


class SwapIn(Schema):
    to_person: Id = Field(..., description="Who takes the shift")
    counterpart: Id | None = Field(None, description="Their assignment taken in exchange; empty: a takeover")
    reason: str = Field("", max_length=200)
    arrange: bool = Field(False, description="The office arranges it: asked and approved at once")


class SwapFilter(Schema):
    roster: Id | None = None
    status: SwapStatus | None = None


class DecisionIn(Schema):
    approve: bool


class ReceptionOut(Schema):
    id: int
    unit: UnitRef
    leader: DutyPersonRef
    on_date: datetime.date
    start_time: str
    end_time: str
    place: str
    topic: str
    is_published: bool
    is_cancelled: bool
    petitions: list[int] = Field(..., description="Ids of the matters registered at the reception")

    @staticmethod
    def resolve_start_time(obj: ReceptionDay) -> str:
        return obj.start_time.strftime("%H:%M")

    @staticmethod
    def resolve_end_time(obj: ReceptionDay) -> str:
        return obj.end_time.strftime("%H:%M")

    @staticmethod
    def resolve_petitions(obj: ReceptionDay) -> list[int]:
        return [petition.pk for petition in obj.petitions.all()]


class ReceptionFilter(Schema):
    from_: Day | None = Field(None, alias="from", description="Receptions on or after this day")


class ReceptionCreateIn(Schema):
    unit: Id
    leader: Id
    on_date: Day
    start_time: Clock
    end_time: Clock
    place: str = Field(..., min_length=1, max_length=100)
    topic: str = Field("", max_length=200)
    publish: bool = False


class PublishReceptionIn(Schema):
    publish: bool = True


class PetitionLinkIn(Schema):
    petition: Id


class LeaveOut(Schema):
    id: int
    person: DutyPersonRef
    starts_on: datetime.date
    ends_on: datetime.date
    reason: str
    created_at: datetime.datetime


class LeaveFilter(Schema):
    person: Id | None = None
    from_: Day | None = Field(None, alias="from", description="Leave lasting until this day or later")


class LeaveIn(Schema):
    person: Id
    starts_on: Day
    ends_on: Day
    reason: str = Field("", max_length=100)


# --- helpers ------------------------------------------------------------------------------------


class _Shown:
    """A model plus the extra attributes its schema reads; any other attribute is the model's."""

    def __init__(self, obj: Model, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def _clock(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A time without an offset is Beijing wall-clock time."""
    if moment is not None and timezone.is_naive(moment):
        return moment.replace(tzinfo=BEIJING)
    return moment


def _people(user: User, ids: list[int]) -> list[User]:
    """The named people in the given order, every one in the caller's scope (else 404)."""
    found = {person.pk: person for person in person_list(user=user).filter(pk__in=set(ids))}
    if len(found) != len(set(ids)):
        raise NotFound()
    return [found[pk] for pk in ids]  # a name listed twice stays twice: the service says so


def _log_entry(user: User, pk: int) -> DutyLogEntry:
    """An entry of a duty log in the caller's scope (else 404)."""
    entry = (
        DutyLogEntry.objects.filter(scope_q(user, Action.DUTY_VIEW, unit_field="shift__unit"))
        .select_related("shift")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise NotFound()
    return entry


def _signed(assignment: ShiftAssignment, signed_on_at: datetime.datetime | None) -> _Shown:
    return _Shown(assignment, signed_on_at=signed_on_at)


def _assignments() -> Prefetch:
    """A shift's people with their sign-on time, in one query for a whole page of shifts."""
    return Prefetch(
        "assignments",
        queryset=ShiftAssignment.objects.select_related("person")
        .annotate(signed_on_at=F("sign_on__signed_at"))
        .order_by("position", "id"),
    )


def _window(first: datetime.date | None, last: datetime.date | None) -> Q:
    if first is not None and last is not None and last < first:
        message = _("The last day is before the first day.")
        raise ValidationFailed(message, errors={"to": [message]})
    return services.shift_window(first or FIRST_DAY, last or LAST_DAY)


def roster_detail(roster: Roster) -> _Shown:
    """The roster with its shift templates and its pools in rotation order (two queries)."""
    pools: dict[str, list[User]] = {position: [] for position in Position.values}
    for member in roster.members.select_related("person").order_by("position", "order", "id"):
        pools[member.position].append(member.person)
    return _Shown(roster, templates=list(roster.templates.all()), pools=pools)


def _booking(assignment: ShiftAssignment, roster: Roster) -> dict[str, Any]:
    return {
        "assignment_id": assignment.pk,
        "shift_id": assignment.shift_id,
        "starts_at": assignment.starts_at,
        "ends_at": assignment.ends_at,
        "in_this_roster": assignment.shift.roster_id == roster.pk,
    }


def _staffing(item: selectors.Understaffed) -> dict[str, Any]:
    return {
        "shift_id": item.shift.pk,
        "shift": item.shift.template.name,
        "starts_at": item.shift.starts_at,
        "position": item.position,
        "required": item.required,
        "assigned": item.assigned,
    }


def coverage_detail(report: selectors.CoverageReport) -> dict[str, Any]:
    roster = report.roster
    pairs = {
        kind: [
            {
                "person": pair.person,
                "first": _booking(pair.first, roster),
                "second": _booking(pair.second, roster),
            }
            for pair in items
        ]
        for kind, items in (("clashes", report.clashes), ("short_rest", report.short_rest))
    }
    return {
        "roster": roster,
        "ok": report.ok,
        "gaps": report.gaps,
        "understaffed": [_staffing(item) for item in report.understaffed],
        "overstaffed": [_staffing(item) for item in report.overstaffed],
        **pairs,
        "on_leave": [
            {
                "person": item.assignment.person,
                "assignment": _booking(item.assignment, roster),
                "leave_id": item.leave.pk,
                "leave_starts_on": item.leave.starts_on,
                "leave_ends_on": item.leave.ends_on,
            }
            for item in report.on_leave
        ],
        "problems": report.problem_lines(),
    }


def shift_detail(shift: Shift) -> _Shown:
    desk = selectors.shift_desk(shift)
    assignments = [
        _signed(a, desk.signed_on[a.pk].signed_at if a.pk in desk.signed_on else None)
        for a in desk.assignments
    ]
    return _Shown(
        shift,
        assignments=assignments,
        log=desk.log,
        open_items=desk.open_items,
        handovers_received=desk.received,
    )


def _swaps(queryset: QuerySet[SwapRequest]) -> QuerySet[SwapRequest]:
    return queryset.select_related(
        "assignment__person",
        "counterpart__person",
        "to_person",
        "requested_by",
        "decided_by",
    )


def _reread(swap: SwapRequest) -> SwapRequest:
    """The swap as saved: the request the services return still holds the assignments as they were
    before the swap was carried out."""
    return _swaps(SwapRequest.objects.filter(pk=swap.pk)).get()


def _receptions(queryset: QuerySet[ReceptionDay]) -> QuerySet[ReceptionDay]:
    return queryset.select_related("unit", "leader").prefetch_related(
        Prefetch("petitions", queryset=Petition.objects.only("pk"))
    )


# --- rosters ------------------------------------------------------------------------------------


@router.get("/duty/rosters", response={200: list[RosterOut], **ERRORS}, summary="List duty rosters")
@paginate
def list_duty_rosters(request: HttpRequest, filters: Query[RosterFilter]) -> object:
    user = api_user(request)
    queryset = selectors.roster_list(user=user)
    if filters.unit is not None:
        queryset = queryset.filter(unit=access_unit(user, filters.unit))
    if filters.active_on is not None:
        queryset = queryset.filter(starts_on__lte=filters.active_on, ends_on__gte=filters.active_on)
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    return queryset.select_related("unit").order_by("-starts_on", "id")


@router.post("/duty/rosters", response={201: RosterDetailOut, **ERRORS}, summary="Create a duty roster")
def create_duty_roster(request: HttpRequest, payload: RosterCreateIn) -> object:
    user = api_user(request)
    roster = services.roster_create(
        actor=user,
        unit=access_unit(user, payload.unit),
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, roster_detail(roster))


@router.get(
    "/duty/rosters/{roster_id}",
    response={200: RosterDetailOut, **ERRORS},
    summary="One roster with its shifts of the day and its pools",
)
def get_duty_roster(request: HttpRequest, roster_id: Path[Id]) -> object:
    return roster_detail(selectors.access_roster(api_user(request), roster_id))


@router.post(
    "/duty/rosters/{roster_id}/templates",
    response={201: TemplateOut, **ERRORS},
    summary="Add a shift to the roster's day (one overlapping another on the same days is a 400)",
)
def add_duty_shift_template(request: HttpRequest, roster_id: Path[Id], payload: TemplateIn) -> object:
    user = api_user(request)
    template = services.shift_template_add(
        actor=user,
        roster=selectors.access_roster(user, roster_id),
        name=payload.name,
        start_time=_clock(payload.start_time),
        end_time=_clock(payload.end_time),
        days=payload.days,
        leaders_required=payload.leaders_required,
        officers_required=payload.officers_required,
    )
    return Status(201, template)


@router.put(
    "/duty/rosters/{roster_id}/pool/{position}",
    response={200: list[MemberOut], **ERRORS},
    summary="Set the pool of one position, in rotation order",
)
def set_duty_pool(request: HttpRequest, roster_id: Path[Id], position: Position, payload: PoolIn) -> object:
    user = api_user(request)
    roster = selectors.access_roster(user, roster_id)
    return services.roster_members_set(
        actor=user, roster=roster, position=position, people=_people(user, payload.people)
    )


@router.post(
    "/duty/rosters/{roster_id}/generate",
    response={200: GenerationOut, **ERRORS},
    summary="Lay out the shifts and fill them from the pools (hand edits are kept)",
)
def generate_duty_roster(request: HttpRequest, roster_id: Path[Id]) -> object:
    user = api_user(request)
    return services.roster_generate(actor=user, roster=selectors.access_roster(user, roster_id))


@router.get(
    "/duty/rosters/{roster_id}/coverage",
    response={200: CoverageOut, **ERRORS},
    summary="Gaps, under- and overstaffed shifts, people in two places, on leave or short of rest",
)
def get_duty_coverage(request: HttpRequest, roster_id: Path[Id]) -> object:
    roster = selectors.access_roster(api_user(request), roster_id)
    return coverage_detail(selectors.coverage_report(roster))


@router.get(
    "/duty/rosters/{roster_id}/fairness",
    response={200: list[FairnessOut], **ERRORS},
    summary="Shifts, hours, nights and rest days per person and position",
)
def get_duty_fairness(request: HttpRequest, roster_id: Path[Id]) -> object:
    return selectors.fairness_report(selectors.access_roster(api_user(request), roster_id))


@router.post(
    "/duty/rosters/{roster_id}/publish",
    response={200: RosterDetailOut, **ERRORS},
    summary="Publish the roster (with problems: 409 'gaps', unless confirmed with a reason)",
)
def publish_duty_roster(request: HttpRequest, roster_id: Path[Id], payload: PublishIn) -> object:
    user = api_user(request)
    roster = services.roster_publish(
        actor=user,
        roster=selectors.access_roster(user, roster_id),
        confirm_gaps=payload.confirm_gaps,
        note=payload.note,
    )
    return roster_detail(roster)


# --- shifts and the duty desk -------------------------------------------------------------------


@router.get("/duty/shifts", response={200: list[ShiftOut], **ERRORS}, summary="List shifts with their people")
@paginate
def list_duty_shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> object:
    user = api_user(request)
    queryset = selectors.shift_list(user=user)
    if filters.roster is not None:
        queryset = queryset.filter(roster_id=filters.roster)
    if filters.unit is not None:
        queryset = queryset.filter(unit=access_unit(user, filters.unit))
    if filters.from_ is not None or filters.to is not None:
        queryset = queryset.filter(_window(filters.from_, filters.to))
    if filters.mine:
        queryset = queryset.filter(Exists(ShiftAssignment.objects.filter(shift=OuterRef("pk"), person=user)))
    return (
        queryset.select_related("roster", "unit", "template")
        .prefetch_related(_assignments())
        .order_by("starts_at", "id")
    )


@router.get(
    "/duty/shifts/{shift_id}",
    response={200: ShiftDetailOut, **ERRORS},
    summary="One shift with its people, its duty log and its open items",
)
def get_duty_shift(request: HttpRequest, shift_id: Path[Id]) -> object:
    return shift_detail(selectors.access_shift(api_user(request), shift_id))


@router.post(
    "/duty/shifts/{shift_id}/assignments",
    response={201: AssignmentOut, **ERRORS},
    summary="Put someone of the pool on a shift by hand (kept by any later generation)",
)
def add_duty_assignment(request: HttpRequest, shift_id: Path[Id], payload: AssignmentIn) -> object:
    user = api_user(request)
    assignment = services.assignment_set(
        actor=user,
        shift=selectors.access_shift(user, shift_id),
        position=payload.position,
        person=access_person(user, payload.person),
    )
    return Status(201, _signed(assignment, None))


@router.delete(
    "/duty/assignments/{assignment_id}",
    response={204: None, **ERRORS},
    summary="Take someone off a shift that has not started",
)
def remove_duty_assignment(request: HttpRequest, assignment_id: Path[Id]) -> object:
    user = api_user(request)
    services.assignment_remove(actor=user, assignment=selectors.access_assignment(user, assignment_id))
    return Status(204, None)


@router.post(
    "/duty/shifts/{shift_id}/sign-on",
    response={201: SignOnOut, **ERRORS},
    summary="Sign on (签到) for one's own shift, from an hour before it starts",
)
def sign_on_duty_shift(request: HttpRequest, shift_id: Path[Id]) -> object:
    user = api_user(request)
    return Status(201, services.shift_sign_on(actor=user, shift=selectors.access_shift(user, shift_id)))


@router.get(
    "/duty/shifts/{shift_id}/log",
    response={200: list[LogEntryOut], **ERRORS},
    summary="The shift's duty log, oldest first (corrections are entries of their own)",
)
def list_duty_log(request: HttpRequest, shift_id: Path[Id]) -> object:
    shift = selectors.access_shift(api_user(request), shift_id)
    return DutyLogEntry.objects.filter(shift=shift).select_related("author").order_by("created_at", "id")


@router.post(
    "/duty/shifts/{shift_id}/log",
    response={201: LogEntryOut, **ERRORS},
    summary="Append to the duty log (entries are never changed: a correction names what it corrects)",
)
def add_duty_log_entry(request: HttpRequest, shift_id: Path[Id], payload: LogEntryIn) -> object:
    user = api_user(request)
    entry = services.duty_log_add(
        actor=user,
        shift=selectors.access_shift(user, shift_id),
        kind=payload.kind,
        text=payload.text,
        occurred_at=_aware(payload.occurred_at),
        is_open=payload.is_open,
        corrects=_log_entry(user, payload.corrects) if payload.corrects is not None else None,
        resolves=_log_entry(user, payload.resolves) if payload.resolves is not None else None,
    )
    return Status(201, entry)


@router.post(
    "/duty/shifts/{shift_id}/handover",
    response={201: HandoverOut, **ERRORS},
    summary="Hand the shift over (交接班), passing its open items to the next shift",
)
def hand_over_duty_shift(request: HttpRequest, shift_id: Path[Id], payload: HandoverIn) -> object:
    user = api_user(request)
    handover = services.shift_handover(
        actor=user,
        shift=selectors.access_shift(user, shift_id),
        summary=payload.summary,
        carry=payload.carry,
    )
    return Status(201, handover)


# --- swaps --------------------------------------------------------------------------------------


@router.post(
    "/duty/assignments/{assignment_id}/swaps",
    response={201: SwapOut, **ERRORS},
    summary="Ask to swap a shift or have it taken over; the office may arrange one at once",
)
def request_duty_swap(request: HttpRequest, assignment_id: Path[Id], payload: SwapIn) -> object:
    user = api_user(request)
    assignment = selectors.access_assignment(user, assignment_id)
    counterpart = (
        selectors.access_assignment(user, payload.counterpart) if payload.counterpart is not None else None
    )
    act = services.swap_arrange if payload.arrange else services.swap_request
    swap = act(
        actor=user,
        assignment=assignment,
        to_person=access_person(user, payload.to_person),
        counterpart=counterpart,
        reason=payload.reason,
    )
    return Status(201, _reread(swap))


@router.get("/duty/swaps", response={200: list[SwapOut], **ERRORS}, summary="List swap requests")
@paginate
def list_duty_swaps(request: HttpRequest, filters: Query[SwapFilter]) -> object:
    user = api_user(request)
    queryset = SwapRequest.objects.filter(scope_q(user, Action.DUTY_VIEW, unit_field="roster__unit"))
    if filters.roster is not None:
        queryset = queryset.filter(roster_id=filters.roster)
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    return _swaps(queryset).order_by("-requested_at", "-id")


@router.post(
    "/duty/swaps/{swap_id}/decision",
    response={200: SwapOut, **ERRORS},
    summary="Approve (and carry out) or reject a pending swap",
)
def decide_duty_swap(request: HttpRequest, swap_id: Path[Id], payload: DecisionIn) -> object:
    user = api_user(request)
    swap = services.swap_decide(
        actor=user, swap=selectors.access_swap(user, swap_id), approve=payload.approve
    )
    return _reread(swap)


# --- reception days -----------------------------------------------------------------------------


@router.get(
    "/duty/receptions", response={200: list[ReceptionOut], **ERRORS}, summary="List leader reception days"
)
@paginate
def list_duty_receptions(request: HttpRequest, filters: Query[ReceptionFilter]) -> object:
    queryset = selectors.reception_list(user=api_user(request))
    if filters.from_ is not None:
        queryset = queryset.filter(on_date__gte=filters.from_)
    return _receptions(queryset).order_by("on_date", "start_time", "id")


@router.post(
    "/duty/receptions",
    response={201: ReceptionOut, **ERRORS},
    summary="Schedule a leader's reception of the public (领导接访日)",
)
def create_duty_reception(request: HttpRequest, payload: ReceptionCreateIn) -> object:
    user = api_user(request)
    reception = services.reception_create(
        actor=user,
        unit=access_unit(user, payload.unit),
        leader=access_person(user, payload.leader),
        on_date=payload.on_date,
        start_time=_clock(payload.start_time),
        end_time=_clock(payload.end_time),
        place=payload.place,
        topic=payload.topic,
        publish=payload.publish,
    )
    return Status(201, reception)


@router.post(
    "/duty/receptions/{reception_id}/publish",
    response={200: ReceptionOut, **ERRORS},
    summary="Show the reception on the public page, or take it off",
)
def publish_duty_reception(
    request: HttpRequest, reception_id: Path[Id], payload: PublishReceptionIn
) -> object:
    user = api_user(request)
    return services.reception_publish(
        actor=user, reception=selectors.access_reception(user, reception_id), publish=payload.publish
    )


@router.post(
    "/duty/receptions/{reception_id}/cancel",
    response={200: ReceptionOut, **ERRORS},
    summary="Cancel a reception (the public page says so)",
)
def cancel_duty_reception(request: HttpRequest, reception_id: Path[Id]) -> object:
    user = api_user(request)
    return services.reception_cancel(actor=user, reception=selectors.access_reception(user, reception_id))


@router.post(
    "/duty/receptions/{reception_id}/petitions",
    response={200: ReceptionOut, **ERRORS},
    summary="Link a matter brought in person on the reception day",
)
def link_duty_reception_petition(
    request: HttpRequest, reception_id: Path[Id], payload: PetitionLinkIn
) -> object:
    user = api_user(request)
    return services.reception_link_petition(
        actor=user,
        reception=selectors.access_reception(user, reception_id),
        petition=access_petition(user, payload.petition, Action.PETITION_VIEW),
    )


# --- leave --------------------------------------------------------------------------------------


@router.get("/duty/leave", response={200: list[LeaveOut], **ERRORS}, summary="List staff leave")
@paginate
def list_duty_leave(request: HttpRequest, filters: Query[LeaveFilter]) -> object:
    """The office sees the leave of its unit's staff; everyone sees their own."""
    user = api_user(request)
    queryset = selectors.leave_list(user=user)
    if filters.person is not None:
        queryset = queryset.filter(person=access_person(user, filters.person))
    if filters.from_ is not None:
        queryset = queryset.filter(ends_on__gte=filters.from_)
    return queryset.select_related("person").order_by("-starts_on", "id")


@router.post("/duty/leave", response={201: LeaveOut, **ERRORS}, summary="Record a staff member's leave")
def create_duty_leave(request: HttpRequest, payload: LeaveIn) -> object:
    user = api_user(request)
    leave = services.leave_add(
        actor=user,
        person=access_person(user, payload.person),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reason=payload.reason,
    )
    return Status(201, leave)
