"""Reads of the duty app, scoped like every other read (STYLE.md §3).

Rosters, shifts, the duty log and reception days belong to a unit: a user sees those of units in
their subtree. The public reception page (no sign-in) shows published receptions only, with the
leader's name and position (the schedule is public by nature) and nothing else about anyone.

Checks over a roster (coverage, fairness) read a fixed number of queries, whatever its size.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.exceptions import NotFound
from zhenwu.core.localtime import BEIJING, beijing_moment, short_time
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, has_instance_scope, scope_q
from zhenwu.duty.choices import Position
from zhenwu.duty.models import (
    DutyLogEntry,
    Handover,
    Leave,
    ReceptionDay,
    Roster,
    RosterMember,
    Shift,
    ShiftAssignment,
    SignOn,
    SwapRequest,
)
from zhenwu.duty.services import MIN_REST, open_items


def roster_list(*, user: User, action: str = Action.DUTY_VIEW) -> QuerySet[Roster]:
    return Roster.objects.filter(scope_q(user, action, unit_field="unit"))


def access_roster(user: User, pk: int | str, action: str = Action.DUTY_VIEW) -> Roster:
    try:
        return roster_list(user=user, action=action).select_related("unit").get(pk=pk)
    except (Roster.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def shift_list(*, user: User, action: str = Action.DUTY_VIEW) -> QuerySet[Shift]:
    return Shift.objects.filter(scope_q(user, action, unit_field="unit"))


def access_shift(user: User, pk: int | str, action: str = Action.DUTY_VIEW) -> Shift:
    try:
        return shift_list(user=user, action=action).select_related("template", "roster", "unit").get(pk=pk)
    except (Shift.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_assignment(user: User, pk: int | str) -> ShiftAssignment:
    try:
        return (
            ShiftAssignment.objects.filter(scope_q(user, Action.DUTY_VIEW, unit_field="shift__unit"))
            .select_related("shift__roster__unit", "shift__template", "shift__unit", "person")
            .get(pk=pk)
        )
    except (ShiftAssignment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_swap(user: User, pk: int | str) -> SwapRequest:
    try:
        return (
            SwapRequest.objects.filter(scope_q(user, Action.DUTY_VIEW, unit_field="roster__unit"))
            .select_related(
                "roster__unit", "assignment__shift", "assignment__person", "counterpart__shift", "to_person"
            )
            .get(pk=pk)
        )
    except (SwapRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def leave_list(*, user: User) -> QuerySet[Leave]:
    """The office sees the leave of its units' staff; everyone else sees their own leave only."""
    if has_instance_scope(user):
        return Leave.objects.all()
    return Leave.objects.filter(scope_q(user, Action.DUTY_MANAGE, unit_field="person__unit") | Q(person=user))


def reception_list(*, user: User) -> QuerySet[ReceptionDay]:
    return ReceptionDay.objects.filter(scope_q(user, Action.DUTY_VIEW, unit_field="unit"))


def access_reception(user: User, pk: int | str) -> ReceptionDay:
    try:
        return reception_list(user=user).select_related("unit", "leader").get(pk=pk)
    except (ReceptionDay.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def public_receptions(
    *, today: datetime.date | None = None, unit: Unit | None = None
) -> QuerySet[ReceptionDay]:
    """Published receptions from today on, for the public page (no sign-in)."""
    today = today or timezone.localdate()
    rows = ReceptionDay.objects.filter(is_published=True, on_date__gte=today)
    if unit is not None:
        rows = rows.filter(unit=unit)
    return rows.select_related("unit", "leader").order_by("on_date", "start_time", "id")


def assignments_prefetch() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=ShiftAssignment.objects.select_related("person").order_by("position", "id"),
    )


def roster_shifts(roster: Roster) -> list[Shift]:
    """Every shift of the roster in time order with its people (three queries)."""
    return list(
        roster.shifts.select_related("template")
        .prefetch_related(assignments_prefetch())
        .order_by("starts_at", "id")
    )


# --- coverage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """Time within the period with no shift at all."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime


@dataclass(frozen=True)
class Understaffed:
    shift: Shift
    position: str
    required: int
    assigned: int


@dataclass(frozen=True)
class Clash:
    """One person in two places: two overlapping assignments (in this roster or another)."""

    person: User
    first: ShiftAssignment
    second: ShiftAssignment


@dataclass(frozen=True)
class OnLeave:
    assignment: ShiftAssignment
    leave: Leave


@dataclass(frozen=True)
class ShortRest:
    """Two assignments of one person closer than the rest rule allows."""

    person: User
    first: ShiftAssignment
    second: ShiftAssignment


@dataclass
class CoverageReport:
    roster: Roster
    shifts: list[Shift] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    understaffed: list[Understaffed] = field(default_factory=list)
    overstaffed: list[Understaffed] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    on_leave: list[OnLeave] = field(default_factory=list)
    short_rest: list[ShortRest] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem_lines()

    def problem_lines(self) -> list[str]:
        """Every problem in words: what publishing with gaps confirms and records."""
        lines = [
            _("No shift from %(start)s to %(end)s")
            % {"start": short_time(g.starts_at), "end": short_time(g.ends_at)}
            for g in self.gaps
        ]
        lines += [
            _("%(shift)s %(time)s: %(assigned)s of %(required)s %(position)s")
            % {
                "shift": u.shift.template.name,
                "time": short_time(u.shift.starts_at),
                "assigned": u.assigned,
                "required": u.required,
                "position": Position(u.position).label,
            }
            for u in self.understaffed
        ]
        lines += [
            _("%(shift)s %(time)s: %(assigned)s %(position)s booked, %(required)s needed")
            % {
                "shift": u.shift.template.name,
                "time": short_time(u.shift.starts_at),
                "assigned": u.assigned,
                "required": u.required,
                "position": Position(u.position).label,
            }
            for u in self.overstaffed
        ]
        lines += [
            _("%(name)s is in two places: %(first)s and %(second)s")
            % {
                "name": c.person.get_full_name(),
                "first": short_time(c.first.starts_at),
                "second": short_time(c.second.starts_at),
            }
            for c in self.clashes
        ]
        lines += [
            _("%(name)s is rostered on %(time)s while on leave (%(first)s to %(last)s)")
            % {
                "name": o.assignment.person.get_full_name(),
                "time": short_time(o.assignment.starts_at),
                "first": o.leave.starts_on,
                "last": o.leave.ends_on,
            }
            for o in self.on_leave
        ]
        lines += [
            _("%(name)s has too little rest between %(first)s and %(second)s")
            % {
                "name": s.person.get_full_name(),
                "first": short_time(s.first.starts_at),
                "second": short_time(s.second.starts_at),
            }
            for s in self.short_rest
        ]
        return [str(line) for line in lines]


def roster_day_start(roster: Roster) -> datetime.time:
    """When the roster's duty day starts: its earliest shift start (midnight without templates)."""
    starts = [template.start_time for template in roster.templates.all()]
    return min(starts) if starts else datetime.time(0, 0)


def coverage_report(roster: Roster) -> CoverageReport:
    """Gaps (no shift), under- and overstaffed positions, people in two places, on leave, short of rest.

    "Every minute covered": a duty day starts when the roster's earliest shift starts (08:30 for
    白班 08:30–17:30 + 夜班 17:30–08:30, or for a 24-hour shift from 08:30), so the period runs from
    that time on its first day to that time the day after its last; any time no shift covers is a
    gap. Each shift's positions must hold exactly the required number.
    Clashes are looked for across all rosters (a leader on two units' rosters at once). A fixed
    number of queries.
    """
    shifts = roster_shifts(roster)
    report = CoverageReport(roster=roster, shifts=shifts)
    day_start = roster_day_start(roster)
    period_start = beijing_moment(roster.starts_on, day_start)
    period_end = beijing_moment(roster.ends_on + datetime.timedelta(days=1), day_start)
    covered_until = period_start
    for shift in shifts:
        if shift.starts_at > covered_until and covered_until < period_end:
            report.gaps.append(Gap(covered_until, min(shift.starts_at, period_end)))
        covered_until = max(covered_until, shift.ends_at)
    if covered_until < period_end:
        report.gaps.append(Gap(covered_until, period_end))
    mine: list[ShiftAssignment] = []
    for shift in shifts:
        assignments = list(shift.assignments.all())
        mine.extend(assignments)
        for position in (Position.LEADER, Position.OFFICER):
            required = shift.template.required(position)
            assigned = sum(1 for a in assignments if a.position == position)
            if assigned < required:
                report.understaffed.append(Understaffed(shift, position, required, assigned))
            elif assigned > required:
                report.overstaffed.append(Understaffed(shift, position, required, assigned))
    people = {a.person_id for a in mine}
    if not people:
        return report
    first = shifts[0].starts_at - MIN_REST
    last = shifts[-1].ends_at + MIN_REST
    everything = list(
        ShiftAssignment.objects.filter(person_id__in=people, starts_at__lt=last, ends_at__gt=first)
        .select_related("person", "shift__roster")
        .order_by("person_id", "starts_at", "id")
    )
    by_person: dict[int, list[ShiftAssignment]] = defaultdict(list)
    for assignment in everything:
        by_person[assignment.person_id].append(assignment)
    mine_ids = {a.pk for a in mine}
    for assignments in by_person.values():
        for earlier, later in zip(assignments, assignments[1:], strict=False):
            if earlier.pk not in mine_ids and later.pk not in mine_ids:
                continue
            if later.starts_at < earlier.ends_at:
                report.clashes.append(Clash(earlier.person, earlier, later))
            elif later.starts_at < earlier.ends_at + MIN_REST:
                report.short_rest.append(ShortRest(earlier.person, earlier, later))
    leaves: dict[int, list[Leave]] = defaultdict(list)
    for leave in Leave.objects.filter(
        person_id__in=people,
        starts_on__lte=roster.ends_on + datetime.timedelta(days=1),
        ends_on__gte=roster.starts_on,
    ):
        leaves[leave.person_id].append(leave)
    for assignment in mine:
        first_day = timezone.localtime(assignment.starts_at, BEIJING).date()
        last_day = timezone.localtime(assignment.ends_at - datetime.timedelta(seconds=1), BEIJING).date()
        for leave in leaves.get(assignment.person_id, []):
            if leave.starts_on <= last_day and first_day <= leave.ends_on:
                report.on_leave.append(OnLeave(assignment, leave))
                break
    return report


# --- fairness --------------------------------------------------------------------------------------


@dataclass
class FairnessRow:
    person: User
    position: str
    shifts: int = 0
    hours: float = 0.0
    nights: int = 0
    rest_days: int = 0
    on_leave: int = 0


def fairness_report(roster: Roster) -> list[FairnessRow]:
    """Per person and position: shifts, hours, nights and rest-day shifts, and shifts while on leave.

    Every pool member is listed, with zeros where they have no shift.
    """
    rows: dict[tuple[int, str], FairnessRow] = {}
    for member in (
        RosterMember.objects.filter(roster=roster).select_related("person").order_by("position", "order")
    ):
        rows[(member.person_id, member.position)] = FairnessRow(member.person, member.position)
    coverage = coverage_report(roster)
    leave_ids = {o.assignment.pk for o in coverage.on_leave}
    for shift in coverage.shifts:
        for assignment in shift.assignments.all():
            row = rows.setdefault(
                (assignment.person_id, assignment.position),
                FairnessRow(assignment.person, assignment.position),
            )
            row.shifts += 1
            row.hours += shift.hours
            row.nights += int(shift.is_night)
            row.rest_days += int(shift.is_rest_day)
            row.on_leave += int(assignment.pk in leave_ids)
    return sorted(rows.values(), key=lambda r: (r.position != Position.LEADER, -r.shifts, r.person.pk))


# --- the duty desk ---------------------------------------------------------------------------------


@dataclass
class DeskRow:
    unit: Unit
    current: list[Shift]
    next: Shift | None
    signed_on: set[int]


def desk_units(*, user: User, now: datetime.datetime | None = None) -> QuerySet[Unit]:
    """The units in scope with a shift now or within a day, in tree order (the desk's pages)."""
    now = now or timezone.now()
    on_duty = (
        shift_list(user=user)
        .filter(ends_at__gt=now, starts_at__lte=now + datetime.timedelta(days=1))
        .values("unit_id")
    )
    return Unit.objects.filter(pk__in=on_duty).order_by("path")


def duty_desk(
    *, user: User, now: datetime.datetime | None = None, units: Sequence[Unit] | None = None
) -> list[DeskRow]:
    """For every unit in scope with duty now or soon: the current shift(s) and the next, with people.

    Five queries: the current shifts and their people, each unit's next shift (within a day) and its
    people, and the sign-ons of the current shifts.
    """
    now = now or timezone.now()
    shifts = shift_list(user=user)
    if units is not None:  # one page of the desk (a county has hundreds of units on duty)
        shifts = shifts.filter(unit_id__in=[unit.pk for unit in units])
    scoped = shifts.select_related("template", "unit", "roster").prefetch_related(assignments_prefetch())
    current = list(scoped.filter(starts_at__lte=now, ends_at__gt=now).order_by("unit__path", "starts_at"))
    # Only each unit's next shift: a window ranks the day's upcoming shifts per unit, so a county's
    # desk does not build every shift of the next 24 hours for 400 units.
    nearest = (
        shifts.filter(starts_at__gt=now, starts_at__lte=now + datetime.timedelta(days=1))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("unit_id")], order_by=[F("starts_at").asc(), F("id").asc()]
            )
        )
        .filter(rank=1)
        .values("pk")
    )
    upcoming = list(scoped.filter(pk__in=nearest).order_by("unit__path", "starts_at"))

    signed = set(SignOn.objects.filter(shift__in=current).values_list("assignment_id", flat=True))
    rows: dict[int, DeskRow] = {}
    for shift in current:
        rows.setdefault(shift.unit_id, DeskRow(shift.unit, [], None, signed)).current.append(shift)
    for shift in upcoming:
        row = rows.setdefault(shift.unit_id, DeskRow(shift.unit, [], None, signed))
        if row.next is None:
            row.next = shift
    return sorted(rows.values(), key=lambda r: r.unit.path)


def my_shifts(*, user: User, now: datetime.datetime | None = None, limit: int = 20) -> list[ShiftAssignment]:
    """The user's own shifts that have not ended, soonest first."""
    now = now or timezone.now()
    return list(
        ShiftAssignment.objects.filter(person=user, ends_at__gt=now)
        .select_related("shift__template", "shift__roster", "shift__unit")
        .order_by("starts_at")[:limit]
    )


@dataclass
class ShiftDesk:
    """One shift as its duty officers see it: people, sign-ons, log, open items, handovers."""

    shift: Shift
    assignments: list[ShiftAssignment]
    signed_on: dict[int, SignOn]
    log: list[DutyLogEntry]
    open_items: list[DutyLogEntry]
    received: list[Handover]


def shift_desk(shift: Shift) -> ShiftDesk:
    assignments = list(shift.assignments.select_related("person").order_by("position", "id"))
    signed = {s.assignment_id: s for s in SignOn.objects.filter(shift=shift)}
    log = list(
        DutyLogEntry.objects.filter(shift=shift)
        .select_related("author", "corrects", "resolves")
        .order_by("created_at", "id")
    )
    received = list(
        shift.handovers_received.select_related("shift__template", "handed_over_by").prefetch_related(
            "carried"
        )
    )
    return ShiftDesk(shift, assignments, signed, log, open_items(shift), received)


def feed_shifts(
    *, person: User | None = None, unit: Unit | None = None, days_back: int = 31
) -> list[ShiftAssignment] | list[Shift]:
    """What a calendar feed holds: a person's assignments, or a unit's shifts, from a month ago on."""
    since = timezone.now() - datetime.timedelta(days=days_back)
    if person is not None:
        return list(
            ShiftAssignment.objects.filter(person=person, ends_at__gt=since)
            .select_related("shift__template", "shift__roster", "shift__unit")
            .order_by("starts_at")[:1000]
        )
    return list(
        Shift.objects.filter(unit=unit, ends_at__gt=since)
        .select_related("template", "roster")
        .prefetch_related(assignments_prefetch())
        .order_by("starts_at")[:1000]
    )
