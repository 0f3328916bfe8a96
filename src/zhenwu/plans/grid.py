"""Task tracking: for each responsible unit and task, done / in progress / overdue, with its evidence.

Evidence is found in the data where it lives — reports submitted, a roster published, ledger records
(patrols, hazards, disputes, follow-up visits) — or in the documents a unit uploaded. A recurring task
is checked week by week (or month by month) over the plan's period: a week that ended without its
evidence makes the task overdue for that unit.

The grid costs a fixed number of queries per task whatever the number of units: each task reads its
evidence for the whole plan area once, and rows are assigned to units by their unit path.
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.localtime import BEIJING, beijing_date
from zhenwu.core.models import Unit
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.plans.choices import EvidenceKind, RecordSource, Recurrence, TaskState
from zhenwu.plans.models import PlanTask, WorkPlan

#: Unit paths are fixed-width: 10 digits per level (core/models/units.py).
PATH_STEP = 10


@dataclass(frozen=True)
class Window:
    starts_on: datetime.date
    ends_on: datetime.date  # inclusive


@dataclass
class Cell:
    state: str
    done_windows: int
    windows: int
    evidence: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(TaskState(self.state).label)


@dataclass
class Grid:
    plan: WorkPlan
    tasks: list[PlanTask]
    units: list[Unit]
    cells: dict[tuple[int, int], Cell]
    #: task id -> the ids of the units responsible for it
    responsible: dict[int, set[int]]

    def cell(self, task: PlanTask, unit: Unit) -> Cell | None:
        return self.cells.get((task.pk, unit.pk))

    def counts(self, unit: Unit) -> dict[str, int]:
        found = (self.cells.get((task.pk, unit.pk)) for task in self.tasks)
        states = [cell.state for cell in found if cell is not None]
        return {state: states.count(state) for state in TaskState.values}


def task_windows(task: PlanTask, plan: WorkPlan) -> list[Window]:
    if task.recurrence == Recurrence.ONCE:
        return [Window(plan.starts_on, task.due_on or plan.ends_on)]
    windows = []
    start = plan.starts_on
    while start <= plan.ends_on:
        if task.recurrence == Recurrence.WEEKLY:
            end = start + datetime.timedelta(days=6)
        else:
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        windows.append(Window(start, min(end, plan.ends_on)))
        start = end + datetime.timedelta(days=1)
    return windows


def _owner(path: str, by_path: Mapping[str, Unit]) -> Unit | None:
    """The responsible unit a record of the unit at ``path`` counts for (itself or an ancestor)."""
    for length in range(len(path), 0, -PATH_STEP):
        unit = by_path.get(path[:length])
        if unit is not None:
            return unit
    return None


def _moment_range(plan: WorkPlan) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(plan.starts_on, datetime.time(), tzinfo=BEIJING)
    end = datetime.datetime.combine(
        plan.ends_on + datetime.timedelta(days=1), datetime.time(), tzinfo=BEIJING
    )
    return start, end


def _record_dates(task: PlanTask, plan: WorkPlan) -> Iterable[tuple[str, datetime.date]]:
    """(unit path, Beijing date) of each ledger record of the task's source in the plan's area and period."""
    from zhenwu.mediation.models import Dispute, FollowUp
    from zhenwu.safety.models import Hazard, PatrolRecord

    start, end = _moment_range(plan)
    area = plan.owner_unit.path
    source = task.record_source
    pairs: Iterable[tuple[str, datetime.datetime | None]]
    if source == RecordSource.HAZARDS:
        return Hazard.objects.filter(
            unit_subtree_q(area, prefix="unit__"), found_on__range=(plan.starts_on, plan.ends_on)
        ).values_list("unit__path", "found_on")
    if source == RecordSource.PATROLS:
        pairs = PatrolRecord.objects.filter(
            unit_subtree_q(area, prefix="unit__"), started_at__gte=start, started_at__lt=end
        ).values_list("unit__path", "started_at")
    elif source == RecordSource.HAZARDS_RECTIFIED:
        pairs = Hazard.objects.filter(
            unit_subtree_q(area, prefix="responsible_unit__"), verified_at__gte=start, verified_at__lt=end
        ).values_list("responsible_unit__path", "verified_at")
    elif source == RecordSource.DISPUTES:
        pairs = Dispute.objects.filter(
            unit_subtree_q(area, prefix="handling_unit__"), registered_at__gte=start, registered_at__lt=end
        ).values_list("handling_unit__path", "registered_at")
    else:
        pairs = FollowUp.objects.filter(
            unit_subtree_q(area, prefix="dispute__handling_unit__"), done_at__gte=start, done_at__lt=end
        ).values_list("dispute__handling_unit__path", "done_at")
    return ((path, beijing_date(moment)) for path, moment in pairs if moment is not None)


def _report_slots(task: PlanTask, plan: WorkPlan) -> Iterable[tuple[str, datetime.date, bool]]:
    """(unit path, slot day, submitted) of the task's report type's slots due so far in the period."""
    from zhenwu.reports.models import ReportSlot

    start, end = _moment_range(plan)
    rows = ReportSlot.objects.filter(
        unit_subtree_q(plan.owner_unit.path, prefix="unit__"),
        schedule__report_type=task.report_type_id,
        due_at__gte=start,
        due_at__lt=min(end, timezone.now()),
    )
    return (
        (path, day, submitted is None)
        for path, day, submitted in rows.values_list("unit__path", "slot_on", "submitted_at")
    )


def _roster_spans(plan: WorkPlan) -> Iterable[tuple[str, datetime.date, datetime.date]]:
    from zhenwu.duty.choices import RosterStatus
    from zhenwu.duty.models import Roster

    rows = Roster.objects.filter(
        unit_subtree_q(plan.owner_unit.path, prefix="unit__"),
        status=RosterStatus.PUBLISHED,
        starts_on__lte=plan.ends_on,
        ends_on__gte=plan.starts_on,
    )
    return rows.values_list("unit__path", "starts_on", "ends_on")


def _state(windows: Sequence[Window], satisfied: Sequence[bool], today: datetime.date) -> str:
    for window, ok in zip(windows, satisfied, strict=True):
        if not ok and window.ends_on < today:
            return TaskState.OVERDUE
    if all(satisfied) and (len(windows) == 1 or windows[-1].ends_on < today):
        return TaskState.DONE
    return TaskState.IN_PROGRESS


def _responsible(tasks: Sequence[PlanTask], villages: Sequence[Unit]) -> dict[int, list[Unit]]:
    return {
        task.pk: list(villages) if task.all_units else sorted(task.units.all(), key=lambda u: u.path)
        for task in tasks
    }


def task_grid(
    plan: WorkPlan, *, units: Sequence[Unit] | None = None, today: datetime.date | None = None
) -> Grid:
    """The unit × task grid of a plan (optionally only some units, e.g. the viewer's own village)."""
    from zhenwu.plans.services import plan_villages

    today = today or beijing_date(timezone.now())
    tasks = list(plan.tasks.prefetch_related("units").select_related("report_type"))
    responsible = _responsible(tasks, plan_villages(plan))
    everyone = {u.pk: u for rows in responsible.values() for u in rows}
    if units is not None:
        wanted = {u.pk for u in units}
        everyone = {pk: u for pk, u in everyone.items() if pk in wanted}
    by_path = {u.path: u for u in everyone.values()}
    cells: dict[tuple[int, int], Cell] = {}
    for task in tasks:
        windows = task_windows(task, plan)
        targets = [u for u in responsible[task.pk] if u.pk in everyone]
        if not targets:
            continue
        size = len(windows)
        found: dict[int, list[int]] = {
            u.pk: [0] * size for u in everyone.values()
        }  # unit -> count per window
        missing: dict[int, list[int]] = {u.pk: [0] * size for u in everyone.values()}
        evidence: dict[int, list[str]] = defaultdict(list)

        def window_of(day: datetime.date, windows: Sequence[Window] = windows) -> int | None:
            for index, window in enumerate(windows):
                if window.starts_on <= day <= window.ends_on:
                    return index
            return None

        if task.evidence == EvidenceKind.DOCUMENT:
            for row in task.evidence_files.all():
                if row.unit_id not in found:  # a unit left out of this grid (e.g. another village)
                    continue
                index = window_of(beijing_date(row.submitted_at))
                if index is not None:
                    found[row.unit_id][index] += 1
                evidence[row.unit_id].append(row.original_name)
        elif task.evidence == EvidenceKind.RECORD_COUNT:
            for path, day in _record_dates(task, plan):
                unit = _owner(path, by_path)
                index = window_of(day)
                if unit is not None and index is not None:
                    found[unit.pk][index] += 1
        elif task.evidence == EvidenceKind.REPORT:
            for path, day, is_missing in _report_slots(task, plan):
                unit = _owner(path, by_path)
                index = window_of(day)
                if unit is not None and index is not None:
                    (missing if is_missing else found)[unit.pk][index] += 1
        elif task.evidence == EvidenceKind.ROSTER:
            for path, first, last in _roster_spans(plan):
                unit = _owner(path, by_path)
                if unit is None:
                    continue
                for index, window in enumerate(windows):
                    if first <= window.ends_on and last >= window.starts_on:
                        found[unit.pk][index] += 1
        for unit in targets:
            counts = found[unit.pk]
            if task.evidence == EvidenceKind.REPORT:
                # Every report due so far was submitted, and the window had at least one.
                satisfied = [counts[i] > 0 and missing[unit.pk][i] == 0 for i in range(len(windows))]
                total = sum(counts) + sum(missing[unit.pk])
                evidence[unit.pk].append(
                    _("%(done)d of %(total)d reports submitted") % {"done": sum(counts), "total": total}
                )
            else:
                need = task.min_count if task.evidence != EvidenceKind.ROSTER else 1
                satisfied = [c >= need for c in counts]
                if task.evidence == EvidenceKind.RECORD_COUNT:
                    evidence[unit.pk].append(
                        _("%(count)d %(ledger)s")
                        % {"count": sum(counts), "ledger": RecordSource(task.record_source).label}
                    )
                elif task.evidence == EvidenceKind.ROSTER and any(counts):
                    evidence[unit.pk].append(_("roster published"))
            cells[(task.pk, unit.pk)] = Cell(
                state=_state(windows, satisfied, today),
                done_windows=sum(satisfied),
                windows=len(windows),
                evidence=evidence[unit.pk],
            )
    ordered = sorted(everyone.values(), key=lambda u: u.path)
    return Grid(plan, tasks, ordered, cells, {t: {u.pk for u in us} for t, us in responsible.items()})
