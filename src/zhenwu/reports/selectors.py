"""Reads of the reports app, scoped like every other read (STYLE.md §3).

* Slots and submissions belong to the reporting unit: a user sees those of units in their subtree.
* A schedule is seen by the collecting office's subtree (``owner_unit``) and by the units that
  report under it.
* Report types are reference data (form definitions, no personal data): every signed-in user may
  read them; only the defining unit's office changes them.
* The figures a data source prefills a slot's form with are read like the slot (``slot_prefill``).
"""

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from zhenwu.core.exceptions import NotFound
from zhenwu.core.localtime import beijing_day_start
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, has_instance_scope, role_allows, scope_q
from zhenwu.reports.choices import DayRule, SlotState
from zhenwu.reports.models import ReportFormVersion, ReportSchedule, ReportSlot, ReportSubmission, ReportType
from zhenwu.reports.services import late_minutes
from zhenwu.reports.sources import DataSource, get_source

logger = logging.getLogger(__name__)


def report_type_list(*, user: User) -> QuerySet[ReportType]:
    if not role_allows(user, Action.REPORT_VIEW):
        return ReportType.objects.none()
    return ReportType.objects.select_related("owner_unit")


def access_report_type(user: User, pk: int | str) -> ReportType:
    try:
        return report_type_list(user=user).get(pk=pk)
    except (ReportType.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def schedule_list(*, user: User, action: str = Action.REPORT_VIEW) -> QuerySet[ReportSchedule]:
    """Schedules collected in the user's subtree, or under which a unit of their subtree reports."""
    if not role_allows(user, action):
        return ReportSchedule.objects.none()
    if has_instance_scope(user):
        return ReportSchedule.objects.all()
    members = ReportSchedule.units.through.objects.filter(
        scope_q(user, action, unit_field="unit"), reportschedule_id=OuterRef("pk")
    )
    return ReportSchedule.objects.filter(scope_q(user, action, unit_field="owner_unit") | Q(Exists(members)))


def access_schedule(user: User, pk: int | str, action: str = Action.REPORT_VIEW) -> ReportSchedule:
    try:
        return schedule_list(user=user, action=action).select_related("report_type", "owner_unit").get(pk=pk)
    except (ReportSchedule.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def due_between(first: datetime.date, last: datetime.date) -> dict[str, datetime.datetime]:
    """Lookups for the deadlines on the Beijing days ``first``..``last``.

    A range on ``due_at`` rather than on ``slot_on``: the indexes (schedule, unit, due_at) and
    (schedule, due_at) answer it without reading other days' rows.
    """
    return {
        "due_at__gte": beijing_day_start(first),
        "due_at__lt": beijing_day_start(last + datetime.timedelta(days=1)),
    }


def slot_list(*, user: User, action: str = Action.REPORT_VIEW) -> QuerySet[ReportSlot]:
    return ReportSlot.objects.filter(scope_q(user, action, unit_field="unit"))


def access_slot(user: User, pk: int | str, action: str = Action.REPORT_VIEW) -> ReportSlot:
    try:
        return (
            slot_list(user=user, action=action)
            .select_related("schedule__report_type", "schedule__owner_unit", "unit")
            .get(pk=pk)
        )
    except (ReportSlot.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def slot_state(slot: ReportSlot, now: datetime.datetime) -> str:
    """On time / late / missing / not yet due: judged by the first submission against the deadline."""
    if slot.submitted_at is not None:
        return SlotState.ON_TIME if slot.submitted_at <= slot.due_at else SlotState.LATE
    return SlotState.MISSING if now > slot.due_at else SlotState.OPEN


def slot_submissions(slot: ReportSlot) -> list[ReportSubmission]:
    """Every submission of the slot, newest first (the current one and the originals it corrects)."""
    return list(
        ReportSubmission.objects.filter(slot=slot)
        .select_related("submitted_by", "form_version")
        .order_by("-revision")
    )


def slot_current_submission(slot: ReportSlot) -> ReportSubmission | None:
    return (
        ReportSubmission.objects.filter(slot=slot, is_current=True)
        .select_related("submitted_by", "form_version")
        .first()
    )


# --- figures from a data source -------------------------------------------------------------------


@dataclass(frozen=True)
class Prefill:
    """What a slot's form is prefilled with: the source, the period counted, the figures by field key."""

    source: DataSource
    since: datetime.datetime
    until: datetime.datetime
    values: dict[str, Any]


#: Without a previous deadline, a report covers the day (or week) before its own deadline.
FIRST_PERIOD: dict[str, datetime.timedelta] = {DayRule.WEEKLY: datetime.timedelta(days=7)}
FIRST_PERIOD_DEFAULT = datetime.timedelta(days=1)


def slot_period(slot: ReportSlot) -> tuple[datetime.datetime, datetime.datetime]:
    """The period ``[since, until)`` a slot's report covers: from the unit's previous deadline in the
    schedule to this one; for the first, the day (weekly schedules: the week) before the deadline."""
    previous = (
        ReportSlot.objects.filter(schedule_id=slot.schedule_id, unit_id=slot.unit_id, due_at__lt=slot.due_at)
        .order_by("-due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    if previous is None:
        previous = slot.due_at - FIRST_PERIOD.get(slot.schedule.day_rule, FIRST_PERIOD_DEFAULT)
    return previous, slot.due_at


def slot_prefill_detail(slot: ReportSlot) -> Prefill | None:
    """The figures the slot's type's data source counts for the slot's unit and period.

    None when the type has no source or its source is not registered any more. Only keys of the
    current form version are kept (a form may leave out some of the source's figures). A source
    that fails is logged and treated as absent: the reporter fills in the form by hand.
    ``slot`` comes with ``schedule__report_type`` and ``unit`` (``access_slot``); two queries
    plus the source's own.
    """
    report_type = slot.schedule.report_type
    source = get_source(report_type.source)
    if source is None:
        return None
    fields = (
        ReportFormVersion.objects.filter(report_type_id=report_type.pk, number=report_type.current_version)
        .values_list("fields", flat=True)
        .first()
    )
    keys = {str(f["key"]) for f in fields or []}
    since, until = slot_period(slot)
    try:
        figures = source.compute(slot.unit, since, until)
    except Exception:
        # Another app's code: a bug there must not keep a village from reporting by hand.
        logger.exception("data source %s failed for slot %s", source.key, slot.pk)
        return None
    return Prefill(source, since, until, {key: value for key, value in figures.items() if key in keys})


def slot_prefill(slot: ReportSlot) -> dict[str, Any]:
    """The values the slot's form is prefilled with, by field key; {} without a (registered) source."""
    prefill = slot_prefill_detail(slot)
    return prefill.values if prefill is not None else {}


def slots_for_reporter(
    *, user: User, now: datetime.datetime | None = None, limit: int = 20
) -> list[ReportSlot]:
    """What the user's units must report now: open slots (overdue ones first), then the next ones.

    "Due now" is a slot that is open (its previous deadline has passed) and not submitted, or
    submitted but still amendable (deadline not passed). Bounded; one query.
    """
    now = now or timezone.now()
    return list(
        slot_list(user=user)
        .filter(opens_at__lte=now)
        .filter(Q(submitted_at__isnull=True) | Q(due_at__gte=now))
        .filter(due_at__gte=now - datetime.timedelta(days=7))
        .select_related("schedule__report_type", "unit")
        .order_by("due_at", "unit__path")[:limit]
    )


def slots_recent_for_reporter(
    *, user: User, now: datetime.datetime | None = None, limit: int = 20
) -> list[ReportSlot]:
    """The user's units' slots whose deadline has passed, newest first (for the "earlier" list)."""
    now = now or timezone.now()
    return list(
        slot_list(user=user)
        .filter(due_at__lt=now)
        .select_related("schedule__report_type", "unit")
        .order_by("-due_at", "unit__path")[:limit]
    )


# --- the units x slots grid ---------------------------------------------------------------------


@dataclass
class GridCell:
    slot_id: int
    state: str
    late_minutes: int
    is_zero: bool


@dataclass
class GridRow:
    unit: Unit
    cells: list[GridCell | None]
    late: int = 0
    missing: int = 0
    on_time: int = 0


@dataclass
class Grid:
    """Units down, deadlines across; built with a fixed number of queries whatever the number of units."""

    schedule: ReportSchedule
    columns: list[datetime.datetime]
    rows: list[GridRow]
    totals: dict[str, int] = field(default_factory=dict)


def grid_units(*, user: User, schedule: ReportSchedule, unit_kind: str = "") -> QuerySet[Unit]:
    """The reporting units of ``schedule`` the user may see, in tree order (the grid's rows)."""
    units = schedule.units.filter(scope_q(user, Action.REPORT_VIEW, unit_field="")).order_by("path")
    if unit_kind:
        units = units.filter(kind=unit_kind)
    return units.only("id", "name", "kind", "path")


def grid_totals(
    *,
    user: User,
    schedule: ReportSchedule,
    first: datetime.date,
    last: datetime.date,
    unit_kind: str = "",
    now: datetime.datetime | None = None,
) -> dict[str, int]:
    """On time / late / missing / not yet due over every unit of the grid (one aggregate query).

    For a grid shown a page of units at a time, whose own totals would cover only that page.
    """
    now = now or timezone.now()
    submitted = Q(submitted_at__isnull=False)
    counts = ReportSlot.objects.filter(
        schedule=schedule,
        unit_id__in=grid_units(user=user, schedule=schedule, unit_kind=unit_kind).values("pk"),
        **due_between(first, last),
    ).aggregate(
        on_time=Count("pk", filter=submitted & Q(submitted_at__lte=F("due_at"))),
        late=Count("pk", filter=submitted & Q(submitted_at__gt=F("due_at"))),
        missing=Count("pk", filter=Q(submitted_at__isnull=True, due_at__lt=now)),
        open=Count("pk", filter=Q(submitted_at__isnull=True, due_at__gte=now)),
    )
    return {state: int(counts[state] or 0) for state in SlotState.values}


def schedule_grid(
    *,
    user: User,
    schedule: ReportSchedule,
    first: datetime.date,
    last: datetime.date,
    unit_kind: str = "",
    now: datetime.datetime | None = None,
    units: list[Unit] | None = None,
) -> Grid:
    """The grid of ``schedule`` for the days ``first``..``last``: two queries (units, slots).

    ``units`` limits the rows (a page of ``grid_units``); the totals then cover those rows only.
    """
    now = now or timezone.now()
    if units is None:
        units = list(grid_units(user=user, schedule=schedule, unit_kind=unit_kind))
    unit_ids = [unit.pk for unit in units]
    # Plain tuples without the model's default ordering (a join on the unit for its path): the grid
    # of 400 units x 60 deadlines is 24,000 rows, and model instances would double its time.
    slots = (
        list(
            ReportSlot.objects.filter(schedule=schedule, unit_id__in=unit_ids, **due_between(first, last))
            .order_by()
            .values_list("pk", "unit_id", "due_at", "submitted_at", "is_zero")
        )
        if unit_ids
        else []
    )
    columns = sorted({due_at for _, _, due_at, _, _ in slots})
    index = {due: i for i, due in enumerate(columns)}
    rows = {unit.pk: GridRow(unit=unit, cells=[None] * len(columns)) for unit in units}
    totals = dict.fromkeys(SlotState.values, 0)
    for pk, unit_id, due_at, submitted_at, is_zero in slots:
        minutes = late_minutes(submitted_at, due_at)
        if submitted_at is not None:
            state = SlotState.LATE if minutes else SlotState.ON_TIME
        else:
            state = SlotState.MISSING if now > due_at else SlotState.OPEN
        row = rows[unit_id]
        row.cells[index[due_at]] = GridCell(pk, state, minutes, is_zero)
        totals[state] += 1
        if state == SlotState.LATE:
            row.late += 1
        elif state == SlotState.MISSING:
            row.missing += 1
        elif state == SlotState.ON_TIME:
            row.on_time += 1
    return Grid(schedule=schedule, columns=columns, rows=list(rows.values()), totals=totals)


def schedule_counts(schedules: QuerySet[ReportSchedule]) -> dict[int, dict[str, Any]]:
    """Units and slots per schedule (one aggregate query for a page of schedules)."""
    rows = schedules.annotate(unit_count=Count("units", distinct=True)).values("pk", "unit_count")
    return {row["pk"]: row for row in rows}
