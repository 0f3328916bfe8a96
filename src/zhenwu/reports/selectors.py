"""Reads of the reports app, scoped like every other read (STYLE.md §3).

* Slots and submissions belong to the reporting unit: a user sees those of units in their subtree.
* A schedule is seen by the collecting office's subtree (``owner_unit``) and by the units that
  report under it.
* Report types are reference data (form definitions, no personal data): every signed-in user may
  read them; only the defining unit's office changes them.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from zhenwu.core.exceptions import NotFound
from zhenwu.core.localtime import beijing_day_start
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, has_instance_scope, role_allows, scope_q
from zhenwu.reports.choices import SlotState
from zhenwu.reports.models import ReportSchedule, ReportSlot, ReportSubmission, ReportType
from zhenwu.reports.services import late_minutes


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
